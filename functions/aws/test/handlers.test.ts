import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { routeHints } from "@afsync/runtime/edge/routeHints";
import { encodeSyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { createEventsHandler } from "../src/handlers/events.ts";
import { createReconcileHandler } from "../src/handlers/reconcile.ts";
import { createWebhookHandler } from "../src/handlers/webhook.ts";
import { createWorkerHandler } from "../src/handlers/worker.ts";
import { binding, fakeDeps, prefixSource, upsertHint } from "./fakes.ts";

// Handler logic with in-memory ports. The same handlers run against the real SDK clients and
// the emulators in test/aws-lambda-e2e.test.ts.
const sm = prefixSource("aws-sm", "aws-secrets-manager", "airflow/connections");
const smOther = prefixSource("team-sm", "aws-secrets-manager", "team/connections");
const prod = binding("prod", [sm]);
const dev = binding("dev", [smOther, sm]);
const team = binding("team", [smOther]);

describe("routeHints", () => {
  it("routes a hint to every Deployment with a source that maps the secret, resolved to keys", () => {
    const routed = routeHints([upsertHint("airflow/connections/db")], [prod, dev, team]);
    assert.deepEqual([...routed.byDeployment.keys()], ["prod", "dev"]);
    assert.deepEqual(routed.byDeployment.get("dev")?.[0], {
      ...upsertHint("airflow/connections/db"),
      sourceId: "aws-sm",
      keys: [{ kind: "connection", id: "db" }],
    });
  });

  it("reports hints no source reads, and ignore-hints, with a reason", () => {
    const routed = routeHints(
      [
        upsertHint("prod/test-secret"),
        { provider: "aws-ssm", secretId: "/x", action: "upsert" },
        { ...upsertHint("a"), action: "ignore", reason: "tag change" },
      ],
      [prod],
    );
    assert.equal(routed.byDeployment.size, 0);
    assert.deepEqual(
      routed.ignored.map((i) => i.reason),
      [
        "outside every configured prefix (aws-sm: prod/test-secret is outside airflow/connections/)",
        "no aws-ssm source is configured",
        "tag change",
      ],
    );
  });
});

describe("events handler", () => {
  it("enqueues one hinted message per affected Deployment, tagged with the event id", async () => {
    const deps = fakeDeps({ bindings: [prod, dev, team] });
    const handler = createEventsHandler(
      async () => deps,
      () => [upsertHint("airflow/connections/db")],
    );
    const out = await handler({ id: "evt-1" });
    assert.deepEqual(out.enqueued, ["prod", "dev"]);
    assert.deepEqual(
      deps.queue.sent.map((m) => [m.deployment, m.origin, m.trigger.kind]),
      [
        ["prod", "event:evt-1", "hints"],
        ["dev", "event:evt-1", "hints"],
      ],
    );
  });
});

describe("events handler with the real event parser", () => {
  it("reports an event it does not understand instead of failing (a retry would not parse it either)", async () => {
    const deps = fakeDeps({ bindings: [prod] });
    const out = await createEventsHandler(async () => deps)({ id: "evt-x", source: "aws.s3", "detail-type": "Object Created", detail: {} });
    assert.deepEqual(out.enqueued, []);
    assert.match(out.ignored[0]?.reason ?? "", /not a Secrets Manager or Parameter Store event/);
    assert.equal(deps.queue.sent.length, 0);
  });

  it("turns a real Secrets Manager sample under the prefix into a message", async () => {
    const deps = fakeDeps({ bindings: [prod] });
    const event = {
      version: "0",
      id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
      "detail-type": "Secret Label Updated",
      source: "aws.secretsmanager",
      account: "012345678901",
      time: "2024-02-06T16:43:48Z",
      region: "us-west-2",
      resources: ["arn:aws:secretsmanager:us-west-2:012345678901:secret:airflow/connections/db-a1b2c3"],
      detail: { name: "airflow/connections/db", labelUpdated: "AWSCURRENT", versionId: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111" },
    };
    const out = await createEventsHandler(async () => deps)(event);
    assert.deepEqual(out.enqueued, ["prod"]);
    const trigger = deps.queue.sent[0]?.trigger;
    assert.ok(trigger?.kind === "hints");
    assert.deepEqual(trigger.hints[0]?.keys, [{ kind: "connection", id: "db" }]);
  });
});

describe("worker handler", () => {
  const body = (deployment: string, origin = "event:1") =>
    encodeSyncMessage({ v: 1, deployment, trigger: { kind: "hints", hints: [upsertHint("airflow/connections/db")] }, origin });

  it("runs the engine once for every hinted Deployment of a batch and reports nothing failed when all succeed", async () => {
    const deps = fakeDeps({ bindings: [prod, dev] });
    const out = await createWorkerHandler(async () => deps)({
      Records: [
        { messageId: "m1", body: body("prod") },
        { messageId: "m2", body: body("prod", "event:2") },
        { messageId: "m3", body: body("dev") },
      ],
    });
    assert.deepEqual(out, { batchItemFailures: [] });
    assert.deepEqual(deps.engine.runs, [["prod", "dev"]]);
  });

  it("runs full reconciliations together and hinted Deployments together, never a hinted one in a full run", async () => {
    const deps = fakeDeps({ bindings: [prod, dev, team] });
    const full = (deployment: string) => encodeSyncMessage({ v: 1, deployment, trigger: { kind: "full" }, origin: "schedule:1" });
    const out = await createWorkerHandler(async () => deps)({
      Records: [
        { messageId: "m1", body: full("prod") },
        { messageId: "m2", body: body("dev") },
        { messageId: "m3", body: full("team") },
        { messageId: "m4", body: body("prod", "event:2") },
      ],
    });
    assert.deepEqual(out, { batchItemFailures: [] });
    assert.deepEqual(deps.engine.runs, [["prod", "team"], ["dev"]]);
    assert.deepEqual(
      deps.engine.calls.map((c) => [c.deployment, c.trigger.kind]),
      [
        ["prod", "full"],
        ["team", "full"],
        ["dev", "hints"],
      ],
    );
  });

  it("fails every message of a failed Deployment, a malformed message and an unknown Deployment, and only those", async () => {
    const deps = fakeDeps({ bindings: [prod, dev, team] });
    deps.engine.failing.add("prod");
    deps.engine.throwing.add("team");
    const out = await createWorkerHandler(async () => deps)({
      Records: [
        { messageId: "m1", body: body("prod") },
        { messageId: "m2", body: "not json" },
        { messageId: "m3", body: body("dev") },
        { messageId: "m4", body: body("prod", "event:2") },
        { messageId: "m5", body: body("gone") },
        { messageId: "m6", body: body("team") },
      ],
    });
    assert.deepEqual(out.batchItemFailures.map((f) => f.itemIdentifier).sort(), ["m1", "m2", "m4", "m5", "m6"]);
    assert.ok(deps.lines.some((l) => l.level === "error" && l.message === "queue message rejected"));
    // The joint run threw (team), so each Deployment ran alone: dev's messages still succeeded.
    assert.deepEqual(deps.engine.runs, [["prod", "dev", "team"], ["prod"], ["dev"], ["team"]]);
  });
});

describe("reconcile handler", () => {
  it("enqueues a full reconciliation for every Deployment, deduplicated per firing", async () => {
    const deps = fakeDeps({ bindings: [prod, dev] });
    await createReconcileHandler(async () => deps)({ id: "sched-1" });
    assert.deepEqual(
      deps.queue.sent.map((m) => [m.deployment, m.trigger, m.origin]),
      [
        ["prod", { kind: "full" }, "schedule:sched-1"],
        ["dev", { kind: "full" }, "schedule:sched-1"],
      ],
    );
  });
});

describe("webhook handler", () => {
  const secret = "whsec-unit";
  const nowSeconds = Date.parse("2026-11-25T12:00:00Z") / 1000;
  const request = (raw: string, signature = signWebhookBody(secret, raw, nowSeconds)) => ({
    headers: { "x-afsync-signature": signature, "content-type": "application/json" },
    body: raw,
  });

  it("queues hints for the named keys of every Deployment reading the source (202)", async () => {
    const deps = fakeDeps({ bindings: [prod, dev, team], webhookSecret: secret });
    const res = await createWebhookHandler(async () => deps)(request('{"source":"aws-sm","keys":["conn:db"]}'));
    assert.equal(res.statusCode, 202);
    assert.deepEqual(JSON.parse(res.body), { enqueued: ["prod", "dev"] });
    const first = deps.queue.sent[0];
    assert.ok(first?.trigger.kind === "hints");
    assert.deepEqual(first.trigger.hints[0], {
      provider: "aws-secrets-manager",
      sourceId: "aws-sm",
      secretId: "airflow/connections/db",
      action: "upsert",
      keys: [{ kind: "connection", id: "db" }],
    });
  });

  it("queues a full reconciliation when no keys are named, and accepts a base64 body", async () => {
    const deps = fakeDeps({ bindings: [team], webhookSecret: secret });
    const raw = '{"source":"team-sm"}';
    const res = await createWebhookHandler(async () => deps)({
      ...request(raw),
      body: Buffer.from(raw).toString("base64"),
      isBase64Encoded: true,
    });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(deps.queue.sent[0]?.trigger, { kind: "full" });
  });

  it("turns a webhook naming very many keys into a full reconciliation", async () => {
    const deps = fakeDeps({ bindings: [prod], webhookSecret: secret });
    const keys = Array.from({ length: 201 }, (_, i) => `conn:c${i}`);
    const res = await createWebhookHandler(async () => deps)(request(JSON.stringify({ source: "aws-sm", keys })));
    assert.equal(res.statusCode, 202);
    assert.deepEqual(deps.queue.sent[0]?.trigger, { kind: "full" });
  });

  it("answers 401, 409 (stale, replayed), 400 and 404 and queues nothing for them", async () => {
    const deps = fakeDeps({ bindings: [prod], webhookSecret: secret });
    const handler = createWebhookHandler(async () => deps);
    const good = request('{"source":"aws-sm"}');
    assert.equal((await handler(good)).statusCode, 202);
    assert.equal((await handler(good)).statusCode, 409, "replayed");
    deps.queue.sent.length = 0;
    const raw = '{"source":"aws-sm"}';
    assert.equal((await handler(request(raw, signWebhookBody("wrong", raw, nowSeconds)))).statusCode, 401);
    assert.equal((await handler(request(raw, signWebhookBody(secret, raw, nowSeconds - 600)))).statusCode, 409, "stale");
    assert.equal((await handler(request('{"source":"aws-sm","keys":["db"]}'))).statusCode, 400);
    assert.equal((await handler(request('{"source":"aws-sm","extra":1}'))).statusCode, 400);
    assert.equal((await handler(request('{"source":"nope"}'))).statusCode, 404);
    assert.equal(deps.queue.sent.length, 0);
  });

  it("answers 503 when no webhook secret is configured", async () => {
    const deps = fakeDeps({ bindings: [prod] });
    assert.equal((await createWebhookHandler(async () => deps)(request("{}"))).statusCode, 503);
  });
});
