import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { type KeyVaultChangeEvent, type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { createTestHasher } from "@afsync/testing/createTestHasher";
import { FixedClock } from "@afsync/testing/FixedClock";
import { InMemoryDeploymentTarget } from "@afsync/testing/InMemoryDeploymentTarget";
import { InMemoryStateStore } from "@afsync/testing/InMemoryStateStore";
import { SecretClient } from "@azure/keyvault-secrets";
import type { AzureKeyVaultSource } from "../src/AzureKeyVaultSource.ts";
import { createAzureKeyVaultSource } from "../src/azureKeyVaultSourceFactory.ts";
import { type EventGridHttpRequest, handleEventGridDelivery } from "../src/events/handleEventGridDelivery.ts";
import { loadAzureSample } from "./azureSamples.ts";

const AUTH = { secret: "delivery-key-0123456789abcdef" };

function delivery(events: readonly unknown[], query = `?code=${AUTH.secret}`, headers: Record<string, string> = {}): EventGridHttpRequest {
  return {
    method: "POST",
    url: `/api/eventgrid${query}`,
    headers: { "content-type": "application/json", "aeg-event-type": "Notification", ...headers },
    body: JSON.stringify(events),
  };
}

/**
 * Real SDK writes → the emulator's Event Grid events (both schemas) → the HTTP delivery logic
 * (authentication, handshakes, parsing) → the engine, reading the real source over the SDK.
 */
describe("Event Grid delivery chain: Key Vault write → event → delivery → engine", () => {
  let emu: KeyVaultEmulator;
  let writer: SecretClient;
  let source: AzureKeyVaultSource;
  let target: InMemoryDeploymentTarget;
  let engine: SyncEngine;
  let binding: DeploymentBinding;

  before(async () => {
    emu = await startKeyVaultEmulator();
    writer = new SecretClient(emu.url, emu.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: emu.ca } });
    source = createAzureKeyVaultSource({ vault_url: emu.url }, { id: "kv", env: {}, azure: { credential: emu.credential, ca: emu.ca } });
    target = new InMemoryDeploymentTarget();
    engine = new SyncEngine({ clock: new FixedClock(), hasher: createTestHasher(), logger: { log() {} }, state: new InMemoryStateStore() });
    binding = { id: "dev", target, sources: [source], deletion: "delete", adopt: false, include: ["*"], exclude: [] };
  });
  after(async () => {
    await emu.close();
  });

  function take(schema: "eventGrid" | "cloudEvent"): unknown[] {
    const events = emu.events.map((e: KeyVaultChangeEvent) => e[schema]);
    emu.clearEvents();
    return events;
  }

  function accepted(request: EventGridHttpRequest): readonly ChangeHint[] {
    const outcome = handleEventGridDelivery(request, AUTH);
    assert.equal(outcome.response.status, 200, JSON.stringify(outcome.response.body));
    return outcome.hints;
  }

  it("applies a new secret announced with the Event Grid schema, reading the announced version", async () => {
    const written = await writer.setSecret("airflow-connections-warehouse", "postgres://app:one@db.example.com:5432/wh");
    const hints = accepted(delivery(take("eventGrid")));
    assert.deepEqual(
      hints.map((h) => [h.action, h.version]),
      [["upsert", written.properties.version]],
    );
    const report = await engine.sync([binding], { kind: "hints", hints });
    assert.deepEqual(
      report.deployments[0]?.changes.map((c) => [c.key, c.action]),
      [["conn:warehouse", "create"]],
    );
    const value = target.values.get("conn:warehouse");
    assert.equal(value?.kind === "connection" ? value.connection.password : undefined, "one");
  });

  it("coalesces a burst with duplicates and reordering (CloudEvents schema) into one write of the newest value", async () => {
    await writer.setSecret("airflow-connections-warehouse", "postgres://app:two@db.example.com:5432/wh");
    await writer.setSecret("airflow-connections-warehouse", "postgres://app:three@db.example.com:5432/wh");
    const [two, three] = take("cloudEvent");
    // Delivered newest first, with the older one twice: at-least-once and unordered, as Event Grid is.
    const hints = accepted(delivery([three, two, two]));
    assert.equal(hints.length, 3);
    const applies = target.applyCalls;
    const report = await engine.sync([binding], { kind: "hints", hints });
    assert.equal(target.applyCalls - applies, 1, "one write for the burst");
    assert.deepEqual(
      report.deployments[0]?.changes.map((c) => [c.key, c.action]),
      [["conn:warehouse", "update"]],
    );
    const value = target.values.get("conn:warehouse");
    assert.equal(value?.kind === "connection" ? value.connection.password : undefined, "three");
  });

  it("turns the vault's expiry warnings into notices that change nothing", async () => {
    await writer.setSecret("airflow-variables-expiring", "v", { expiresOn: new Date(Date.UTC(2030, 0, 1)) });
    take("eventGrid");
    const near = emu.emitExpiry("airflow-variables-expiring", "SecretNearExpiry");
    const hints = accepted(delivery([near.eventGrid]));
    assert.deepEqual(
      hints.map((h) => h.action),
      ["notice"],
    );
    assert.match(hints[0]?.reason ?? "", /expires at 2030-01-01T00:00:00\.000Z/);
    const applies = target.applyCalls;
    const report = await engine.sync([binding], { kind: "hints", hints });
    assert.deepEqual(report.deployments[0]?.changes, []);
    assert.equal(target.applyCalls, applies);
    emu.clearEvents();
    emu.deleteSecret("airflow-variables-expiring");
  });

  it("finds a deletion only through the scheduled reconciliation: Key Vault sends no delete event", async () => {
    const poller = await writer.beginDeleteSecret("airflow-connections-warehouse", { intervalInMs: 1 });
    await poller.pollUntilDone();
    assert.deepEqual(take("eventGrid"), [], "no event for a delete");
    const report = await engine.sync([binding], { kind: "full" });
    assert.deepEqual(
      report.deployments[0]?.changes.map((c) => [c.key, c.action]),
      [["conn:warehouse", "delete"]],
    );
    assert.equal(target.values.has("conn:warehouse"), false);
  });

  it("answers the validation handshake and the CloudEvents OPTIONS handshake, with no hint", () => {
    const validation = handleEventGridDelivery(
      delivery(loadAzureSample("azure-eventgrid-subscription-validation.json") as unknown[], `?code=${AUTH.secret}`, {
        "aeg-event-type": "SubscriptionValidation",
      }),
      AUTH,
    );
    assert.equal(validation.response.status, 200);
    assert.deepEqual(validation.response.body, loadAzureSample("azure-eventgrid-subscription-validation-response.json"));
    assert.deepEqual(validation.hints, []);
    const options = handleEventGridDelivery(
      {
        method: "OPTIONS",
        url: `/api/eventgrid?code=${AUTH.secret}`,
        headers: { "webhook-request-origin": "eventgrid.azure.net" },
        body: "",
      },
      AUTH,
    );
    assert.equal(options.response.status, 200);
    assert.equal(options.response.headers["WebHook-Allowed-Origin"], "eventgrid.azure.net");
    assert.equal(options.outcome, "cloudevents-handshake");
  });

  it("refuses a forged or unauthenticated delivery before reading it, and runs nothing", async () => {
    await writer.setSecret("airflow-connections-forged", "postgres://app:x@h/db");
    const events = take("eventGrid");
    const forged = [
      delivery(events, ""),
      delivery(events, "?code=wrong-key"),
      delivery(events, `?code=${AUTH.secret}x`),
      delivery(events, "", { "x-afsync-delivery-key": "nearly" }),
      { ...delivery(events, ""), method: "OPTIONS", headers: { "webhook-request-origin": "eventgrid.azure.net" } },
      delivery([{ not: "even an event" }], "?code=bad"),
    ];
    for (const request of forged) {
      const outcome = handleEventGridDelivery(request, AUTH);
      assert.equal(outcome.response.status, 401);
      assert.equal(outcome.outcome, "refused");
      assert.deepEqual(outcome.hints, []);
    }
    // The shared secret is also accepted from a header set as a secret delivery attribute.
    assert.equal(handleEventGridDelivery(delivery(events, "", { "x-afsync-delivery-key": AUTH.secret }), AUTH).hints.length, 1);
    // An empty configured secret refuses everything rather than accepting everything.
    assert.equal(handleEventGridDelivery(delivery(events, "?code="), { secret: "" }).outcome, "refused");
  });

  it("answers 400 (dead-lettered, not retried) for a body it cannot read, and 405 for other methods", () => {
    const notJson = handleEventGridDelivery({ ...delivery([]), body: "{nope" }, AUTH);
    assert.equal(notJson.response.status, 400);
    const unknown = handleEventGridDelivery(delivery([{ eventType: "Microsoft.Storage.BlobCreated", data: {} }]), AUTH);
    assert.equal(unknown.response.status, 400);
    assert.match(JSON.stringify(unknown.response.body), /\[0\]\.eventType/);
    const get = handleEventGridDelivery({ ...delivery([]), method: "GET" }, AUTH);
    assert.equal(get.response.status, 405);
    assert.equal(get.response.headers.Allow, "POST, OPTIONS");
  });
});
