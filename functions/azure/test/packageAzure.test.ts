import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import JSZip from "jszip";

const run = promisify(execFile);
const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `npm run package:azure` offline: what the zip holds, and that its bundle loads on plain Node. */
describe("package:azure", () => {
  let dir: string;
  let zip: JSZip;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "afsync-package-azure-"));
    await run(process.execPath, [join(appDir, "scripts", "package.mjs"), "--out", join(dir, "app.zip")], { cwd: dir });
    zip = await JSZip.loadAsync(readFileSync(join(dir, "app.zip")));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("holds host.json, a package.json pointing at the bundle, the bundle, its strict config side file and the config, and nothing else", async () => {
    const files = Object.values(zip.files)
      .filter((f) => !f.dir)
      .map((f) => f.name)
      .sort();
    assert.deepEqual(files, ["afsync.config.yaml", "dist/afsync-strict-config.cjs", "dist/index.js", "host.json", "package.json"]);
    const pkg = JSON.parse((await zip.file("package.json")?.async("string")) ?? "{}");
    assert.equal(pkg.main, "dist/index.js");
    assert.equal(pkg.type, undefined, "the bundle is CommonJS");
    assert.equal(pkg.dependencies, undefined, "everything is bundled: no install, no remote build");
    const host = JSON.parse((await zip.file("host.json")?.async("string")) ?? "{}");
    assert.equal(host.version, "2.0");
    assert.equal(host.extensionBundle.id, "Microsoft.Azure.Functions.ExtensionBundle");
    assert.equal(host.extensions.queues.messageEncoding, "base64", "what StorageQueueSyncQueue sends");
    assert.equal(await zip.file("afsync.config.yaml")?.async("string"), readFileSync(join(appDir, "afsync.config.yaml"), "utf8"));
  });

  it("ships a bundle that loads on Node 20 and registers the five functions", async () => {
    const app = join(dir, "app");
    for (const file of Object.values(zip.files).filter((f) => !f.dir)) {
      mkdirSync(dirname(join(app, file.name)), { recursive: true });
      writeFileSync(join(app, file.name), await file.async("nodebuffer"));
    }
    // Outside the Functions host @azure/functions skips each registration with a warning naming it.
    const { stdout, stderr } = await run(process.execPath, ["-e", 'require("./dist/index.js")'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? "" },
    });
    const output = `${stdout}\n${stderr}`;
    for (const name of ["keyVaultEvents", "eventGridWebhook", "genericWebhook", "reconcile", "worker"])
      assert.match(output, new RegExp(`register function "${name}"`), output);
  });

  it("builds the same zip from the same inputs", async () => {
    await run(process.execPath, [join(appDir, "scripts", "package.mjs"), "--out", join(dir, "again.zip")], { cwd: dir });
    assert.ok(readFileSync(join(dir, "again.zip")).equals(readFileSync(join(dir, "app.zip"))));
  });
});
