import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { runServe } from "../src/serve/runServe.ts";

/** Runs `afsync serve` in-process on a one-variable project until it prints its status page, then stops it. */
async function serveOnce(config: string, host?: string): Promise<{ stdout: string; stderr: string; code: number; health: number }> {
  const dir = mkdtempSync(join(tmpdir(), "afsync-serve-bind-"));
  try {
    writeFileSync(join(dir, "variables.env"), "plain=hello\n");
    writeFileSync(join(dir, "afsync.yaml"), config);
    let stdout = "";
    let stderr = "";
    const out = new PassThrough().on("data", (d: Buffer) => (stdout += d.toString()));
    const err = new PassThrough().on("data", (d: Buffer) => (stderr += d.toString()));
    const stop = new AbortController();
    const io = { stdout: out, stderr: err, stdin: new PassThrough(), env: {}, cwd: dir };
    const running = runServe({ configPath: "afsync.yaml", demo: false, ...(host === undefined ? {} : { host }) }, io, stop.signal);
    const deadline = Date.now() + 30_000;
    while (!/Status page: /.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /Status page: (\S+)/.exec(stdout)?.[1];
    assert.ok(url !== undefined, `serve started: ${stderr}`);
    // Reached over loopback whatever the bind address.
    const health = (await fetch(new URL("/healthz", url.replace(/\/\/[^/]+:/, "//127.0.0.1:")))).status;
    stop.abort();
    const code = await running;
    return { stdout, stderr, code, health };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CONFIG = (serve: string) => `
sources:
  files: { type: local, variables_file_path: variables.env }
deployments:
  dev:
    target: { type: env-file, path: out.env }
    sources: [files]
state: { type: memory }
${serve}
`;

describe("afsync serve's bind address", () => {
  it("binds to 127.0.0.1 when the config names no host, with no exposure warning", async () => {
    const run = await serveOnce(CONFIG("serve: { port: 0 }"));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Status page: http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(run.health, 200);
    assert.doesNotMatch(run.stderr, /Warning/);
  });

  it("warns on stderr that the unauthenticated status page is exposed when told to listen on every interface", async () => {
    const run = await serveOnce(CONFIG("serve: { port: 0 }"), "0.0.0.0");
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /Warning: listening on every network interface: the status page, \/healthz and \/status\.json are unauthenticated/,
    );
  });
});
