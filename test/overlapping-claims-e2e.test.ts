/**
 * Overlapping claims through the `afsync` binary: two Deployments pointing at one Airflow (the
 * v2 emulator, under two spellings of its URL) whose include globs both select a key fail `plan`
 * and `sync` with both named, and nothing is written; once the globs keep the claims apart, the
 * same config syncs.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";

const DB_PASSWORD = "overlap-db-Pa55word-6e1f";
const AIRFLOW_PASSWORD = "overlap-airflow-pw-2d8c";

let dir: string;
let af: AirflowEmulator;
const outputs: string[] = [];

function writeConfig(teamBExclude: string): void {
  const target = (apiUrl: string) => [
    "    target:",
    "      type: airflow-api",
    `      url: ${apiUrl}`,
    "      api_version: 2",
    "      auth: { type: airflow-token, username_env: AF_USER, password_env: AF_PASSWORD }",
    "      retry: { base_delay_ms: 5, max_delay_ms: 50 }",
  ];
  writeFileSync(
    join(dir, "afsync.yaml"),
    [
      "sources:",
      "  team-files:",
      "    type: local",
      "    connections_file_path: secrets/connections.yaml",
      "    variables_file_path: secrets/variables.yaml",
      "deployments:",
      "  team-a:",
      ...target(af.url),
      "    sources: [team-files]",
      '    include: ["conn:*", "var:a_*"]',
      "  team-b:",
      // The same Airflow, spelled with its API path and a trailing slash.
      ...target(`${af.url}/api/v2/`),
      "    sources: [team-files]",
      '    include: ["*"]',
      `    exclude: ${teamBExclude}`,
      "state: { type: sqlite, path: state.db }",
      "",
    ].join("\n"),
  );
}

function afsync(...args: string[]): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, "afsync.yaml"), outputs, {
    env: { AF_USER: "afsync", AF_PASSWORD: AIRFLOW_PASSWORD },
  });
}

describe("overlapping claims on one Airflow", () => {
  before(async () => {
    af = await startAirflowEmulator({ apiVersion: 2, users: { afsync: AIRFLOW_PASSWORD } });
    dir = mkdtempSync(join(tmpdir(), "afsync-overlap-e2e-"));
    mkdirSync(join(dir, "secrets"));
    writeFileSync(
      join(dir, "secrets/connections.yaml"),
      `warehouse_db:\n  conn_type: postgres\n  host: db.internal\n  login: etl\n  password: ${DB_PASSWORD}\n`,
    );
    writeFileSync(join(dir, "secrets/variables.yaml"), "a_flag: 'on'\nb_flag: 'off'\n");
  });
  after(async () => {
    await af?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails plan and sync with both Deployments named, writing nothing", async () => {
    writeConfig("[]");
    for (const command of ["plan", "sync"]) {
      const { code, stdout, stderr } = await afsync(command, "--json");
      assert.equal(code, 1, `${command}: ${stderr}`);
      const report = JSON.parse(stdout) as CliRunReport;
      for (const id of ["team-a", "team-b"]) {
        const d = report.deployments.find((x) => x.id === id);
        assert.equal(d?.status, "failed", `${command} ${id}`);
        assert.match(d?.error ?? "", /Deployment team-a and Deployment team-b would both write conn:warehouse_db, var:a_flag of /);
      }
    }
    assert.equal(af.writeCalls(), 0);
  });

  it("syncs once the globs give each key one Deployment", async () => {
    writeConfig('["conn:*", "var:a_*"]');
    const { code, stdout, stderr } = await afsync("sync", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as CliRunReport;
    assert.deepEqual(
      report.deployments.map((d) => d.status),
      ["ok", "ok"],
    );
    assert.ok(af.writeCalls() > 0);
  });

  it("never printed a secret", () => {
    assertNoSecretLeak(outputs, [DB_PASSWORD, AIRFLOW_PASSWORD]);
  });
});
