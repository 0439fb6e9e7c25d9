import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { EVENTS_DIR, loadAwsSample } from "../../aws/test/awsSamples.ts";
import { EXPECTED_HINTS } from "../../aws/test/expectedAwsHints.ts";
import type { HintRow as Row } from "../src/commands/event.ts";

const BIN = fileURLToPath(new URL("../bin/afsync.js", import.meta.url));
const run = promisify(execFile);

async function afsync(
  args: string[],
  options: { input?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, [BIN, ...args], {
    env: { ...process.env, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" },
  });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  } else {
    child.child.stdin?.end();
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("afsync event parse", () => {
  it("prints the hint for a sample file given as FILE", async () => {
    const out = await afsync(["event", "parse", join(EVENTS_DIR, "aws-secretsmanager-secret-label-updated.json")]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), [
      {
        provider: "aws-secrets-manager",
        secret_id: "mySecret",
        version: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        action: "upsert",
        reason: "AWSCURRENT moved to a new version",
      },
    ]);
  });

  // One process for all samples (an array is valid input): each spawn costs a second or two.
  it("prints the right hint for every AWS sample in events/aws/", async () => {
    const names = Object.keys(EXPECTED_HINTS);
    const out = await afsync(["event", "parse", "-"], { input: JSON.stringify(names.map(loadAwsSample)) });
    assert.equal(out.code, 0, out.stderr);
    const rows = JSON.parse(out.stdout) as Row[];
    assert.equal(rows.length, names.length);
    for (const [i, name] of names.entries()) {
      const row = rows[i];
      assert.deepEqual(
        { provider: row?.provider, secretId: row?.secret_id, action: row?.action, version: row?.version },
        { version: undefined, ...EXPECTED_HINTS[name] },
        name,
      );
      if (row?.action === "ignore" || row?.action === "notice") assert.ok(row.reason, `${name}: says why`);
    }
  });

  it("reads stdin and resolves keys, sources and Deployments against a config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-event-"));
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        "  aws-prod:",
        "    type: aws-secrets-manager",
        "    region_name: us-east-1",
        "    connections_prefix: prod",
        "  aws-params:",
        "    type: aws-ssm",
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [aws-prod]",
        "  prod:",
        "    target: { type: env-file, path: prod.env }",
        "    sources: [aws-prod, aws-params]",
        '    exclude: ["conn:test-*"]',
        "state: { type: memory }",
        "",
      ].join("\n"),
    );
    const put = JSON.stringify(loadAwsSample("aws-secretsmanager-putsecretvalue.json"));
    // The cwd stays the repository (NODE_OPTIONS' `--import tsx` resolves from it); the config path is absolute.
    const config = join(dir, "afsync.yaml");
    const out = await afsync(["event", "parse", "-", "--config", config], { input: put });
    assert.equal(out.code, 0, out.stderr);
    const [row] = JSON.parse(out.stdout) as Row[];
    assert.deepEqual(row?.keys, ["conn:test-secret"]);
    assert.equal(row?.source, "aws-prod");
    assert.deepEqual(row?.deployments, ["dev"]);
    // A parameter outside every prefix is ignored, and the output says why.
    const ssm = JSON.stringify(loadAwsSample("aws-ssm-parameter-store-change-update.json"));
    // With --coalesce, the update and a duplicate of it fold into one hint, still ignored and saying why.
    const ignored = await afsync(["event", "parse", "--coalesce", "--config", config], { input: `[${ssm}, ${ssm}]` });
    const rows = JSON.parse(ignored.stdout) as Row[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.action, "ignore");
    assert.match(rows[0]?.reason ?? "", /outside every configured prefix/);
  });

  it("fails with exit 1 and says what is wrong for non-JSON and non-AWS input, exit 2 for usage errors", async () => {
    const notJson = await afsync(["event", "parse", "-"], { input: "{nope" });
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /stdin: not valid JSON/);
    const other = await afsync(["event", "parse"], {
      input: JSON.stringify({ source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: {} }),
    });
    assert.equal(other.code, 1);
    assert.match(other.stderr, /aws\.ec2/);
    assert.equal((await afsync(["event", "frobnicate"])).code, 2);
    assert.equal((await afsync(["event", "parse", "--bogus"])).code, 2);
  });
});
