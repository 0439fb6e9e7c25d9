import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { runServe } from "../src/serve/runServe.ts";
import { runAfsync } from "./connRunAfsync.ts";

const SECRET = "S3ntinel-json-pa55";

/** `--json` on validate, name, conn uri/json and serve: stdout is JSON a script can read, never a value. */
describe("--json output", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "afsync-json-output-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("validate --json gives every problem with line, masked key and severity, and the counts", async () => {
    const path = join(dir, "conns.env");
    writeFileSync(path, `my_db=postgres://u:${SECRET}@h:5432/d\nbad line\nweb=http://u:${SECRET}@h:99999\nMY_DB=mysql://h\n`);
    const r = await runAfsync(["validate", path, "--json"]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
    const result = JSON.parse(r.stdout) as {
      input: string;
      kind: string;
      entries: number;
      errors: number;
      warnings: number;
      problems: { line?: number; key?: string; severity: string; message: string }[];
    };
    assert.equal(result.kind, "connection");
    assert.equal(result.errors, result.problems.filter((p) => p.severity === "error").length);
    assert.equal(result.warnings, result.problems.filter((p) => p.severity === "warning").length);
    assert.ok(result.problems.some((p) => p.line === 2 && /Invalid line format/.test(p.message) && p.severity === "error"));
    assert.ok(result.problems.some((p) => p.line === 3 && p.key === "web" && /Port out of range/.test(p.message)));
    assert.ok(result.problems.some((p) => p.line === undefined && p.severity === "warning" && /same environment variable/.test(p.message)));
  });

  it("validate --json on one value says ok or the problem, never the value", async () => {
    const good = await runAfsync(["validate", `postgres://u:${SECRET}@h:5432/d`, "--json"]);
    assert.equal(good.code, 0);
    assert.deepEqual(JSON.parse(good.stdout), { input: "value", kind: "connection", ok: true, conn_type: "postgres" });
    const bad = await runAfsync(["validate", `http://u:${SECRET}@h:99999`, "--json"]);
    assert.equal(bad.code, 1);
    const result = JSON.parse(bad.stdout) as { ok: boolean; problem: string };
    assert.equal(result.ok, false);
    assert.match(result.problem, /Port out of range/);
    assert.ok(!bad.stdout.includes(SECRET));
  });

  it("name --json gives the secret id, or null and why", async () => {
    const found = await runAfsync(["name", "--backend", "aws-secrets-manager", "--kind", "connection", "my_db", "--json"]);
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(JSON.parse(found.stdout), { secret_id: "airflow/connections/my_db" });
    const never = await runAfsync([
      "name",
      "--backend",
      "aws-secrets-manager",
      "--kind",
      "variable",
      "x",
      "--backend-kwargs",
      '{"variables_prefix": null}',
      "--json",
    ]);
    assert.equal(never.code, 1);
    const result = JSON.parse(never.stdout) as { secret_id: null; reason: string };
    assert.equal(result.secret_id, null);
    assert.ok(result.reason.length > 0);
  });

  it("conn uri --json and conn json --json wrap the output; errors are JSON on stdout with exit 1 or 2", async () => {
    const fields = JSON.stringify({ conn_type: "postgres", host: "h", login: "u", password: SECRET, port: 5432 });
    const uri = await runAfsync(["conn", "uri", "-", "--json"], fields);
    assert.equal(uri.code, 0, uri.stderr);
    assert.deepEqual(JSON.parse(uri.stdout), { uri: "postgres://u:***@h:5432" });
    const asJson = await runAfsync(["conn", "json", "-", "--json"], fields);
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.equal(typeof (JSON.parse(asJson.stdout) as { json: unknown }).json, "string");
    assert.ok(!uri.stdout.includes(SECRET) && !asJson.stdout.includes(SECRET));

    const invalid = await runAfsync(["conn", "uri", "-", "--json"], "{not json");
    assert.equal(invalid.code, 1);
    assert.deepEqual(Object.keys((JSON.parse(invalid.stdout) as { error: object }).error), ["command", "code", "message"]);
    assert.equal(invalid.stderr, "");
    const usage = await runAfsync(["conn", "bogus", "--json"]);
    assert.equal(usage.code, 2);
    assert.equal((JSON.parse(usage.stdout) as { error: { code: string } }).error.code, "USAGE");
    const nameUsage = await runAfsync(["name", "--json"]);
    assert.equal(nameUsage.code, 2);
    assert.equal((JSON.parse(nameUsage.stdout) as { error: { command: string } }).error.command, "name");
  });

  it("serve --json writes one JSON object per line: notices and runs on stdout, the log and warnings on stderr", async () => {
    writeFileSync(join(dir, "variables.env"), `plain=${SECRET}\n`);
    writeFileSync(
      join(dir, "afsync.yaml"),
      `sources:\n  files: { type: local, variables_file_path: variables.env }\ndeployments:\n  dev:\n    target: { type: env-file, path: out.env }\n    sources: [files]\nstate: { type: memory }\nserve: { port: 0 }\n`,
    );
    let stdout = "";
    let stderr = "";
    const io = {
      stdout: new PassThrough().on("data", (d: Buffer) => (stdout += d.toString())),
      stderr: new PassThrough().on("data", (d: Buffer) => (stderr += d.toString())),
      stdin: new PassThrough(),
      env: {},
      cwd: dir,
    };
    const stop = new AbortController();
    const running = runServe({ configPath: "afsync.yaml", demo: false, json: true, host: "0.0.0.0" }, io, stop.signal);
    const deadline = Date.now() + 30_000;
    while (!/Press Ctrl\+C/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    assert.equal(await running, 0, stderr);
    const lines = (text: string) =>
      text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as { time: string; level: string; message: string; run?: { summary?: { create: number } } });
    const out = lines(stdout);
    assert.ok(out.every((l) => typeof l.time === "string" && typeof l.level === "string" && typeof l.message === "string"));
    const run = out.find((l) => l.message === "run finished");
    assert.equal(run?.run?.summary?.create, 1);
    assert.ok(out.some((l) => /^Status page: http:/.test(l.message)));
    assert.ok(lines(stderr).some((l) => l.level === "warn" && /every network interface/.test(l.message)));
    assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET));
  });
});
