import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { silentLogger } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { adapterOmissionDefines, omissionConstant } from "@afsync/runtime/compose/adapterFactoryLoaders";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { loadEventSamples } from "@afsync/testing/loadEventSamples";
import { build } from "esbuild";

const loadersFile = fileURLToPath(new URL("../src/compose/adapterFactoryLoaders.ts", import.meta.url));
const eventParsersFile = fileURLToPath(new URL("../src/events/eventParsers.ts", import.meta.url));
const buildRuntimeFile = fileURLToPath(new URL("../src/compose/buildRuntime.ts", import.meta.url));
const config = {
  sources: [{ type: "aws-secrets-manager" }],
  deployments: [{ target: { type: "airflow-api" } }],
};
const outDir = mkdtempSync(join(tmpdir(), "afsync-omission-"));
after(() => rmSync(outDir, { recursive: true, force: true }));

let builds = 0;

/** A runtime module bundled the way the function bundles are (CommonJS, esbuild), with `define`. */
async function bundleModule<T>(entry: string, define: Record<string, string>): Promise<{ inputs: string[]; loaded: T }> {
  // A file per build: require() caches by path.
  const outfile = join(outDir, `bundle-${++builds}.cjs`);
  const result = await build({
    entryPoints: [entry],
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
  // What the bundle's code came from: a module imported but shaken out entirely contributes nothing.
  const inputs = Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
  return { inputs, loaded: createRequire(import.meta.url)(outfile) as T };
}

async function bundleLoaders(define: Record<string, string>) {
  const { inputs, loaded } = await bundleModule<typeof import("../src/compose/adapterFactoryLoaders.ts")>(loadersFile, define);
  return { inputs, loaders: loaded };
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

  it("holds the event parsers of the providers whose sources it names, and refuses another provider's event as unrecognised", async () => {
    const { inputs, loaded } = await bundleModule<typeof import("../src/events/eventParsers.ts")>(
      eventParsersFile,
      adapterOmissionDefines({ sources: [{ type: "azure-key-vault" }], deployments: [] }),
    );
    for (const dir of ["packages/aws/src/events/", "packages/gcp/src/events/", "packages/vault/src/events/"])
      assert.ok(!bundled(inputs, dir), `${dir} is left out`);
    assert.deepEqual(loaded.eventParsers.providers, ["azure"]);
    const aws = loadEventSamples("aws")[0];
    assert.ok(aws !== undefined);
    assert.throws(() => loaded.eventParsers.parse(aws.event), {
      name: "UnrecognizedEventError",
      message: /^event: not an event any provider afsync knows sends \(expected azure: an Event Grid event/,
    });
    // Either AWS source type keeps the AWS parser; unbundled, every provider's is there.
    const ssm = await bundleModule<typeof import("../src/events/eventParsers.ts")>(
      eventParsersFile,
      adapterOmissionDefines({ sources: [{ type: "aws-ssm" }], deployments: [] }),
    );
    assert.deepEqual(ssm.loaded.eventParsers.providers, ["aws"]);
    assert.deepEqual(eventParsers.providers, ["aws", "azure", "gcp", "vault"]);
  });

  it("holds the SQLite state store and the run lock only for a config that can need them", async () => {
    const runtime = (state: string, target: string) =>
      bundleModule<unknown>(
        buildRuntimeFile,
        adapterOmissionDefines({ sources: [], deployments: [{ target: { type: target } }], state: { type: state } }),
      );
    const held = await runtime("target", "airflow-api");
    for (const file of ["SqliteStateStore.ts", "FileRunLock.ts"]) assert.ok(!bundled(held.inputs, file), `${file} is left out`);
    const local = await runtime("target", "env-file");
    assert.ok(bundled(local.inputs, "FileRunLock.ts"), "a local target file is locked");
    assert.ok(!bundled(local.inputs, "SqliteStateStore.ts"));
    const sqlite = await runtime("sqlite", "airflow-api");
    for (const file of ["SqliteStateStore.ts", "FileRunLock.ts"]) assert.ok(bundled(sqlite.inputs, file), `${file} is bundled`);
  });

  it("refuses a SQLite state it was built without, naming the config's place", async () => {
    const { loaded } = await bundleModule<typeof import("../src/compose/buildRuntime.ts")>(
      buildRuntimeFile,
      adapterOmissionDefines({ sources: [], deployments: [], state: { type: "target" } }),
    );
    const config = { sources: [], deployments: [], state: { type: "sqlite", path: join(outDir, "state.db") } } as unknown as AfsyncConfig;
    await assert.rejects(loaded.buildRuntime(config, { env: {}, configDir: outDir, logger: silentLogger }), {
      name: "ConfigError",
      message: /^state\.type: state type 'sqlite' is not in this function bundle/,
    });
  });
});
