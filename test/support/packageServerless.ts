import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: where serverless.yml lives and where `npm run package:aws` runs it. */
export const serviceDir = fileURLToPath(new URL("../..", import.meta.url));
const serverlessBin = fileURLToPath(new URL("../../node_modules/.bin/serverless", import.meta.url));

/**
 * `serverless package --package <outDir>` run the way the docs tell users to: offline, with
 * telemetry off and fake credentials (package never calls AWS). Throws with serverless' output
 * when it fails, so a broken bundle names the import that broke it.
 */
export function packageServerless(outDir: string, extraArgs: readonly string[] = []): { durationMs: number; output: string } {
  const started = performance.now();
  const run = spawnSync(serverlessBin, ["package", "--package", outDir, ...extraArgs], {
    cwd: serviceDir,
    encoding: "utf8",
    timeout: 180_000,
    env: {
      ...process.env,
      SLS_TELEMETRY_DISABLED: "1",
      SLS_NOTIFICATIONS_MODE: "off",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_ACCESS_KEY_ID: "AKIDFAKE",
      AWS_SECRET_ACCESS_KEY: "fake",
      AWS_REGION: "us-east-1",
      NO_COLOR: "1",
    },
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.status !== 0) throw new Error(`serverless package failed (exit ${run.status ?? run.signal}):\n${output}`);
  return { durationMs: performance.now() - started, output };
}

export function readTemplate(outDir: string): CfnTemplate {
  return JSON.parse(readFileSync(join(outDir, "cloudformation-template-update-stack.json"), "utf8")) as CfnTemplate;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
}

export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  readonly compressedSize: number;
}

/** The entries of a zip, from its central directory (enough to list files and sizes; no inflating). */
export function zipEntries(path: string): ZipEntry[] {
  const buf = readFileSync(path);
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${n}`);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    entries.push({ name: buf.toString("utf8", at + 46, at + 46 + nameLength), size, compressedSize });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
