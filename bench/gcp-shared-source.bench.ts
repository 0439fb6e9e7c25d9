/**
 * ADR 012 on GCP: 10 Deployments reading one Secret Manager source (30 secrets), through the REAL
 * function app (functions-framework's test server; the official clients over gRPC against the
 * Secret Manager and Pub/Sub emulators; 10 Airflow 3 API emulators), with the doorbells keyed and
 * folded by sharing group, one per group per producer call (after), and by Deployment (before: the
 * cold-start option that turns the groups off). Per case: a reconciliation firing (`fanout: all`'s
 * path: every Deployment a `full` message, then the doorbells) and a burst of 100 notifications on one secret, each counted from the
 * emulators: engine runs, `ListSecrets`, `AccessSecretVersion`, doorbells, `Pull`, target calls.
 *
 * The two cases run one after the other in one process (a world registers the functions under
 * their names), three firings and three bursts each, the median wall time kept; the counts are
 * exact, the times are the shared machine's, so the process CPU time of each case is given too.
 */
import { performance } from "node:perf_hooks";
import { deliverNotification } from "@afsync/emulators/gcp/deliverNotification";
import { startGcpFunctionWorld } from "../functions/gcp/test/support/gcpFunctionWorld.ts";
import { adminClient } from "../packages/gcp/test/adminClient.ts";

const SECRETS = 30;
const BURST = 100;
const ROUNDS = 3;
const MORE = Array.from({ length: 8 }, (_, i) => `shared-0${i + 1}`);

interface Round {
  readonly ms: number;
  readonly doorbells: number;
  readonly engineRuns: number;
  readonly listSecrets: number;
  readonly accessSecretVersion: number;
  readonly pulls: number;
  /** Calls on all 10 Airflow APIs. */
  readonly targetCalls: number;
}

async function measureCase(sharingGroups: boolean) {
  let engineRuns = 0;
  const world = await startGcpFunctionWorld({
    coalescing: true,
    sharingGroups,
    deployments: Object.fromEntries(MORE.map((id) => [id, ["gcp"] as const])),
    decorateWorker: (deps) => ({
      ...deps,
      engine: {
        sync: (bindings, trigger) => {
          engineRuns += 1;
          return deps.engine.sync(bindings, trigger);
        },
      },
    }),
  });
  const admin = adminClient(world.secretManager);
  const parent = `projects/${world.secretManager.project.id}`;
  const airflows = [world.airflow.prod, world.airflow.staging, ...Object.values(world.more)];
  try {
    for (let i = 0; i < SECRETS; i++) {
      const secretId = `airflow-variables-v${i}`;
      await admin.createSecret({
        parent,
        secretId,
        secret: { replication: { automatic: {} }, topics: [{ name: world.topics.notifications }] },
      });
      await admin.addSecretVersion({ parent: `${parent}/secrets/${secretId}`, payload: { data: Buffer.from(`value-${i}`) } });
    }
    let versions = 0;
    const measure = async (publish: () => Promise<void>): Promise<Round> => {
      let pulls = 0;
      let runs = 0;
      let start = 0;
      const doorbells = await world.drainDoorbellsAfter(publish, () => {
        world.secretManager.resetCalls();
        for (const airflow of airflows) airflow.resetCalls();
        pulls = world.pubsub.calls("Pull");
        runs = engineRuns;
        start = performance.now();
      });
      const ms = performance.now() - start;
      if (doorbells.attempts.some((a) => !a.acked)) throw new Error("a doorbell was not acknowledged");
      return {
        ms: Math.round(ms),
        doorbells: doorbells.attempts.length,
        engineRuns: engineRuns - runs,
        listSecrets: world.secretManager.calls("ListSecrets"),
        accessSecretVersion: world.secretManager.calls("AccessSecretVersion"),
        pulls: world.pubsub.calls("Pull") - pulls,
        targetCalls: airflows.reduce((n, a) => n + Object.values(a.callCounts()).reduce((m, c) => m + c, 0), 0),
      };
    };
    const firing = () =>
      measure(async () => {
        const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
        if (response.status !== 202) throw new Error(`reconcile answered ${response.status}`);
        await response.arrayBuffer();
      });
    const burst = () =>
      measure(async () => {
        world.secretManager.clearNotifications();
        for (let i = 0; i < BURST; i++)
          await admin.addSecretVersion({
            parent: `${parent}/secrets/airflow-variables-v0`,
            payload: { data: Buffer.from(`burst-${++versions}`) },
          });
        const notifications = [...world.secretManager.notifications];
        world.secretManager.clearNotifications();
        for (const n of notifications) {
          const result = await deliverNotification(n, { url: world.urls.push, shape: "push", authorization: world.authorization });
          if (!result.acked) throw new Error(`push answered ${result.status}`);
        }
      });
    // The first firing writes every variable to every Deployment; the measured ones find them in place.
    await firing();
    const cpu = process.cpuUsage();
    const firings: Round[] = [];
    const bursts: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      firings.push(await firing());
      bursts.push(await burst());
    }
    const used = process.cpuUsage(cpu);
    return { firing: median(firings), burst: median(bursts), cpuMs: Math.round((used.user + used.system) / 1000) };
  } finally {
    await admin.close();
    await world.close();
  }
}

function median(rounds: readonly Round[]): Round {
  const mid = [...rounds].sort((a, b) => a.ms - b.ms)[Math.floor(rounds.length / 2)];
  if (mid === undefined) throw new Error("no rounds");
  return mid;
}

const before = await measureCase(false);
const after = await measureCase(true);
const ratio = (a: number, b: number) => Number((a / Math.max(1, b)).toFixed(3));
process.stdout.write(
  `${JSON.stringify({
    deployments: 2 + MORE.length,
    secrets: SECRETS,
    burst: BURST,
    perDeploymentKeys: before,
    sharingGroupKeys: after,
    firingWallRatio: ratio(after.firing.ms, before.firing.ms),
    burstWallRatio: ratio(after.burst.ms, before.burst.ms),
    cpuRatio: ratio(after.cpuMs, before.cpuMs),
  })}\n`,
);
