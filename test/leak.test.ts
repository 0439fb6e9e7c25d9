import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { assertNoSecretLeak } from "@afsync/testing";
import { runAfsync, startServe } from "./localServeProcess.ts";

/**
 * Sentinel secrets go through every path of local mode: plan, sync, explain (text and JSON),
 * serve (its stdout, its log, the status page, /healthz, /status.json, webhook answers), errors
 * from invalid values and broken files, and afsync's own state. A sentinel may only ever be
 * found in the source files it was written to and in the target files it belongs in.
 */
const S = {
  password: "Lk-pw-7f3a9c1d",
  token: "Lk-token-b81e5a",
  variable: "Lk-var-44d0e2f",
  invalid: "Lk-invalid-92ab7c",
  rotated: "Lk-rotated-5e1f08",
  onlyEnv: "Lk-onlyenv-c3c3aa",
  broken: "Lk-broken-0d0d11",
  pasted: "Lk-pasted-9f7c2e",
  pastedUri: "Lk-pasted-uri-61d4",
  webhook: "Lk-webhook-secret-6b6b",
} as const;
const VALUE_SENTINELS = [S.password, S.token, S.variable, S.invalid, S.rotated, S.onlyEnv, S.broken, S.pasted, S.pastedUri];

const CONFIG = `
sources:
  files:
    type: local
    connections_file_path: secrets/connections.yaml
    variables_file_path: secrets/variables.env
  broken-files:
    type: local
    connections_file_path: secrets/broken.json
deployments:
  dev:
    target: { type: airflow-settings, path: project/airflow_settings.yaml, create_dirs: true }
    sources: [files]
    exclude: ["conn:only_env"]
  dev-env:
    target: { type: env-file, path: project/.env, create_dirs: true }
    sources: [files]
  dev-lfs:
    target: { type: local-filesystem, connections_file_path: project/connections.json, variables_file_path: project/variables.json, create_dirs: true }
    sources: [files]
  broken:
    target: { type: local-filesystem, connections_file_path: project/broken-out.json, create_dirs: true }
    sources: [broken-files]
state: { type: sqlite, path: .afsync/state.db }
serve: { host: 127.0.0.1, port: 0, reconcile_every: 15m, webhook_secret_env: AFSYNC_WEBHOOK_SECRET }
`;

const CONNECTIONS = `
db:
  conn_type: postgres
  host: db.internal
  login: app
  password: ${S.password}
  port: 5432
  extra_dejson:
    api_token: ${S.token}
    sslmode: require
bad: postgres://app:${S.invalid}@db.internal:99999/app
only_env: mysql://root:${S.onlyEnv}@mysql.internal:3306/x
pasted: ${S.pasted}
pasted_fields:
  uri: ${S.pastedUri}
blank: ""
spaces: "   "
`;

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(path);
    }
  };
  await walk(root);
  return out;
}

describe("secret leak check (local mode, through the binary)", () => {
  it("sentinels appear only in their source files and in the target files they belong in", async () => {
    const dir = await mkdtemp(join(tmpdir(), "afsync-leak-"));
    const texts: string[] = [];
    const record = (what: string, text: string) => texts.push(`[${what}]\n${text}`);
    try {
      await mkdir(join(dir, "secrets"));
      await writeFile(join(dir, "afsync.yaml"), CONFIG);
      await writeFile(join(dir, "secrets/connections.yaml"), CONNECTIONS);
      await writeFile(join(dir, "secrets/variables.env"), `plain=${S.variable}\n`);
      await writeFile(join(dir, "secrets/broken.json"), `{"x": "postgres://u:${S.broken}@h/db",`);
      const env = { AFSYNC_WEBHOOK_SECRET: S.webhook };

      for (const args of [
        ["plan"],
        ["plan", "--json"],
        ["sync"],
        ["sync", "--json"],
        ["explain", "conn:db"],
        ["explain", "conn:db", "--json"],
        ["explain", "var:plain", "--json"],
        ["explain", "conn:bad"],
        ["explain", "conn:only_env", "--json"],
        // The pasted-secret class: a bare string (a password pasted as the whole value), empty values.
        ["explain", "conn:pasted"],
        ["explain", "conn:pasted", "--json"],
        ["explain", "conn:pasted_fields", "--json"],
        ["explain", "conn:blank"],
        ["validate", "secrets/connections.yaml"],
        ["validate", "secrets/connections.yaml", "--kind", "connection"],
        ["validate", S.pasted],
        ["conn", "parse", S.pasted],
        ["conn", "parse", S.pasted, "--format", "uri"],
        ["conn", "parse", S.pasted, "--format", "uri", "--show-secrets"],
        ["conn", "uri", JSON.stringify({ uri: S.pastedUri })],
        ["conn", "json", JSON.stringify({ uri: S.pastedUri })],
      ]) {
        const result = await runAfsync(args, { cwd: dir, env });
        assert.notEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
        // The label must not carry the sentinels passed as arguments: only the output is checked.
        const shown = args.map((a) => (VALUE_SENTINELS.some((v) => a.includes(v)) ? "<value>" : a)).join(" ");
        record(`afsync ${shown} stdout`, result.stdout);
        record(`afsync ${shown} stderr`, result.stderr);
      }

      const serve = await startServe(["--config", "afsync.yaml"], { cwd: dir, env });
      try {
        // Rotate the password while serve watches, and hit every HTTP route.
        const from = serve.stdout().length;
        await writeFile(join(dir, "secrets/connections.yaml"), CONNECTIONS.replace(S.password, S.rotated));
        await serve.waitForOutput(/file change \(files\)/, { from });
        const body = JSON.stringify({ source: "files", keys: ["conn:db", "var:plain", "conn:bad"] });
        const hook = await fetch(`${serve.url}/hooks/generic?wait=1`, {
          method: "POST",
          body,
          headers: { "X-Afsync-Signature": signWebhookBody(S.webhook, body, Math.floor(Date.now() / 1000)) },
        });
        record("webhook answer", await hook.text());
        const bad = await fetch(`${serve.url}/hooks/generic`, { method: "POST", body, headers: { "X-Afsync-Signature": "t=1,v1=00" } });
        record("webhook 401 answer", await bad.text());
        for (const path of ["/", "/healthz", "/status.json", "/nope"])
          record(`GET ${path}`, await (await fetch(`${serve.url}${path}`)).text());
      } finally {
        assert.equal(await serve.stop(), 0);
      }
      record("serve stdout", serve.stdout());
      record("serve stderr (log)", serve.stderr());
      assert.match(serve.stdout(), /broken: FAILED/, "the broken source's error went through the output we check");
      assert.match(serve.stdout(), /conn:bad: invalid/, "the invalid value's reason went through the output we check");
      for (const key of ["pasted", "pasted_fields", "blank", "spaces"]) {
        assert.match(serve.stdout(), new RegExp(`conn:${key}: invalid`), `a pasted or empty value (${key}) is invalid, never a connection`);
      }

      // afsync's own files (SQLite state, WAL) and any file that is neither a source nor a target.
      const sources = new Set(["secrets/connections.yaml", "secrets/variables.env", "secrets/broken.json", "afsync.yaml"]);
      const targets: Record<string, string[]> = {
        "project/airflow_settings.yaml": [S.rotated, S.token, S.variable],
        "project/.env": [S.rotated, S.token, S.variable, S.onlyEnv],
        "project/connections.json": [S.rotated, S.token, S.onlyEnv],
        "project/variables.json": [S.variable],
      };
      for (const path of await filesUnder(dir)) {
        const rel = relative(dir, path);
        if (sources.has(rel)) continue;
        const content = (await readFile(path)).toString("latin1");
        const allowed = targets[rel];
        if (allowed === undefined) {
          record(`file ${rel}`, content);
          continue;
        }
        for (const sentinel of allowed) assert.ok(content.includes(sentinel), `${rel} should hold the sentinel it belongs to`);
        assertNoSecretLeak(
          [content],
          VALUE_SENTINELS.filter((s) => !allowed.includes(s)),
        );
      }
      assert.ok(
        texts.some((t) => t.startsWith("[file .afsync/state.db]")),
        "the SQLite state was among the files checked",
      );

      assertNoSecretLeak(texts, [...VALUE_SENTINELS, S.webhook]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
