import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { adapterOmissionDefines, omissionConstant } from "@afsync/runtime/compose/adapterFactoryLoaders";
import { build } from "esbuild";

const loadersFile = fileURLToPath(new URL("../src/compose/adapterFactoryLoaders.ts", import.meta.url));
const config = {
  sources: [{ type: "aws-secrets-manager" }],
  deployments: [{ target: { type: "airflow-api" } }],
};
const outDir = mkdtempSync(join(tmpdir(), "afsync-omission-"));
after(() => rmSync(outDir, { recursive: true, force: true }));

/** The loaders bundled the way the function bundles are (CommonJS, esbuild), with `define`. */
async function bundleLoaders(define: Record<string, string>) {
  const outfile = join(outDir, "loaders.cjs");
  const result = await build({
    entryPoints: [loadersFile],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    define,
    external: ["better-sqlite3"],
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const loaders = createRequire(import.meta.url)(outfile) as typeof import("../src/compose/adapterFactoryLoaders.ts");
  return { inputs, loaders };
}

const bundled = (inputs: readonly string[], dir: string) => inputs.some((i) => i.includes(dir));

describe("a function bundle built for one config", () => {
  it("defines one build-time constant per type the config does not name", () => {
    const define = adapterOmissionDefines(config);
    assert.equal(define[omissionConstant("source", "gcp-secret-manager")], '"1"');
    assert.equal(define[omissionConstant("target", "env-file")], '"1"');
    assert.equal(define[omissionConstant("source", "aws-secrets-manager")], undefined);
    assert.equal(define[omissionConstant("target", "airflow-api")], undefined);
    assert.equal(omissionConstant("source", "gcp-secret-manager"), "process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER");
  });

  it("carries only the adapters the config names, and says so for the others", async () => {
    const { inputs, loaders } = await bundleLoaders(adapterOmissionDefines(config));
    assert.ok(bundled(inputs, "packages/aws/src/"), "the AWS source is bundled");
    assert.ok(bundled(inputs, "packages/airflow-api/src/"), "the Airflow REST API target is bundled");
    for (const dir of ["packages/gcp/", "packages/azure/", "packages/vault/", "packages/astro/", "@google-cloud", "@azure/keyvault"])
      assert.ok(!bundled(inputs, dir), `${dir} is left out`);

    assert.equal(typeof (await loaders.loadSourceFactory("aws-secrets-manager"))?.create, "function");
    await assert.rejects(loaders.loadSourceFactory("gcp-secret-manager"), {
      message:
        "source type 'gcp-secret-manager' is not in this function bundle: it was built for a config that does not name it (deploy the function with the config that does)",
    });
    // A config naming a left-out type fails at validation, naming the type.
    await assert.rejects(loaders.loadOptionsRegistry({ sources: { g: { type: "gcp-secret-manager" } } }), {
      name: "ConfigError",
      message: /source type 'gcp-secret-manager' is not in this function bundle/,
    });
    // Building the sources from such a config says so at the type's place in the config.
    assert.throws(() => loaders.assertBundled("source", "gcp-secret-manager", "sources.g.type"), {
      name: "ConfigError",
      message: /^sources\.g\.type: source type 'gcp-secret-manager' is not in this function bundle/,
    });
    loaders.assertBundled("source", "aws-secrets-manager", "sources.s.type");
    // An unknown type is listed against the types this bundle holds.
    const registry = await loaders.loadOptionsRegistry({ sources: { s: { type: "nope" } } });
    assert.deepEqual(Object.keys(registry.sources), ["aws-secrets-manager"]);
    assert.deepEqual(Object.keys(registry.targets), ["airflow-api"]);
  });
});
