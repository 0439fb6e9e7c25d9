import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { signWebhookBody, WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import {
  assertNoSecretLeak,
  createTestHasher,
  FixedClock,
  InMemoryDeploymentTarget,
  InMemorySecretSource,
  InMemoryStateStore,
} from "@afsync/testing";
import { createServeHttpServer } from "../src/serve/createServeHttpServer.ts";
import { deploymentShape } from "../src/serve/deploymentShape.ts";
import { ServeStatus } from "../src/serve/ServeStatus.ts";
import { SyncCoordinator } from "../src/serve/SyncCoordinator.ts";

const SECRET = "serve-http-webhook-secret";
const SENTINEL = "s3ntinel-serve-http-Pw";

interface Harness {
  url: string;
  server: Server;
  source: InMemorySecretSource;
  target: InMemoryDeploymentTarget;
  triggers: Trigger[];
  status: ServeStatus;
  coordinator: SyncCoordinator;
}

async function start(options: { webhook: boolean }): Promise<Harness> {
  const source = new InMemorySecretSource("team<files>");
  source.setConnection("db", { conn_type: "postgres", host: "h", login: "u", password: SENTINEL, schema: "s", port: 5432, extra: null });
  source.setVariable("plain", SENTINEL);
  const target = new InMemoryDeploymentTarget({ type: "memory", describe: "mem://<dev>" });
  const binding: DeploymentBinding = {
    id: "dev<script>",
    target,
    sources: [source],
    deletion: "retain",
    adopt: false,
    include: ["*"],
    exclude: [],
  };
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: silentLogger,
    state: new InMemoryStateStore(),
  });
  const status = new ServeStatus(new Date(), [deploymentShape(binding, `${target.type} ${target.describe}`)], {
    configPath: "afsync.yaml",
    webhook: options.webhook,
    watching: [],
    reconcileEveryMs: 60_000,
  });
  const triggers: Trigger[] = [];
  const coordinator = new SyncCoordinator({
    sync: (trigger) => {
      triggers.push(trigger);
      return engine.sync([binding], trigger);
    },
    status,
    now: () => new Date(),
    logger: silentLogger,
  });
  const server = createServeHttpServer({
    status,
    coordinator,
    verifier: options.webhook ? new WebhookVerifier(SECRET) : null,
    sources: new Map([[source.id, source]]),
    now: () => new Date(),
    logger: silentLogger,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, source, target, triggers, status, coordinator };
}

function post(h: Harness, body: string, header?: string, query = "") {
  return fetch(`${h.url}/hooks/generic${query}`, {
    method: "POST",
    body,
    headers: header === undefined ? {} : { "x-afsync-signature": header },
  });
}

const now = () => Math.floor(Date.now() / 1000);

describe("serve HTTP", () => {
  let h: Harness;
  before(async () => {
    h = await start({ webhook: true });
    await h.coordinator.requestFull("initial sync");
  });
  after(() => new Promise<void>((resolve) => h.server.close(() => resolve())));

  it("serves an escaped status page with Deployments, keys and runs, and no values", async () => {
    const res = await fetch(`${h.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = await res.text();
    assert.ok(html.includes("dev&lt;script>") && !html.includes("dev<script>"), "ids are escaped");
    assert.ok(html.includes("conn:db") && html.includes("var:plain"));
    assert.match(html, /Last run: .*initial sync.* — \d+ created/);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assertNoSecretLeak([html], [SENTINEL]);
  });

  it("serves stable URLs for a key and a Deployment, the page's script and its data, all escaped and value-free", async () => {
    const key = await fetch(`${h.url}/keys/${encodeURIComponent("conn:db")}`);
    assert.equal(key.status, 200);
    const keyHtml = await key.text();
    assert.match(keyHtml, /<h2[^>]*>Key <code>conn:db<\/code><\/h2>/);
    assert.match(keyHtml, /Airflow reads it from/);
    assert.ok(!keyHtml.includes('data-key="var:plain"'), "the key's page shows only its own row");
    const deployment = await (await fetch(`${h.url}/deployments/${encodeURIComponent("dev<script>")}`)).text();
    assert.match(deployment, /Deployment dev&lt;script>/);
    assert.ok(!deployment.includes("dev<script>"));
    const script = await fetch(`${h.url}/dashboard.js`);
    assert.match(script.headers.get("content-type") ?? "", /javascript/);
    assert.match(await script.text(), /status\.json/);
    const dashboardText = await (await fetch(`${h.url}/dashboard.json`)).text();
    const dashboard = JSON.parse(dashboardText) as { keys: string[]; coverage: { source: string }[] };
    assert.deepEqual(dashboard.keys, ["conn:db", "var:plain"]);
    assert.equal(dashboard.coverage[0]?.source, "team<files>");
    assertNoSecretLeak([keyHtml, deployment, dashboardText], [SENTINEL]);
    assert.equal((await fetch(`${h.url}/keys/a/b`)).status, 404);
    assert.equal((await fetch(`${h.url}/keys/%E0%A4%A`)).status, 404);
  });

  it("answers /healthz and /status.json without values", async () => {
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as { status: string; runs: number };
    assert.equal(health.status, "ok");
    assert.ok(health.runs >= 1);
    const statusText = await (await fetch(`${h.url}/status.json`)).text();
    const status = JSON.parse(statusText);
    assert.equal(status.deployments[0].id, "dev<script>");
    assertNoSecretLeak([statusText], [SENTINEL]);
  });

  it("runs the keys a correctly signed webhook names, and reports the run with ?wait=1", async () => {
    h.source.setVariable("plain", "rotated-value");
    const body = JSON.stringify({ source: "team<files>", keys: ["var:plain"] });
    const res = await post(h, body, signWebhookBody(SECRET, body, now()), "?wait=1");
    assert.equal(res.status, 200);
    const { run } = (await res.json()) as { run: { summary: { update: number } } };
    assert.equal(run.summary.update, 1);
    const last = h.triggers.at(-1);
    assert.equal(last?.kind, "hints");
    assert.deepEqual(last?.kind === "hints" ? last.hints.map((x) => x.keys) : [], [[{ kind: "variable", id: "plain" }]]);
  });

  it("queues a full reconciliation for a webhook without keys and answers 202", async () => {
    const before = h.triggers.length;
    const body = JSON.stringify({ source: "team<files>" });
    const res = await post(h, body, signWebhookBody(SECRET, body, now()));
    assert.equal(res.status, 202);
    await h.coordinator.idle();
    assert.equal(h.triggers.at(before)?.kind, "full");
  });

  it("rejects bad signatures with 401 and stale or replayed ones with 409, running nothing", async () => {
    const before = h.triggers.length;
    const body = JSON.stringify({ source: "team<files>", keys: ["conn:db"] });
    assert.equal((await post(h, body)).status, 401);
    assert.equal((await post(h, body, signWebhookBody("wrong-secret", body, now()))).status, 401);
    assert.equal((await post(h, body, signWebhookBody(SECRET, body, now() - 301))).status, 409);
    const fresh = signWebhookBody(SECRET, body, now());
    assert.equal((await post(h, body, fresh)).status, 202);
    assert.equal((await post(h, body, fresh)).status, 409);
    await h.coordinator.idle();
    assert.equal(h.triggers.length, before + 1);
  });

  it("answers 400 for a signed but malformed body and 404 for an unknown source", async () => {
    const bad = JSON.stringify({ source: "team<files>", keys: ["plain"] });
    const res = await post(h, bad, signWebhookBody(SECRET, bad, now()));
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /keys\.0/);
    const unknown = JSON.stringify({ source: "nope" });
    assert.equal((await post(h, unknown, signWebhookBody(SECRET, unknown, now()))).status, 404);
  });

  it("refuses oversized bodies, wrong methods and unknown paths", async () => {
    assert.equal((await post(h, "x".repeat(300 * 1024), "t=1,v1=00")).status, 413);
    assert.equal((await fetch(`${h.url}/hooks/generic`)).status, 405);
    assert.equal((await fetch(`${h.url}/`, { method: "DELETE" })).status, 405);
    assert.equal((await fetch(`${h.url}/nope`)).status, 404);
  });

  it("shows an invalid value as a problem while the target keeps its last good value", async () => {
    h.source.setInvalid({ kind: "connection", id: "db" }, "not a connection URI");
    await h.coordinator.requestHints("test", [
      { provider: "memory", secretId: "conn:db", action: "upsert", keys: [{ kind: "connection", id: "db" }] },
    ]);
    const problems = h.status.problems();
    assert.ok(problems.some((p) => p.key === "conn:db" && /invalid/.test(p.message)));
    assert.equal(h.target.values.get("conn:db")?.kind, "connection");
    const html = await (await fetch(`${h.url}/`)).text();
    assert.match(html, /Problems \([1-9]/);
  });
});

describe("serve HTTP without a webhook secret", () => {
  it("answers 503 and runs nothing", async () => {
    const h = await start({ webhook: false });
    try {
      const res = await post(h, "{}", "t=1,v1=00");
      assert.equal(res.status, 503);
      assert.equal(h.triggers.length, 0);
    } finally {
      await new Promise<void>((resolve) => h.server.close(() => resolve()));
    }
  });
});

describe("SyncCoordinator", () => {
  it("runs one at a time and folds everything that arrives meanwhile into one next run", async () => {
    const started: Trigger[] = [];
    let release: () => void = () => {};
    const h = await start({ webhook: false });
    await new Promise<void>((resolve) => h.server.close(() => resolve()));
    const coordinator = new SyncCoordinator({
      sync: async (trigger) => {
        started.push(trigger);
        if (started.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return { mode: "sync", deployments: [], summary: { ...emptySummary() } };
      },
      status: h.status,
      now: () => new Date(),
      logger: silentLogger,
    });
    const first = coordinator.requestFull("first");
    const hint = (id: string) => ({
      provider: "memory",
      secretId: id,
      action: "upsert" as const,
      keys: [{ kind: "variable" as const, id }],
    });
    const queued = [
      coordinator.requestHints("a", [hint("a")]),
      coordinator.requestHints("b", [hint("b")]),
      coordinator.requestHints("a", [hint("c")]),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, 1, "nothing starts while a run is in flight");
    release();
    const records = await Promise.all([first, ...queued]);
    assert.equal(started.length, 2);
    const second = started[1];
    assert.equal(second?.kind, "hints");
    assert.deepEqual(second?.kind === "hints" ? second.hints.map((x) => x.secretId) : [], ["a", "b", "c"]);
    assert.equal(records[1]?.id, records[3]?.id, "all queued requests share the one run");
    assert.equal(records[1]?.trigger, "a + b");
  });
});

function emptySummary() {
  return {
    create: 0,
    update: 0,
    delete: 0,
    unchanged: 0,
    conflict: 0,
    orphaned: 0,
    invalid: 0,
    shadowed: 0,
    deployments: 0,
    failed: 0,
    writes: 0,
    reads: 0,
  };
}
