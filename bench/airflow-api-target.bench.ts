/**
 * The airflow-api target against the Airflow emulators: how long a first push of N connections
 * and N variables takes and how many HTTP calls it costs on /api/v1 (one entity per call) and
 * /api/v2 (bulk), how long a full read takes, and that a repeat apply costs zero calls.
 * Loopback only, with a fixed injected latency per request (BENCH_LATENCY_MS, default 5 ms)
 * standing in for the network; v1 runs with 1 and with 4 calls in flight.
 *
 * Run: npm run bench -- airflow-api   (or node --import tsx bench/airflow-api-target.bench.ts)
 */
import { performance } from "node:perf_hooks";
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import { type AirflowValue, connectionKey, type StateRecord, variableKey } from "@afsync/core";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";

const N = Number(process.env.BENCH_KEYS ?? 250);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 5);

function value(i: number): AirflowValue {
  return {
    kind: "connection",
    connection: {
      conn_type: "postgres",
      host: `db${i}.example.com`,
      login: "app",
      password: `pw-${i}`,
      schema: "app",
      port: 5432,
      extra: { sslmode: "require" },
    },
  };
}

async function run(apiVersion: 1 | 2, concurrency: number) {
  const emulator = await startAirflowEmulator({ apiVersion, users: { bench: "pw" } });
  // A round trip like a nearby network's, so one-call-per-key and bulk writes differ as they would.
  emulator.inject({ latencyMs: LATENCY_MS, times: Number.POSITIVE_INFINITY });
  try {
    const target = new AirflowApiTarget({
      url: "https://airflow.example.com",
      apiUrl: emulator.url,
      apiVersion,
      auth:
        apiVersion === 1
          ? { type: "basic", username: "bench", password: "pw" }
          : { type: "airflow-token", username: "bench", password: "pw" },
      state: "manifest",
      manifestVariable: "afsync_manifest",
      pageLimit: 100,
      batchSize: 100,
      concurrency,
    });
    await target.read();
    const upserts = [
      ...Array.from({ length: N }, (_, i) => ({ key: connectionKey(`conn_${i}`), value: value(i) })),
      ...Array.from({ length: N }, (_, i) => ({ key: variableKey(`var_${i}`), value: { kind: "variable" as const, value: `value-${i}` } })),
    ];
    const manifest: StateRecord[] = upserts.map((u) => ({
      key: u.key.kind === "connection" ? `conn:${u.key.id}` : `var:${u.key.id}`,
      sourceId: "bench",
      hash: "0".repeat(64),
      appliedAt: "2026-01-01T00:00:00.000Z",
    }));
    let calls = 0;
    const t0 = performance.now();
    // The engine sends maxBatch writes per apply.
    const size = target.capabilities.maxBatch;
    for (let i = 0; i < upserts.length; i += size) {
      const outcome = await target.apply({ upserts: upserts.slice(i, i + size), deletes: [], manifest: manifest.slice(0, i + size) });
      calls += outcome.calls ?? 0;
    }
    const firstPushMs = performance.now() - t0;
    const t1 = performance.now();
    const snapshot = await target.read();
    const readMs = performance.now() - t1;
    const repeat = await target.apply({ upserts: [], deletes: [], manifest: snapshot.manifest ?? [] });
    return {
      keys: upserts.length,
      latencyMs: LATENCY_MS,
      concurrency,
      firstPushMs: Math.round(firstPushMs),
      firstPushCalls: calls,
      readMs: Math.round(readMs),
      readEntries: snapshot.entries.size,
      repeatApplyCalls: repeat.calls ?? 0,
    };
  } finally {
    await emulator.close();
  }
}

const v1Serial = await run(1, 1);
const v1 = await run(1, 4);
const v2 = await run(2, 1);
process.stdout.write(`${JSON.stringify({ v1Serial, v1, v2 })}\n`);
