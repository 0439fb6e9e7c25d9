import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@afsync/core";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { targetFactories } from "@afsync/runtime/compose/targetFactories";
import { runAfsyncBinary } from "@afsync/testing";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createSeededRandom } from "../faults/createSeededRandom.ts";
import { type ServeProcess, startServe } from "../localServeProcess.ts";
import type { CloudWorkerPair } from "./cloudWorkerPairs.ts";
import type { RemoteTargetKind, RemoteTargetWorld } from "./remoteTargetKinds.ts";
import { TARGET_CREDENTIALS } from "./remoteTargetKinds.ts";
import { NO_PROBLEMS, nextTruth, ownershipProblems, type Truth } from "./syncTruth.ts";

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const HMAC_KEY = "mixed-runners-hmac-key-0123456789abcdef";
/** Few keys: the point is the overlap of runners, not volume (CI time stays a few seconds a case). */
const KEYS = 8;
const SETTLE_MS = 90_000;

/**
 * Every kind of runner at once on ONE Deployment of `kind` keeping its state in the target: two
 * instances of a cloud's real worker function fed by its queue, `afsync serve` (a real process,
 * reconciling every second) and a CLI `afsync sync` process, plus two of the cloud's scheduled
 * reconciliations, while SSM parameters change twice under them. Not scripted (the forced
 * interleavings are in airflow-api.test.ts and astro.test.ts): the outcome must hold for whatever
 * interleaving the machine produces. Once everything is quiet: no owned key without a record, no
 * record without a key, nothing afsync did not write claimed or changed (byte for byte); after
 * one more reconciliation (a CLI sync) the Deployment holds exactly the last SSM state.
 */
export async function runMixedRunners(kind: RemoteTargetKind, makeWorkers: (aws: AwsEmulator) => CloudWorkerPair, seed: number) {
  const aws = await startAwsEmulator();
  const world: RemoteTargetWorld = await kind.start();
  const dir = mkdtempSync(join(tmpdir(), "afsync-concurrency-mixed-"));
  const ssm = new SSMClient({ endpoint: aws.url, region: REGION, credentials: CREDENTIALS });
  const workers = makeWorkers(aws);
  let serve: ServeProcess | undefined;
  let workersStarted = false;
  try {
    const untouched = world.unowned();
    const config = `
sources:
  aws-ssm: { type: aws-ssm }
deployments:
  prod:
    target: ${JSON.stringify(world.target)}
    sources: [aws-ssm]
    deletion: delete
state: { type: target }
serve: { host: 127.0.0.1, port: 0, reconcile_every: 1s }
`;
    const configPath = join(dir, "afsync.yaml");
    writeFileSync(configPath, config);
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL: aws.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AFSYNC_HMAC_KEY: HMAC_KEY,
      ...TARGET_CREDENTIALS,
    };

    const rand = createSeededRandom(seed);
    let truth: Truth = new Map();
    const publish = async (next: Truth) => {
      for (let i = 0; i < KEYS; i++) {
        const id = `k${i}`;
        const v = next.get(id);
        if (v !== undefined && truth.get(id)?.value !== v.value)
          await ssm.send(
            new PutParameterCommand({ Name: `/airflow/variables/${id}`, Value: v.value, Type: "SecureString", Overwrite: true }),
          );
        if (v === undefined && truth.has(id)) await ssm.send(new DeleteParameterCommand({ Name: `/airflow/variables/${id}` }));
      }
      truth = next;
    };
    await publish(nextTruth(truth, KEYS, 1, rand));
    await workers.start({ config, configPath, env });
    workersStarted = true;
    serve = await startServe(["--config", "afsync.yaml", "--port", "0"], { cwd: dir, env });
    await serve.waitForOutput(/initial sync/, { timeoutMs: 60_000 });

    // All at once: a CLI sync, two scheduled reconciliations for the workers and serve's own
    // schedule, while the parameters change twice more, so the runners read different moments.
    await publish(nextTruth(truth, KEYS, 10, rand));
    const cli = runAfsyncBinary(["sync", "--json", "--config", "afsync.yaml"], { cwd: dir, env });
    await workers.reconcile("firing-1");
    await publish(nextTruth(truth, KEYS, 11, rand));
    await workers.reconcile("firing-2");
    const run = await cli;
    // A CLI sync may lose its write to another runner three times over and say so (exit 1); it must never crash.
    assert.ok(run.code === 0 || run.code === 1, `CLI exit ${run.code}: ${run.stderr}`);
    // Quiet everything: the queue drained, serve stopped, the workers stopped.
    await workers.settled(SETTLE_MS);
    // The workers ran, and every message was done in the end (a run that fails, say on a manifest
    // another runner kept replacing, is delivered again; AWS and Azure would never settle otherwise).
    const outcome = workers.outcome();
    assert.ok(outcome.succeeded >= 1 && outcome.deadLettered === 0, `${workers.name}: ${JSON.stringify(outcome)}`);
    await serve.stop();
    serve = undefined;
    await workers.stop();
    workersStarted = false;

    const targetType = String(world.target.type);
    const { type: _type, ...options } = world.target;
    const read = async () => {
      // The reading target is built from the same options, as any runner builds it; `prod` owns the records.
      const factory = targetFactories[targetType];
      assert.ok(factory !== undefined, `no target factory for ${targetType}`);
      const target = await factory.create(options, { id: "prod", env, configDir: dir, logger: silentLogger });
      return target.read();
    };
    const problems = async () => {
      const snapshot = await read();
      return ownershipProblems(snapshot.entries.keys(), snapshot.manifest, world.unownedKeys);
    };
    // Every remote target kind closes its windows (ADR 009's fold lock on airflow-api, the
    // manifest lock on astro-environment; astro-env-vars loses values and records together).
    assert.deepEqual(await problems(), NO_PROBLEMS, `${kind.name}: after every runner stopped`);
    assert.equal(world.unowned(), untouched, `${kind.name}: the entries afsync did not write are untouched`);

    // The next reconciliation, alone.
    const repair = await runAfsyncBinary(["sync", "--json", "--config", "afsync.yaml"], { cwd: dir, env });
    const report = JSON.parse(repair.stdout || "{}") as { summary?: Record<string, number> };
    assert.equal(report.summary?.conflict, 0, `${kind.name}: no key afsync wrote is a conflict (${repair.stderr})`);
    assert.equal(repair.code, 0, `final sync: ${repair.stderr}`);
    assert.deepEqual(await problems(), NO_PROBLEMS, `${kind.name}: after the final reconciliation`);
    assert.deepEqual(world.values(), Object.fromEntries([...truth].map(([id, v]) => [id, v.value])), `${kind.name}: equals the truth`);
    assert.equal(world.unowned(), untouched, `${kind.name}: the entries afsync did not write are untouched`);
  } finally {
    await serve?.stop();
    if (workersStarted) await workers.stop();
    ssm.destroy();
    await world.close();
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
