/**
 * The Astro targets against the Astro emulator: a first push of N connections and N variables,
 * a rotation of a tenth of them, and a no-op repeat — wall time, API calls per operation, and
 * how many Deployment updates (each restarts Airflow on the real platform) each step cost.
 * Loopback only, so the figures are afsync's and the emulator's own cost, not a network's.
 *
 * Run: npm run bench -- astro   (or node --import tsx bench/astro-targets.bench.ts)
 */
import { performance } from "node:perf_hooks";
import { AstroEnvironmentTarget } from "@afsync/astro/AstroEnvironmentTarget";
import { AstroEnvVarsTarget } from "@afsync/astro/AstroEnvVarsTarget";
import { type AirflowValue, type ApplyRequest, connectionKey, type DeploymentTarget, type StateRecord, variableKey } from "@afsync/core";
import { startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";

const N = Number(process.env.BENCH_KEYS ?? 200);
const ORG = "org-bench";

function conn(i: number, pw: string): AirflowValue {
  return {
    kind: "connection",
    connection: {
      conn_type: "postgres",
      host: `db${i}.example.com`,
      login: "app",
      password: pw,
      schema: "app",
      port: 5432,
      extra: { sslmode: "require" },
    },
  };
}

function request(round: string, only?: (i: number) => boolean): ApplyRequest {
  const upserts: ApplyRequest["upserts"][number][] = [];
  const manifest: StateRecord[] = [];
  for (let i = 0; i < N; i++) {
    const changed = only === undefined || only(i);
    const hash = changed ? `${round}-${i}` : `r1-${i}`;
    if (changed) {
      upserts.push({ key: connectionKey(`conn_${i}`), value: conn(i, `pw-${round}-${i}`) });
      upserts.push({ key: variableKey(`var_${i}`), value: { kind: "variable", value: `value-${round}-${i}` } });
    }
    manifest.push({ key: `conn:conn_${i}`, sourceId: "bench", hash, appliedAt: "2026-01-01T00:00:00Z" });
    manifest.push({ key: `var:var_${i}`, sourceId: "bench", hash, appliedAt: "2026-01-01T00:00:00Z" });
  }
  return { upserts, deletes: [], manifest };
}

async function step(target: DeploymentTarget, emulator: Awaited<ReturnType<typeof startAstroEmulator>>, req: ApplyRequest) {
  emulator.resetCalls();
  const start = performance.now();
  const snapshot = await target.read();
  const body = req.upserts.length === 0 ? { ...req, manifest: snapshot.manifest ?? [] } : req;
  const outcome = await target.apply(body);
  const ms = performance.now() - start;
  if (outcome.results.some((r) => !r.ok)) throw new Error("an item failed");
  return { ms: Math.round(ms), calls: emulator.calls(), writes: emulator.writeCalls() };
}

const emulator = await startAstroEmulator({ token: "bench" });
try {
  emulator.seedDeployment({ id: "dep-bench", organizationId: ORG, workspaceId: "ws-bench" });
  const envVars = new AstroEnvVarsTarget({ organizationId: ORG, deploymentId: "dep-bench", apiUrl: emulator.v1Url, token: "bench" });
  const envVarsFirst = await step(envVars, emulator, request("r1"));
  const envVarsRotate = await step(
    envVars,
    emulator,
    request("r2", (i) => i % 10 === 0),
  );
  const envVarsNoop = await step(envVars, emulator, { upserts: [], deletes: [], manifest: [] });

  const environment = new AstroEnvironmentTarget({
    organizationId: ORG,
    scope: { scope: "WORKSPACE", scopeEntityId: "ws-bench" },
    links: { linkDeployments: ["dep-bench"] },
    apiUrl: emulator.v1Url,
    token: "bench",
  });
  const envFirst = await step(environment, emulator, request("r1"));
  const envRotate = await step(
    environment,
    emulator,
    request("r2", (i) => i % 10 === 0),
  );
  const envNoop = await step(environment, emulator, { upserts: [], deletes: [], manifest: [] });

  const deployment = emulator.deployment(ORG, "dep-bench");
  process.stdout.write(
    `${JSON.stringify({
      keys: N * 2,
      "astro-env-vars": {
        first: envVarsFirst,
        rotateTenth: envVarsRotate,
        noop: envVarsNoop,
        deploymentUpdates: deployment?.updates,
        restarts: deployment?.restarts,
      },
      "astro-environment": { first: envFirst, rotateTenth: envRotate, noop: envNoop },
    })}\n`,
  );
} finally {
  await emulator.close();
}
