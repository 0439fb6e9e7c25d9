/**
 * Event bursts through the REAL GCP function app (ADR 008's path), for `event-bursts.bench.ts`:
 * Secret Manager versions of one secret (official client, emulator) → their notifications pushed
 * to `push` (8 in flight) → a work message per Deployment on the work topic (kept by the
 * Deployment's filtered pull subscription) and a doorbell on the ordered sync topic → `worker`
 * (pull, one engine run, acknowledge) → the Airflow 3 API emulators. Every function is served by
 * functions-framework's test server; every Pub/Sub call is the official client over gRPC.
 *
 * The batching window's end is played as in test/gcp-coalescing-e2e.test.ts: the doorbells'
 * push subscription holds its deliveries until the burst is published. The no-op pipeline is the
 * same handlers, topics and subscriptions with the worker's engine replaced by one that does
 * nothing; afsync and no-op are alternated three rounds each and the median round kept.
 */
import { performance } from "node:perf_hooks";
import { deliverNotification } from "@afsync/emulators/gcp/deliverNotification";
import type { SecretManagerNotification } from "@afsync/emulators/gcp/secretManagerNotifications";
import { startGcpFunctionWorld } from "../../functions/gcp/test/support/gcpFunctionWorld.ts";
import { adminClient } from "../../packages/gcp/test/adminClient.ts";
import { alternatedRounds } from "./alternatedRounds.ts";
import type { BurstRound } from "./BurstRound.ts";
import { noopEngine } from "./noopEngine.ts";

const SECRET = "airflow-connections-burst_db";
const PUBSUB_METHODS = ["Publish", "Pull", "Acknowledge", "ModifyAckDeadline"] as const;

/**
 * `workerInvocations`: doorbells delivered (one per notification per sharing group: `prod` and
 * `staging` read one source, so one; ADR 012); `engineRuns`: "sync done" lines, one per Deployment
 * of a fold; target calls: of `prod` (Airflow 3 API), `staging` reads the same secret and
 * gets the same; `providerCalls`: Secret Manager (AccessSecretVersion, ListSecrets…).
 */
export interface GcpBurstRound extends BurstRound {
  readonly pubsubCalls: Record<(typeof PUBSUB_METHODS)[number], number>;
}

export async function measureGcpBursts(sizes: readonly number[]): Promise<Record<string, { afsync: GcpBurstRound; noop: GcpBurstRound }>> {
  let engine: "real" | "noop" = "real";
  const world = await startGcpFunctionWorld({
    coalescing: true,
    decorateWorker: (deps) => ({
      ...deps,
      engine: { sync: (bindings, trigger) => (engine === "noop" ? noopEngine.sync(bindings) : deps.engine.sync(bindings, trigger)) },
    }),
  });
  const admin = adminClient(world.secretManager);
  const parent = `projects/${world.secretManager.project.id}`;
  await admin.createSecret({
    parent,
    secretId: SECRET,
    secret: { replication: { automatic: {} }, topics: [{ name: world.topics.notifications }] },
  });
  let versions = 0;
  const burst = async (size: number): Promise<SecretManagerNotification[]> => {
    world.secretManager.clearNotifications();
    for (let i = 0; i < size; i++)
      await admin.addSecretVersion({
        parent: `${parent}/secrets/${SECRET}`,
        payload: { data: Buffer.from(`postgresql://app:v${++versions}@db.internal:5432/app`) },
      });
    const written = [...world.secretManager.notifications];
    world.secretManager.clearNotifications();
    return written;
  };

  const measure = async (size: number, pipeline: "afsync" | "noop"): Promise<GcpBurstRound> => {
    engine = pipeline === "noop" ? "noop" : "real";
    const notifications = await burst(size);
    world.airflow.prod.resetCalls();
    world.secretManager.resetCalls();
    const pubsubBefore = Object.fromEntries(PUBSUB_METHODS.map((m) => [m, world.pubsub.calls(m)]));
    const runsBefore = world.logLines.filter((l) => l.includes('"message":"sync done"')).length;
    const start = performance.now();
    const queue = [...notifications];
    const doorbells = await world.drainDoorbellsAfter(async () => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
            const result = await deliverNotification(n, { url: world.urls.push, shape: "push", authorization: world.authorization });
            if (!result.acked) throw new Error(`push answered ${result.status}`);
          }
        }),
      );
    });
    const ms = performance.now() - start;
    if (doorbells.attempts.some((a) => !a.acked)) throw new Error("a doorbell was not acknowledged");
    return {
      events: size,
      ms: Math.round(ms),
      msPerEvent: Number((ms / size).toFixed(3)),
      workerInvocations: doorbells.attempts.length,
      engineRuns: pipeline === "noop" ? 0 : world.logLines.filter((l) => l.includes('"message":"sync done"')).length - runsBefore,
      targetWrites: world.airflow.prod.writeCalls(),
      targetReads: world.airflow.prod.callCount("get_connections"),
      providerCalls: Object.values(world.secretManager.calls()).reduce((n, c) => n + c, 0),
      pubsubCalls: Object.fromEntries(
        PUBSUB_METHODS.map((m) => [m, world.pubsub.calls(m) - (pubsubBefore[m] ?? 0)]),
      ) as GcpBurstRound["pubsubCalls"],
    };
  };

  const out: Record<string, { afsync: GcpBurstRound; noop: GcpBurstRound }> = {};
  try {
    for (const size of sizes) out[`burst${size}`] = await alternatedRounds((pipeline) => measure(size, pipeline));
  } finally {
    await admin.close();
    await world.close();
  }
  return out;
}
