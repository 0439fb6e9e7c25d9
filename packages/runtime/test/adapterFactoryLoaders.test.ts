import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { loadOptionsRegistry, sourceFactoryLoaders, targetFactoryLoaders } from "@afsync/runtime/compose/adapterFactoryLoaders";
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
