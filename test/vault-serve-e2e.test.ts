/**
 * `afsync serve` subscribed to Vault's event notifications, through the real binary: the Vault
 * emulator runs here and emits an event over its WebSocket for every write; serve (a child
 * process) turns them into hinted runs on a Deployment's `.env` file, reconnects and reconciles
 * after a dropped stream, and falls back to its schedule when the subscription is refused.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { type ServeProcess, startServe, waitUntil } from "./localServeProcess.ts";

const DB_PASSWORD = "vault-serve-db-Pa55-71c2";
const DB_ROTATED = "vault-serve-db-rotated-a94e";
const DB_WHILE_DOWN = "vault-serve-db-while-down-3b08";
const API_TOKEN = "vault-serve-api-token-5d1f";
const SCHEDULED = "vault-serve-scheduled-c6e2";
const SENTINELS = [DB_PASSWORD, DB_ROTATED, DB_WHILE_DOWN, API_TOKEN, SCHEDULED];

interface EventFeed {
  source: string;
  state: string;
  detail: string;
}
interface StatusJson {
  eventFeeds: EventFeed[];
  problems: { message: string }[];
}

function writeConfig(dir: string, reconcileEvery: string): void {
  writeFileSync(
    join(dir, "afsync.yaml"),
    [
      "sources:",
      "  vault-prod:",
      "    type: vault",
      "    connections_path: airflow/connections",
      "    variables_path: airflow/variables",
      "    events: websocket",
      "deployments:",
      "  dev:",
      "    target: { type: env-file, path: dev.env }",
      "    sources: [vault-prod]",
      "    deletion: delete",
      "state: { type: sqlite, path: state.db }",
      `serve: { host: 127.0.0.1, port: 0, reconcile_every: ${reconcileEvery} }`,
      "",
    ].join("\n"),
  );
}

async function feedOf(serve: ServeProcess): Promise<EventFeed | undefined> {
  const status = (await (await fetch(`${serve.url}/status.json`)).json()) as StatusJson;
  return status.eventFeeds.find((f) => f.source === "vault-prod");
}

const envFile = (dir: string) => {
  try {
    return readFileSync(join(dir, "dev.env"), "utf8");
  } catch {
    return "";
  }
};

describe("afsync serve with Vault event notifications (binary)", () => {
  let emu: VaultEmulator;
  const dirs: string[] = [];
  const outputs: string[] = [];
  const workspace = () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-vault-serve-"));
    dirs.push(dir);
    return dir;
  };
  const serveIn = (dir: string) =>
    startServe(["--config", "afsync.yaml"], { cwd: dir, env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, VAULT_NAMESPACE: "" } });
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${emu.url}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": emu.rootToken },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  before(async () => {
    emu = await startVaultEmulator();
    emu.seed("secret/airflow/connections/warehouse_db", { conn_uri: `postgres://etl:${DB_PASSWORD}@warehouse.internal:5432/dwh` });
    emu.seed("secret/airflow/connections/orders_api", { conn_type: "http", host: "api.example.com", password: API_TOKEN });
    emu.seed("secret/airflow/variables/environment", { value: "production" });
  });
  after(async () => {
    await emu?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    assertNoSecretLeak(outputs, SENTINELS);
  });

  it("applies a KV v2 write as it happens, reconnects and reconciles after a drop, deletes on a metadata delete", async (t) => {
    const dir = workspace();
    writeConfig(dir, "15m"); // far away: every change below must come from the event stream
    const serve = await serveIn(dir);
    try {
      await waitUntil(async () => (await feedOf(serve))?.state === "live", "the event stream to be live");
      assert.match(serve.stdout(), /initial sync: 3 created/);
      assert.ok(envFile(dir).includes(DB_PASSWORD));

      // A new version arrives as an event and is applied by a hinted run.
      let from = serve.stdout().length;
      const written = Date.now();
      const put = await api("POST", "secret/data/airflow/connections/warehouse_db", {
        data: { conn_uri: `postgres://etl:${DB_ROTATED}@warehouse.internal:5432/dwh` },
      });
      assert.equal(put.status, 200);
      await waitUntil(async () => envFile(dir).includes(DB_ROTATED), "the new version in dev.env");
      t.diagnostic(`KV v2 write → dev.env updated in ${Date.now() - written} ms (event stream, measured, not asserted)`);
      await serve.waitForOutput(/vault events \(vault-prod\): 0 created, 1 updated/, { from });

      // The stream drops and the first reconnect attempts are refused with 503: a change made
      // meanwhile reaches no subscriber, and the reconciliation after the reconnect applies it.
      from = serve.stdout().length;
      emu.inject({ status: 503, operationId: "events/subscribe", times: 2 });
      emu.dropEventStreams();
      await waitUntil(async () => (await feedOf(serve))?.state === "reconnecting", "status.json to say reconnecting");
      emu.clearEvents();
      emu.write("secret/airflow/connections/warehouse_db", { conn_uri: `postgres://etl:${DB_WHILE_DOWN}@warehouse.internal:5432/dwh` });
      assert.equal(emu.events.length, 1, "the write emitted its event while no one listened");
      await waitUntil(async () => envFile(dir).includes(DB_WHILE_DOWN), "the change made while the stream was down", 15_000);
      await serve.waitForOutput(/vault events \(vault-prod\) reconnected: 0 created, 1 updated/, { from });
      assert.match(serve.stdout().slice(from), /vault events \(vault-prod\): the event stream closed; reconnecting with backoff/);
      assert.equal((await feedOf(serve))?.state, "live");

      // A metadata delete (every version gone) removes the key under `deletion: delete`.
      from = serve.stdout().length;
      assert.equal((await api("DELETE", "secret/metadata/airflow/connections/orders_api")).status, 204);
      await waitUntil(async () => !/^AIRFLOW_CONN_ORDERS_API=/m.test(envFile(dir)), "orders_api gone from dev.env");
      await serve.waitForOutput(/vault events \(vault-prod\): 0 created, 0 updated, 1 deleted/, { from });
      assert.match(envFile(dir), /^AIRFLOW_VAR_ENVIRONMENT=/m);
    } finally {
      const code = await serve.stop("SIGTERM");
      outputs.push(serve.stdout(), serve.stderr());
      assert.equal(code, 0, serve.stderr());
    }
    // Shutdown closed the socket.
    await waitUntil(async () => emu.subscriberCount === 0, "the emulator to see the socket closed", 5000);
  });

  it("reports a refused subscription (403) once and keeps reconciling on schedule", async () => {
    const dir = workspace();
    writeConfig(dir, "2s");
    // The first two subscribe calls are refused (a token without the policy); the third, at the
    // second scheduled reconciliation, is allowed, as after a policy fix.
    emu.inject({ status: 403, operationId: "events/subscribe", times: 2 });
    const serve = await serveIn(dir);
    try {
      await serve.waitForOutput(/refused by the server \(HTTP 403\)/);
      const feed = await feedOf(serve);
      assert.equal(feed?.state, "off");
      assert.match(feed?.detail ?? "", /HTTP 403.*permission denied.*scheduled reconciliation/);
      const status = (await (await fetch(`${serve.url}/status.json`)).json()) as StatusJson;
      assert.ok(status.problems.some((p) => /events for source vault-prod: refused/.test(p.message)));
      assert.match(await (await fetch(`${serve.url}/`)).text(), /Change events[\s\S]*vault-prod[\s\S]*HTTP 403/);

      const from = serve.stdout().length;
      emu.write("secret/airflow/variables/scheduled", { value: SCHEDULED });
      await waitUntil(async () => envFile(dir).includes(SCHEDULED), "the scheduled reconciliation to apply the change");
      // The file lands before the run's line is printed: wait for the line rather than race it.
      await waitUntil(
        async () => /scheduled reconciliation: 1 created/.test(serve.stdout().slice(from)),
        "the scheduled reconciliation's line",
      );

      await waitUntil(async () => (await feedOf(serve))?.state === "live", "the subscription retried at the schedule");
      await serve.waitForOutput(/vault events \(vault-prod\): connected again/);
      assert.equal(
        serve.stdout().match(/Falling back to the scheduled reconciliation/g)?.length,
        1,
        "the refusal is reported once, not per retry",
      );
    } finally {
      const code = await serve.stop("SIGTERM");
      outputs.push(serve.stdout(), serve.stderr());
      assert.equal(code, 0, serve.stderr());
    }
  });
});
