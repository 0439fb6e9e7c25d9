import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "@afsync/core";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { buildRuntime, type Runtime } from "@afsync/runtime/compose/buildRuntime";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { eventGridEndpoint } from "@afsync/runtime/events/eventGridEndpoint";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { SecretClient } from "@azure/keyvault-secrets";
import { createServeHttpServer } from "../src/serve/createServeHttpServer.ts";
import { ServeStatus } from "../src/serve/ServeStatus.ts";
import { SyncCoordinator } from "../src/serve/SyncCoordinator.ts";

const KEY = "eventgrid-delivery-key-5d1c7a";
const SENTINEL = "s3ntinel-serve-eventgrid-pw";

/**
 * `afsync serve` as an Event Grid endpoint: a Key Vault write (emulator, official SDK) → the
 * Event Grid event it emits → POST /eventgrid → the same delivery handling as the function app
 * (key, handshakes, parsing) → serve's coordinator → the real Azure source → a `.env` target.
 */
describe("serve: POST/OPTIONS /eventgrid", () => {
  let emu: KeyVaultEmulator;
  let writer: SecretClient;
  let dir: string;
  let runtime: Runtime;
  let server: Server;
  let url: string;
  const triggers: Trigger[] = [];
  let coordinator: SyncCoordinator;

  before(async () => {
    emu = await startKeyVaultEmulator();
    writer = new SecretClient(emu.url, emu.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: emu.ca } });
    dir = mkdtempSync(join(tmpdir(), "afsync-serve-eventgrid-"));
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        `  kv: { type: azure-key-vault, vault_url: "${emu.url}" }`,
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [kv]",
        "state: { type: memory }",
        "serve: { eventgrid_key_env: AFSYNC_EVENTGRID_KEY }",
        "",
      ].join("\n"),
    );
    const env = { AFSYNC_EVENTGRID_KEY: KEY };
    const config = await loadConfigFile(join(dir, "afsync.yaml"), env);
    runtime = await buildRuntime(config, {
      env,
      configDir: dir,
      logger: silentLogger,
      clientOverrides: { azure: { credential: emu.credential, ca: emu.ca } },
    });
    const setup = eventGridEndpoint(config, env);
    assert.ok(setup.enabled);
    const status = new ServeStatus(new Date(), [{ id: "dev", target: "env-file dev.env" }], {
      configPath: "afsync.yaml",
      webhook: false,
      watching: [],
      reconcileEveryMs: 60_000,
    });
    coordinator = new SyncCoordinator({
      sync: (trigger) => {
        triggers.push(trigger);
        return runtime.engine.sync(runtime.bindings, trigger);
      },
      status,
      now: () => new Date(),
      logger: silentLogger,
    });
    server = createServeHttpServer({
      status,
      coordinator,
      verifier: null,
      eventGrid: setup.endpoint,
      sources: runtime.sources,
      now: () => new Date(),
      logger: silentLogger,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deliver = (body: unknown, query = `?code=${KEY}`, headers: Record<string, string> = {}) =>
    fetch(`${url}/eventgrid${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", "aeg-event-type": "Notification", ...headers },
      body: JSON.stringify(body),
    });

  it("answers the subscription validation handshake with the code, running nothing", async () => {
    const res = await deliver(
      [
        {
          id: "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
          topic: emu.resourceId,
          subject: "",
          data: { validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
          eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          eventTime: "2026-11-30T22:00:00Z",
          metadataVersion: "1",
          dataVersion: "1",
        },
      ],
      `?code=${KEY}`,
      { "aeg-event-type": "SubscriptionValidation" },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
    assert.equal(triggers.length, 0);
  });

  it("answers the CloudEvents OPTIONS handshake with WebHook-Allowed-Origin", async () => {
    const res = await fetch(`${url}/eventgrid?code=${KEY}`, {
      method: "OPTIONS",
      headers: { "WebHook-Request-Origin": "eventgrid.azure.net" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("webhook-allowed-origin"), "eventgrid.azure.net");
  });

  it("syncs the secret a delivered SecretNewVersionCreated event names", async () => {
    await writer.setSecret("airflow-connections-warehouse", `postgres://app:${SENTINEL}@db.example.com:5432/wh`);
    const events = emu.events.map((e) => e.eventGrid);
    emu.clearEvents();
    const res = await deliver(events);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assertNoSecretLeak([text], [SENTINEL]);
    await coordinator.idle();
    assert.equal(triggers.at(-1)?.kind, "hints");
    assert.match(readFileSync(join(dir, "dev.env"), "utf8"), /^AIRFLOW_CONN_WAREHOUSE=.*s3ntinel-serve-eventgrid-pw/m);
  });

  it("accepts the key as the x-afsync-delivery-key header too, and CloudEvents deliveries", async () => {
    await writer.setSecret("airflow-variables-region", "eu-west-1");
    const events = emu.events.map((e) => e.cloudEvent);
    emu.clearEvents();
    const res = await deliver(events, "", { "x-afsync-delivery-key": KEY, "content-type": "application/cloudevents-batch+json" });
    assert.equal(res.status, 200, await res.text());
    await coordinator.idle();
    assert.match(readFileSync(join(dir, "dev.env"), "utf8"), /^AIRFLOW_VAR_REGION='?eu-west-1'?$/m);
  });

  it("refuses a forged or unauthenticated delivery (401) and runs nothing", async () => {
    await writer.setSecret("airflow-variables-region", "forged-region");
    const events = emu.events.map((e) => e.eventGrid);
    emu.clearEvents();
    const before = triggers.length;
    for (const query of ["?code=not-the-key", "", `?code=${KEY.slice(0, -1)}`]) {
      const res = await deliver(events, query);
      assert.equal(res.status, 401, query);
    }
    const options = await fetch(`${url}/eventgrid`, { method: "OPTIONS", headers: { "WebHook-Request-Origin": "eventgrid.azure.net" } });
    assert.equal(options.status, 401, "the handshake needs the key as well");
    await coordinator.idle();
    assert.equal(triggers.length, before);
    assert.doesNotMatch(readFileSync(join(dir, "dev.env"), "utf8"), /forged-region/);
  });

  it("is off (503) without serve.eventgrid_key_env or its variable, naming what is missing", async () => {
    const config = runtime.config;
    const unset = eventGridEndpoint(config, {});
    assert.deepEqual(unset, { enabled: false, reason: "the environment variable AFSYNC_EVENTGRID_KEY is not set" });
    const unconfigured = eventGridEndpoint({ ...config, serve: { ...config.serve, eventGridKeyEnv: undefined } } as typeof config, {
      AFSYNC_EVENTGRID_KEY: KEY,
    });
    assert.equal(unconfigured.enabled, false);
    const off = createServeHttpServer({
      status: new ServeStatus(new Date(), [], { configPath: "x", webhook: false, watching: [], reconcileEveryMs: 1 }),
      coordinator,
      verifier: null,
      eventGrid: null,
      sources: runtime.sources,
      now: () => new Date(),
      logger: silentLogger,
    });
    await new Promise<void>((resolve) => off.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(off.address() as AddressInfo).port}/eventgrid?code=${KEY}`, {
        method: "POST",
        body: "[]",
      });
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { error: string }).error, /serve\.eventgrid_key_env/);
    } finally {
      await new Promise<void>((resolve) => off.close(() => resolve()));
    }
  });
});
