import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAzureKeyVaultSource } from "@afsync/azure/azureKeyVaultSourceFactory";
import type { SecretSource } from "@afsync/core";
import { DEFAULT_RECONCILE_CONFIG } from "@afsync/core/config/AfsyncConfig";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { encodeSyncMessage, type SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import { type EventGridEndpointSetup, eventGridEndpoint } from "@afsync/runtime/events/eventGridEndpoint";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { loadEventSamples } from "@afsync/testing/loadEventSamples";
import { type Azurite, startAzurite } from "@afsync/testing/startAzurite";
import azureFunctions from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { createEventGridHttpHandler } from "../src/handlers/eventGridHttp.ts";
import { createEventGridTriggerHandler } from "../src/handlers/eventGridTrigger.ts";
import { createQueueWorkerHandler } from "../src/handlers/queueWorker.ts";
import { createReconcileTimerHandler } from "../src/handlers/reconcileTimer.ts";
import { createWebhookHttpHandler } from "../src/handlers/webhookHttp.ts";
import { DeploymentLease } from "../src/lease/DeploymentLease.ts";
import type { FunctionDeps } from "../src/runtime/FunctionDeps.ts";

// A webpack bundle: Node's CJS interop finds `app` but not the classes, so take them off the default export.
const { HttpRequest, InvocationContext } = azureFunctions;

// The handlers as the Functions host calls them (HttpRequest / InvocationContext from
// @azure/functions, which skips registration outside the host), over in-memory ports for the
// queue and the engine. test/azure-functions-e2e.test.ts runs them on Azurite and the emulators.
const KEY = "eventgrid-key-unit-3f9a";
const WEBHOOK_SECRET = "webhook-secret-unit-77c1";
const VAULT = "https://sample-kv.vault.azure.net";

// A real Key Vault source (the naming rules routing needs); building it reads nothing from the vault.
const kv = createAzureKeyVaultSource({ vault_url: VAULT }, { id: "kv", env: {}, azure: { credential: { getToken: async () => null } } });
const other = createAzureKeyVaultSource(
  { vault_url: VAULT, connections_prefix: "team-connections" },
  { id: "team", env: {}, azure: { credential: { getToken: async () => null } } },
);

class RecordingQueue implements SyncQueue {
  readonly sent: SyncMessage[] = [];
  failWith: Error | undefined;
  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(...messages);
  }
}

class RecordingEngine {
  readonly calls: { deployment: string; trigger: Trigger }[] = [];
  failing = false;
  async sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> {
    const id = bindings[0]?.id ?? "";
    this.calls.push({ deployment: id, trigger });
    const counts = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0, orphaned: 0, invalid: 0, shadowed: 0 };
    return {
      mode: "sync",
      deployments: [
        { id, target: "fake", status: this.failing ? "failed" : "ok", ...(this.failing ? { error: "boom" } : {}), changes: [], writes: 0 },
      ],
      summary: { ...counts, deployments: 1, failed: this.failing ? 1 : 0, writes: 0, reads: 0 },
    };
  }
}

function binding(id: string, sources: SecretSource[]): DeploymentBinding {
  const target = {
    type: "fake",
    describe: id,
    layer: "metadata-db" as const,
    capabilities: { readsValues: false, holdsState: true, maxBatch: 1 },
    read: async () => ({ entries: new Map() }),
    apply: async () => ({ results: [] }),
  };
  return { id, target, sources, deletion: "delete", adopt: false, include: [], exclude: [] };
}

const enabledEndpoint = (): EventGridEndpointSetup =>
  eventGridEndpoint(
    {
      sources: [],
      deployments: [],
      state: { type: "memory" },
      serve: { host: "", port: 0, reconcileEveryMs: 1, eventGridKeyEnv: "K" },
      reconcile: DEFAULT_RECONCILE_CONFIG,
    },
    { K: KEY },
  );

function deps(overrides: Partial<FunctionDeps> = {}) {
  const lines: string[] = [];
  const queue = new RecordingQueue();
  const engine = new RecordingEngine();
  const base = {
    bindings: [binding("prod", [kv]), binding("team", [other])],
    sources: new Map<string, SecretSource>([
      ["kv", kv],
      ["team", other],
    ]),
    queue,
    engine,
    logger: { log: (level: string, message: string, fields?: unknown) => void lines.push(JSON.stringify({ level, message, fields })) },
    clock: { now: () => new Date() },
    webhookSecret: WEBHOOK_SECRET,
    eventGrid: enabledEndpoint(),
    // Replaced in the worker tests, which hold a real lease on Azurite.
    lease: undefined as unknown as DeploymentLease,
    ...overrides,
  };
  return { ...base, queue, engine, lines, load: async () => base };
}

const eventGridEvent = (name: string, version = "ee059b2bb5bc48398a53b168c6cdcb10") => ({
  id: `evt-${name}-${version}`,
  topic: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/sample-kv",
  subject: name,
  eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
  eventTime: "2026-11-30T22:00:00Z",
  data: { Id: `${VAULT}/secrets/${name}/${version}`, VaultName: "sample-kv", ObjectType: "Secret", ObjectName: name, Version: version },
  dataVersion: "1",
  metadataVersion: "1",
});

const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
  new InvocationContext({ invocationId: `inv-${functionName}`, functionName, ...(triggerMetadata ? { triggerMetadata } : {}) });

function eventGridRequest(body: unknown, options: { method?: string; query?: string; headers?: Record<string, string> } = {}) {
  return new HttpRequest({
    method: options.method ?? "POST",
    url: `http://localhost:7071/api/eventgrid${options.query ?? `?code=${KEY}`}`,
    headers: { "content-type": "application/json", "aeg-event-type": "Notification", ...options.headers },
    ...(body === undefined ? {} : { body: { string: JSON.stringify(body) } }),
  });
}

describe("Event Grid trigger", () => {
  it("queues one message per Deployment reading the secret, pinned to the event's version", async () => {
    const d = deps();
    const result = await createEventGridTriggerHandler(d.load)(eventGridEvent("airflow-connections-sales-db"), context("keyVaultEvents"));
    assert.deepEqual(result.enqueued, ["prod"]);
    assert.equal(d.queue.sent.length, 1);
    const [message] = d.queue.sent;
    assert.equal(message?.origin, "event:evt-airflow-connections-sales-db-ee059b2bb5bc48398a53b168c6cdcb10");
    assert.deepEqual(message?.trigger.kind === "hints" ? message.trigger.hints.map((h) => [h.sourceId, h.secretId, h.version]) : [], [
      ["kv", `${VAULT}/secrets/airflow-connections-sales-db`, "ee059b2bb5bc48398a53b168c6cdcb10"],
    ]);
  });

  it("reads every Key Vault sample the way the registry does, queueing nothing for secrets outside the prefixes", async () => {
    const d = deps();
    const handler = createEventGridTriggerHandler(d.load);
    for (const sample of loadEventSamples("azure").filter((s) => s.name.includes("keyvault") && s.name.includes("eventgrid"))) {
      const events = Array.isArray(sample.event) ? sample.event : [sample.event];
      for (const event of events) {
        const result = await handler(event, context("keyVaultEvents"));
        assert.deepEqual(result.enqueued, [], `${sample.name}: 'newsecret' is outside every prefix`);
      }
    }
    assert.equal(d.queue.sent.length, 0);
  });

  it("reports an event it cannot read and queues nothing (a retry cannot help)", async () => {
    const d = deps();
    const result = await createEventGridTriggerHandler(d.load)(
      { eventType: "Contoso.Items.ItemReceived", id: "x" },
      context("keyVaultEvents"),
    );
    assert.deepEqual(result.enqueued, []);
    assert.equal(result.ignored.length, 1);
    assert.equal(d.queue.sent.length, 0);
  });

  it("throws when the queue refuses, so the host fails the delivery and Event Grid retries", async () => {
    const d = deps();
    d.queue.failWith = new Error("QueueNotFound (HTTP 404)");
    await assert.rejects(
      createEventGridTriggerHandler(d.load)(eventGridEvent("airflow-connections-db"), context("keyVaultEvents")),
      /QueueNotFound/,
    );
  });
});

describe("Event Grid over HTTP", () => {
  it("answers the subscription validation handshake with the code and queues nothing", async () => {
    const d = deps();
    const response = await createEventGridHttpHandler(d.load)(
      eventGridRequest(
        [
          {
            id: "v1",
            topic: "t",
            subject: "",
            eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
            eventTime: "2026-11-30T22:00:00Z",
            data: { validationCode: "code-123" },
            dataVersion: "1",
            metadataVersion: "1",
          },
        ],
        { headers: { "aeg-event-type": "SubscriptionValidation" } },
      ),
      context("eventGridWebhook"),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(response.jsonBody, { validationResponse: "code-123" });
    assert.equal(d.queue.sent.length, 0);
  });

  it("answers the CloudEvents OPTIONS handshake with WebHook-Allowed-Origin", async () => {
    const d = deps();
    const response = await createEventGridHttpHandler(d.load)(
      eventGridRequest(undefined, { method: "OPTIONS", headers: { "WebHook-Request-Origin": "eventgrid.azure.net" } }),
      context("eventGridWebhook"),
    );
    assert.equal(response.status, 200);
    assert.equal((response.headers as Record<string, string>)["WebHook-Allowed-Origin"], "eventgrid.azure.net");
  });

  it("queues the events of an authenticated delivery", async () => {
    const d = deps();
    const response = await createEventGridHttpHandler(d.load)(
      eventGridRequest([eventGridEvent("airflow-connections-db"), eventGridEvent("team-connections-api")]),
      context("eventGridWebhook"),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(
      d.queue.sent.map((m) => m.deployment),
      ["prod", "team"],
    );
    assert.match(d.queue.sent[0]?.origin ?? "", /^eventgrid:[0-9a-f]{32}$/);
  });

  it("refuses a forged or keyless delivery with 401 and queues nothing", async () => {
    const d = deps();
    const handler = createEventGridHttpHandler(d.load);
    for (const query of ["?code=wrong", "", `?code=${KEY}x`]) {
      const response = await handler(eventGridRequest([eventGridEvent("airflow-connections-db")], { query }), context("eventGridWebhook"));
      assert.equal(response.status, 401, query);
    }
    assert.equal(d.queue.sent.length, 0);
    assert.ok(!d.lines.join("\n").includes(KEY), "the key is never logged");
  });

  it("answers 503 when no delivery key is configured, and 400 for a body it cannot read", async () => {
    const off = deps({ eventGrid: { enabled: false, reason: "the environment variable AFSYNC_EVENTGRID_KEY is not set" } });
    const response = await createEventGridHttpHandler(off.load)(eventGridRequest([eventGridEvent("airflow-connections-db")]), context("e"));
    assert.equal(response.status, 503);
    const on = deps();
    const bad = await createEventGridHttpHandler(on.load)(eventGridRequest({ hello: "world" }), context("e"));
    assert.equal(bad.status, 400);
    assert.equal(on.queue.sent.length + off.queue.sent.length, 0);
  });
});

describe("signed webhook over HTTP", () => {
  const request = (body: string, signature: string) =>
    new HttpRequest({
      method: "POST",
      url: "http://localhost:7071/api/hooks/generic",
      headers: { "x-afsync-signature": signature },
      body: { string: body },
    });

  it("queues a verified request (202) and refuses a bad signature (401) or a replay (409)", async () => {
    const d = deps();
    const handler = createWebhookHttpHandler(d.load);
    const body = JSON.stringify({ source: "kv", keys: ["conn:db"] });
    const signature = signWebhookBody(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
    assert.equal((await handler(request(body, signature))).status, 202);
    assert.equal((await handler(request(body, signature))).status, 409);
    assert.equal((await handler(request(body, signWebhookBody("forged", body, Math.floor(Date.now() / 1000))))).status, 401);
    assert.deepEqual(
      d.queue.sent.map((m) => m.deployment),
      ["prod"],
    );
  });
});

describe("timer reconciliation", () => {
  it("queues a full reconciliation for every Deployment", async () => {
    const d = deps();
    const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
    const result = await createReconcileTimerHandler(d.load)(timer, context("reconcile"));
    assert.deepEqual(result.enqueued, ["prod", "team"]);
    assert.deepEqual(
      d.queue.sent.map((m) => [m.trigger.kind, m.origin]),
      [
        ["full", "schedule:inv-reconcile"],
        ["full", "schedule:inv-reconcile"],
      ],
    );
  });
});

describe("queue worker under the Deployment lease (Azurite)", () => {
  let azurite: Azurite;
  let lease: DeploymentLease;
  before(async () => {
    azurite = await startAzurite(["blob"]);
    lease = new DeploymentLease(BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("leases"), {
      durationSeconds: 15,
    });
  });
  after(async () => {
    await azurite.stop();
  });

  const hintsMessage: SyncMessage = {
    v: 1,
    deployment: "prod",
    origin: "event:1",
    trigger: {
      kind: "hints",
      hints: [{ provider: "azure-key-vault", sourceId: "kv", secretId: "airflow-connections-db", version: "v-old", action: "upsert" }],
    },
  };

  it("runs the message the host hands over parsed, with the version the event pinned", async () => {
    const d = deps({ lease });
    const result = await createQueueWorkerHandler(d.load)(JSON.parse(encodeSyncMessage(hintsMessage)), context("worker", { id: "m1" }));
    assert.deepEqual(result, { deployment: "prod", leaseWaits: 0, drained: 0, folded: [] });
    const [call] = d.engine.calls;
    assert.equal(call?.deployment, "prod");
    assert.deepEqual(call?.trigger.kind === "hints" ? call.trigger.hints.map((h) => [h.secretId, h.version]) : [], [
      ["airflow-connections-db", "v-old"],
    ]);
  });

  it("throws for a message that does not decode or a failed sync, so the host retries and then poisons it", async () => {
    const d = deps({ lease });
    await assert.rejects(createQueueWorkerHandler(d.load)('{"v":9}', context("worker", { id: "bad" })), /queue message bad rejected/);
    assert.equal(d.engine.calls.length, 0);
    d.engine.failing = true;
    await assert.rejects(
      createQueueWorkerHandler(d.load)(encodeSyncMessage(hintsMessage), context("worker", { id: "m2" })),
      /sync of Deployment prod failed/,
    );
  });

  it("waits for another worker's lease on the Deployment, and hands the message back if it stays taken", async () => {
    const d = deps({ lease });
    const held = await lease.acquire("prod");
    assert.ok(held !== null);
    const handler = createQueueWorkerHandler(d.load, { leaseWaitMs: 600, leasePollMs: 100 });
    await assert.rejects(handler(encodeSyncMessage(hintsMessage), context("worker", { id: "m3" })), /another worker holds the lease/);
    assert.equal(d.engine.calls.length, 0, "nothing ran while the other worker held the Deployment");
    const patient = createQueueWorkerHandler(d.load, { leaseWaitMs: 10_000, leasePollMs: 100 });
    const waiting = patient(encodeSyncMessage(hintsMessage), context("worker", { id: "m4" }));
    setTimeout(() => void held.release(), 300);
    const result = await waiting;
    assert.ok(result.leaseWaits >= 1);
    assert.equal(d.engine.calls.length, 1);
  });
});
