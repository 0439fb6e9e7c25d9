import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/afsync.js", import.meta.url));

/** Secret values seeded in the project; none may appear in any output without --show-secrets. */
export const SENTINELS = {
  warehouse: "e2e-Wareh0use-Pw",
  warehouseRotated: "e2e-R0tated-Pw",
  apiToken: "e2e-api-T0ken",
  broken: "e2e-Br0ken-Pw",
  variable: "e2e-variable-v4lue",
} as const;

export const CONFIG = `sources:
  team-files:
    type: local
    connections_file_path: secrets/connections.yaml
    variables_file_path: secrets/variables.yaml
deployments:
  dev:
    target: { type: airflow-settings, path: astro-project/airflow_settings.yaml }
    sources: [team-files]
    deletion: retain
    adopt: false
    include: ["*"]
    exclude: []
  dev-env:
    target: { type: env-file, path: astro-project/.env }
    sources: [team-files]
    deletion: delete
state: { type: sqlite, path: .afsync/state.db }
serve: { host: 127.0.0.1, port: 8080, reconcile_every: 15m, webhook_secret_env: AFSYNC_WEBHOOK_SECRET }
`;

export function connectionsYaml(password: string = SENTINELS.warehouse): string {
  return `warehouse_db:
  conn_type: postgres
  host: warehouse.internal
  schema: analytics
  login: etl
  password: ${password}
  port: 5432
api_http: http://svc:${SENTINELS.apiToken}@api.example.com:443/v1?timeout=30
`;
}

export const VARIABLES = `environment: development
api_secret: ${SENTINELS.variable}
`;

export const SETTINGS = `airflow:
  connections:
    - conn_id: hand_made
      conn_type: http
      conn_host: httpbin.org
  pools:
    - pool_name: etl_pool
      pool_slot: 4
      pool_description: kept as is
  variables:
    - variable_name: owner_team
      variable_value: data-platform
`;

export const ENV = "AIRFLOW__CORE__LOAD_EXAMPLES=False\n";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The test runner's NODE_OPTIONS says `--import tsx`, which Node resolves from the child's working
 * directory — a temp dir with no node_modules. Point it at this checkout's tsx instead.
 */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1" };
}

/** A temp directory holding the issue's §1 example: team files synced into an Astro project. */
export class SyncProject {
  readonly dir = mkdtempSync(join(tmpdir(), "afsync-e2e-"));
  readonly outputs: string[] = [];

  constructor() {
    mkdirSync(join(this.dir, "secrets"));
    mkdirSync(join(this.dir, "astro-project"));
    this.write("afsync.yaml", CONFIG);
    this.write("secrets/connections.yaml", connectionsYaml());
    this.write("secrets/variables.yaml", VARIABLES);
    this.write("astro-project/airflow_settings.yaml", SETTINGS);
    this.write("astro-project/.env", ENV);
  }

  write(path: string, text: string): void {
    writeFileSync(join(this.dir, path), text);
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), "utf8");
  }

  /** Runs the real `afsync` binary in the project directory. */
  run(...args: string[]): RunResult {
    const result = spawnSync(process.execPath, [BIN, ...args], { cwd: this.dir, encoding: "utf8", env: childEnv() });
    const out = { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    this.outputs.push(out.stdout, out.stderr);
    return out;
  }

  json(...args: string[]): { code: number; report: JsonReport } {
    const result = this.run(...args, "--json");
    try {
      return { code: result.code, report: JSON.parse(result.stdout) as JsonReport };
    } catch {
      throw new Error(`not JSON (exit ${result.code}): ${result.stdout.slice(0, 300)} ${result.stderr.slice(0, 300)}`);
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface JsonChange {
  key: string;
  action: string;
  source: string | null;
  reason?: string;
  diff?: { field: string; before?: string; after?: string }[];
}

export interface JsonReport {
  mode: string;
  deployments: { id: string; target: string; status: string; error?: string; writes: number; changes: JsonChange[] }[];
  summary: Record<string, number>;
}

export function actionsOf(report: JsonReport, id: string): Record<string, string> {
  return Object.fromEntries((report.deployments.find((d) => d.id === id)?.changes ?? []).map((c) => [c.key, c.action]));
}
