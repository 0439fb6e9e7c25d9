/**
 * Bytes the airflow-api target sends against the bytes of the values it holds (issue 14: a
 * 10,000-key first push sent 137 MB for about 5 MB of values, and a burst of 500 changes on a
 * 10,000-key Deployment 267 MB, because the ownership manifest was rewritten whole with every
 * 100-key chunk). Driven exactly as the engine's applyPlan drives a target: chunks of `maxBatch`,
 * each call carrying the whole intended manifest, against the Airflow 3 emulator, which counts
 * request body bytes.
 *
 * "Value bytes" are the JSON bodies of the connections and variables as Airflow stores them
 * (what the target holds); "sent" is every request body, manifest and framing included.
 *
 * Run: npm run bench -- manifest-bytes   (BENCH_KEYS=10000, BENCH_BURST=500)
 */
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import { connectionBody } from "@afsync/airflow-api/connectionBody";
import { type AirflowKey, type AirflowValue, connectionKey, keyString, type StateRecord, variableKey } from "@afsync/core";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const BURST = Number(process.env.BENCH_BURST ?? 500);
const BATCH = 100;

/** Values of about the size the issue measured (about 5 MB for 10,000 keys): ~500 bytes each as stored. */
function connection(i: number, generation: number): AirflowValue {
  return {
    kind: "connection",
    connection: {
      conn_type: "postgres",
      description: `Warehouse replica ${i} for the analytics team (read-only, rotated monthly)`,
      host: `warehouse-replica-${i}.cluster-abcdefghij.eu-west-1.rds.amazonaws.com`,
      login: "analytics_etl",
      password: `g${generation}-${i}-${"x".repeat(40)}`,
      schema: "analytics",
      port: 5432,
      extra: { sslmode: "verify-full", connect_timeout: 10, application_name: `afsync-${i}`, options: "-c statement_timeout=300000" },
    },
  };
}

function variable(i: number, generation: number): AirflowValue {
  return {
    kind: "variable",
    value: JSON.stringify({ bucket: `s3://team-data-${i}/exports/`, region: "eu-west-1", rotation: generation, token: "t".repeat(350) }),
  };
}

function entry(i: number, generation: number): { key: AirflowKey; value: AirflowValue } {
  return i % 2 === 0
    ? { key: connectionKey(`conn_${i}`), value: connection(i, generation) }
    : { key: variableKey(`var_${i}`), value: variable(i, generation) };
}

function valueBytes(e: { key: AirflowKey; value: AirflowValue }): number {
  if (e.value.kind === "variable") return Buffer.byteLength(JSON.stringify({ key: e.key.id, value: e.value.value }));
  const body = connectionBody(e.key.id, e.value.connection);
  return "error" in body ? 0 : Buffer.byteLength(JSON.stringify(body));
}

function record(e: { key: AirflowKey }, generation: number, at: string): StateRecord {
  return {
    key: keyString(e.key),
    sourceId: "aws-secrets",
    secretId: `airflow/${e.key.kind === "connection" ? "connections" : "variables"}/${e.key.id}`,
    version: `${generation}a1b2c3d-4e5f-4a6b-8c7d-${String(e.key.id.length).padStart(12, "0")}`.slice(0, 36),
    hash: (generation.toString(16) + "f".repeat(64)).slice(0, 64),
    appliedAt: at,
  };
}

const emulator = await startAirflowEmulator({ apiVersion: 2, users: { bench: "pw" } });
try {
  const target = new AirflowApiTarget({
    url: emulator.url,
    apiVersion: 2,
    auth: { type: "airflow-token", username: "bench", password: "pw" },
    state: "manifest",
    manifestVariable: "afsync_manifest",
    pageLimit: 100,
    batchSize: BATCH,
  });
  await target.read();
  const sent = () => emulator.calls.reduce((n, c) => n + c.bodyBytes, 0);

  // A first push, as applyPlan sends it: each chunk carries the manifest of everything so far.
  const entries = Array.from({ length: KEYS }, (_, i) => entry(i, 1));
  const manifest = new Map<string, StateRecord>();
  const before = sent();
  for (let i = 0; i < entries.length; i += BATCH) {
    const chunk = entries.slice(i, i + BATCH);
    for (const e of chunk) manifest.set(keyString(e.key), record(e, 1, "2026-12-01T00:00:00.000Z"));
    await target.apply({ upserts: chunk, deletes: [], manifest: [...manifest.values()] });
  }
  const firstPush = { sentBytes: sent() - before, valueBytes: entries.reduce((n, e) => n + valueBytes(e), 0) };

  // A burst of BURST rotations on the full Deployment.
  const burst = Array.from({ length: BURST }, (_, j) => entry(Math.floor((j * KEYS) / BURST), 2));
  const beforeBurst = sent();
  for (let i = 0; i < burst.length; i += BATCH) {
    const chunk = burst.slice(i, i + BATCH);
    for (const e of chunk) manifest.set(keyString(e.key), record(e, 2, "2026-12-01T01:00:00.000Z"));
    await target.apply({ upserts: chunk, deletes: [], manifest: [...manifest.values()] });
  }
  const burstResult = { sentBytes: sent() - beforeBurst, valueBytes: burst.reduce((n, e) => n + valueBytes(e), 0) };

  const beforeNoop = sent();
  await target.apply({ upserts: [], deletes: [], manifest: [...manifest.values()] });
  const manifestVariables = [...emulator.state.variables.keys()].filter((k) => k.startsWith("afsync_manifest")).length;

  const ratio = (r: { sentBytes: number; valueBytes: number }) => Math.round((r.sentBytes / r.valueBytes) * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      keys: KEYS,
      batch: BATCH,
      firstPush: { ...firstPush, ratio: ratio(firstPush), issueBefore: "137 MB sent for about 5 MB of values (27x)" },
      burst: { changes: BURST, ...burstResult, ratio: ratio(burstResult), issueBefore: "267 MB sent" },
      noopSentBytes: sent() - beforeNoop,
      manifestVariables,
      valueBytesPerKey: Math.round(firstPush.valueBytes / KEYS),
      // What afsync adds per key written, whatever the value size: the ratio for other sizes follows.
      overheadBytesPerKey: Math.round((firstPush.sentBytes - firstPush.valueBytes) / KEYS),
    })}\n`,
  );
} finally {
  await emulator.close();
}
