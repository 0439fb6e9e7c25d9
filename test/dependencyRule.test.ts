import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const run = promisify(execFile);

/** A miniature of the repository's layout, with workspace links as npm makes them. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "afsync-depcruise-"));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write(
    "tsconfig.json",
    JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", allowImportingTsExtensions: true } }),
  );
  for (const name of ["runtime", "cli", "aws", "astro"]) {
    write(`packages/${name}/package.json`, JSON.stringify({ name: `@afsync/${name}`, type: "module", exports: { "./*": "./src/*.ts" } }));
    mkdirSync(join(dir, "node_modules/@afsync"), { recursive: true });
    symlinkSync(`../../packages/${name}`, join(dir, `node_modules/@afsync/${name}`));
  }
  for (const [path, text] of Object.entries(files)) write(path, text);
  return dir;
}

async function depcruise(cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [DEPCRUISE, "packages", "functions", "--config", CONFIG, "--output-type", "err"], {
      cwd,
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

describe("the dependency rule in npm run lint", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("fails, naming the rule and the files, when a provider imports the runtime or a target, or a function imports the CLI", async () => {
    const dir = fixture({
      "packages/runtime/src/edge/SyncMessage.ts": "export const v = 1;\n",
      "packages/cli/src/main.ts": 'import { v } from "@afsync/runtime/edge/SyncMessage";\nexport const w = v;\n',
      "packages/astro/src/AstroTarget.ts": "export const t = 1;\n",
      "packages/aws/src/AwsSource.ts":
        'import { v } from "@afsync/runtime/edge/SyncMessage";\nimport { t } from "@afsync/astro/AstroTarget";\nexport const s = v + t;\n',
      "functions/aws/src/handler.ts": 'import { w } from "@afsync/cli/main";\nexport const h = w;\n',
    });
    dirs.push(dir);
    const { code, out } = await depcruise(dir);
    assert.notEqual(code, 0, out);
    assert.match(out, /only-entry-points-use-runtime: packages\/aws\/src\/AwsSource\.ts → packages\/runtime\/src\/edge\/SyncMessage\.ts/);
    assert.match(out, /providers-never-import-targets: packages\/aws\/src\/AwsSource\.ts → packages\/astro\/src\/AstroTarget\.ts/);
    assert.match(out, /nothing-imports-cli: functions\/aws\/src\/handler\.ts → packages\/cli\/src\/main\.ts/);
    // The CLI building on the runtime is the rule, not a violation.
    assert.doesNotMatch(out, /packages\/cli\/src\/main\.ts →/);
  });

  it("passes a tree that points the allowed way", async () => {
    const dir = fixture({
      "packages/runtime/src/edge/SyncMessage.ts": 'import { s } from "@afsync/aws/AwsSource";\nexport const v = s;\n',
      "packages/aws/src/AwsSource.ts": "export const s = 1;\n",
      "functions/aws/src/handler.ts": 'import { v } from "@afsync/runtime/edge/SyncMessage";\nexport const h = v;\n',
    });
    dirs.push(dir);
    const { code, out } = await depcruise(dir);
    assert.equal(code, 0, out);
  });
});
