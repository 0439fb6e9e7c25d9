/**
 * The local file targets (`airflow_settings.yaml` and `.env`) at 1,000 and 10,000 keys: a create
 * of every key into the Astro template, a no-op (read, nothing to apply), and a delete of every
 * key, each the way the engine drives a target (read, then apply). Each step's time is also
 * given as a ratio to a baseline measured in the same run on the same file: reading the file
 * and writing the same bytes back atomically, the I/O floor any rewrite pays. Half the keys
 * are connections, half variables. Progress on stderr, one JSON object on the last stdout line.
 *
 * Run: npm run bench -- local-targets   (BENCH_SIZES=1000 to run one size)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type ApplyRequest, connectionKey, type DeploymentTarget, variableKey } from "@afsync/core";
import { atomicWriteFile } from "../packages/local/src/atomicWrite.ts";
import { AirflowSettingsTarget } from "../packages/local/src/targets/AirflowSettingsTarget.ts";
import { EnvFileTarget } from "../packages/local/src/targets/EnvFileTarget.ts";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number);

const TEMPLATE = `airflow:
  connections:
    - conn_id:
      conn_type:
      conn_host:
      conn_schema:
      conn_login:
      conn_password:
      conn_port:
      conn_extra:
        example_extra_field: example-value
  pools:
    - pool_name:
      pool_slot:
      pool_description:
  variables:
    - variable_name:
      variable_value:
`;

function upserts(n: number): ApplyRequest["upserts"] {
  const out: ApplyRequest["upserts"][number][] = [];
  for (let i = 0; i < n / 2; i++) {
    out.push({
      key: connectionKey(`conn_${i}`),
      value: {
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
      },
    });
    out.push({ key: variableKey(`var_${i}`), value: { kind: "variable", value: `value-${i}` } });
  }
  return out;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Reading the file and writing its bytes back atomically: the floor of any rewrite. */
async function ioFloor(path: string): Promise<number> {
  return timed(async () => atomicWriteFile(path, await readFile(path, "utf8")));
}

async function measure(make: (path: string) => DeploymentTarget, file: string, initial: string, n: number) {
  const dir = await mkdtemp(join(tmpdir(), "afsync-bench-targets-"));
  try {
    const path = join(dir, file);
    await writeFile(path, initial);
    const items = upserts(n);
    const target = make(path);
    const createMs = await timed(async () => {
      await target.read();
      await target.apply({ upserts: items, deletes: [], manifest: [] });
    });
    const fullFloorMs = await ioFloor(path);
    const bytes = (await readFile(path)).length;
    // A fresh target, as a new process (or a serve restart) would have: no cached parse.
    const noopTarget = make(path);
    const noopMs = await timed(async () => noopTarget.read());
    const deleteTarget = make(path);
    const deleteMs = await timed(async () => {
      await deleteTarget.read();
      await deleteTarget.apply({ upserts: [], deletes: items.map((u) => u.key), manifest: [] });
    });
    const left = await deleteTarget.read();
    if (left.entries.size !== 0) throw new Error(`${file}: ${left.entries.size} keys left after the delete`);
    const round = (ms: number) => Math.round(ms);
    const ratio = (ms: number) => Math.round((ms / fullFloorMs) * 10) / 10;
    return {
      keys: n,
      bytes,
      baselineMs: round(fullFloorMs),
      createMs: round(createMs),
      noopMs: round(noopMs),
      deleteMs: round(deleteMs),
      ratioToBaseline: { create: ratio(createMs), noop: ratio(noopMs), delete: ratio(deleteMs) },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const result: Record<string, unknown[]> = { "airflow-settings": [], dotenv: [] };
for (const n of SIZES) {
  process.stderr.write(`local-targets: airflow_settings.yaml at ${n} keys…\n`);
  result["airflow-settings"]?.push(await measure((p) => new AirflowSettingsTarget(p), "airflow_settings.yaml", TEMPLATE, n));
  process.stderr.write(`local-targets: .env at ${n} keys…\n`);
  result.dotenv?.push(await measure((p) => new EnvFileTarget(p), ".env", "# local settings\nPLAIN=1\n", n));
}
process.stdout.write(`${JSON.stringify(result)}\n`);
