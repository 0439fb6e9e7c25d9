import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "@afsync/core";
import { parseConfig } from "@afsync/core/config/parseConfig";
import * as z from "@afsync/core/config/zodMini";
import {
  loadOptionsRegistry,
  loadSourceCreate,
  loadTargetCreate,
  sourceFactoryLoaders,
  targetFactoryLoaders,
} from "@afsync/runtime/compose/adapterFactoryLoaders";
import { sourceBuilderLoaders, targetBuilderLoaders } from "@afsync/runtime/compose/optionBuilderLoaders";
import { sourceOptionSchemaLoaders, targetOptionSchemaLoaders } from "@afsync/runtime/compose/optionSchemaLoaders";
import { optionsRegistry } from "@afsync/runtime/compose/optionsRegistry";
import { sourceFactories } from "@afsync/runtime/compose/sourceFactories";
import { sourceNamingLoaders } from "@afsync/runtime/compose/sourceNamingLoaders";
import { targetFactories } from "@afsync/runtime/compose/targetFactories";

const config = {
  sources: { sm: { type: "aws-secrets-manager", connections_prefix: "airflow/connections" } },
  deployments: {
    prod: { target: { type: "env-file", path: ".env" }, sources: ["sm"] },
  },
  state: { type: "sqlite", path: "state.db" },
};

describe("adapter factory loaders", () => {
  it("hold the same types and factories as the eager registries", async () => {
    assert.deepEqual(Object.keys(sourceFactoryLoaders).sort(), Object.keys(sourceFactories).sort());
    assert.deepEqual(Object.keys(targetFactoryLoaders).sort(), Object.keys(targetFactories).sort());
    for (const [type, load] of Object.entries(sourceFactoryLoaders)) assert.equal(await load(), sourceFactories[type], type);
    for (const [type, load] of Object.entries(targetFactoryLoaders)) assert.equal(await load(), targetFactories[type], type);
  });

  it("load each type's own option schema, and a naming for every source type", async () => {
    assert.deepEqual(Object.keys(sourceOptionSchemaLoaders).sort(), Object.keys(sourceFactories).sort());
    assert.deepEqual(Object.keys(targetOptionSchemaLoaders).sort(), Object.keys(targetFactories).sort());
    assert.deepEqual(Object.keys(sourceNamingLoaders).sort(), Object.keys(sourceFactories).sort());
    for (const [type, load] of Object.entries(sourceOptionSchemaLoaders)) assert.equal(await load(), sourceFactories[type]?.schema, type);
    for (const [type, load] of Object.entries(targetOptionSchemaLoaders)) assert.equal(await load(), targetFactories[type]?.schema, type);
  });

  it("load only the option schemas of the types a config names", async () => {
    const registry = await loadOptionsRegistry(config);
    assert.deepEqual(Object.keys(registry.sources), ["aws-secrets-manager"]);
    assert.deepEqual(Object.keys(registry.targets), ["env-file"]);
    assert.deepEqual(parseConfig(config, registry), parseConfig(config, optionsRegistry()));
  });

  it("load every schema when a type is unknown, so the error lists every type there is", async () => {
    const bad = { ...config, sources: { sm: { type: "aws-secret-manager" } } };
    const registry = await loadOptionsRegistry(bad);
    assert.deepEqual(Object.keys(registry.sources).sort(), Object.keys(sourceFactories).sort());
    const lazyError = (() => {
      try {
        parseConfig(bad, registry);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    assert.ok(lazyError instanceof Error);
    assert.match(
      lazyError.message,
      /unknown source type 'aws-secret-manager'; expected one of: aws-secrets-manager, aws-ssm, azure-key-vault/,
    );
    assert.throws(() => parseConfig(bad, optionsRegistry()), { message: lazyError.message });
  });

  it("read no types from input that is not a config, and leave the error to parseConfig", async () => {
    for (const input of [null, "text", [], { sources: [1], deployments: { a: null } }]) {
      const registry = await loadOptionsRegistry(input);
      assert.deepEqual(registry, { sources: {}, targets: {} });
    }
  });
});

// Options each type with a builder accepts, and the environment its credentials come from.
const parsedOptionSamples: Record<string, unknown> = {
  "aws-secrets-manager": { connections_prefix: "airflow/connections", region_name: "eu-west-1", sep: "/" },
  "aws-ssm": { variables_prefix: "/airflow/variables", region_name: "eu-west-1" },
  "azure-key-vault": { vault_url: "https://bench.vault.azure.net/", connections_prefix: "airflow-connections" },
  "gcp-secret-manager": { project_id: "my-project", connections_prefix: "airflow-connections" },
  "airflow-api": {
    url: "https://airflow.example.com",
    api_version: 2,
    auth: { type: "basic", username_env: "AF_USER", password_env: "AF_PASS" },
  },
};
const builderCtx = {
  id: "x",
  env: { AF_USER: "u", AF_PASS: "p", AWS_REGION: "eu-west-1" },
  configDir: ".",
  logger: { log() {} },
};

describe("building adapters from options their schema already parsed", () => {
  it("covers only types of the factory registries, each with a sample here", () => {
    for (const type of Object.keys(sourceBuilderLoaders)) assert.ok(Object.hasOwn(sourceFactories, type), type);
    for (const type of Object.keys(targetBuilderLoaders)) assert.ok(Object.hasOwn(targetFactories, type), type);
    assert.deepEqual(
      Object.keys(parsedOptionSamples).sort(),
      [...Object.keys(sourceBuilderLoaders), ...Object.keys(targetBuilderLoaders)].sort(),
    );
  });

  // What makes skipping the parse sound: the parsed options are a fixed point of the schema, and
  // the builder makes from them what the factory makes from the raw ones.
  for (const [type, raw] of Object.entries(parsedOptionSamples)) {
    it(`${type}: the schema's output parses to itself, and builds the adapter the factory builds`, async () => {
      const factory = sourceFactories[type] ?? targetFactories[type];
      assert.ok(factory);
      const parsed = z.parse(factory.schema, raw);
      assert.deepEqual(z.parse(factory.schema, parsed), parsed);
      const isSource = Object.hasOwn(sourceFactories, type);
      const fromParsed = await (isSource ? loadSourceCreate(type, true) : loadTargetCreate(type, true));
      const viaFactory = await (isSource ? loadSourceCreate(type, false) : loadTargetCreate(type, false));
      assert.ok(fromParsed && viaFactory);
      const a = (await fromParsed(parsed, builderCtx)) as object;
      const b = (await viaFactory(raw, builderCtx)) as object & { close?(): Promise<void> };
      assert.equal(a.constructor, b.constructor);
      assert.equal((a as { describe?: string }).describe, (b as { describe?: string }).describe);
      await (a as { close?(): Promise<void> }).close?.();
      await b.close?.();
    });
  }

  it("parses the options whenever they were not parsed already: a bad option is still the factory's error", async () => {
    const viaFactory = await loadTargetCreate("airflow-api", false);
    assert.ok(viaFactory);
    assert.throws(() => viaFactory({ url: "https://airflow.example.com", auth: { type: "basic" }, typo: 1 }, builderCtx));
    // The credentials are checked on both paths.
    const fromParsed = await loadTargetCreate("airflow-api", true);
    const schema = targetFactories["airflow-api"]?.schema;
    assert.ok(schema);
    assert.throws(
      () =>
        fromParsed?.(
          z.parse(schema, { ...(parsedOptionSamples["airflow-api"] as object), auth: { type: "bearer", token_env: "AF_NONE" } }),
          builderCtx,
        ),
      (e: unknown) => e instanceof ConfigError && e.message.includes("AF_NONE"),
    );
  });

  it("falls back to the factory for a type without a builder, and says nothing for an unknown one", async () => {
    assert.equal(typeof (await loadSourceCreate("local", true)), "function");
    assert.equal(await loadSourceCreate("no-such-type", true), undefined);
    assert.equal(await loadTargetCreate("no-such-type", false), undefined);
  });
});
