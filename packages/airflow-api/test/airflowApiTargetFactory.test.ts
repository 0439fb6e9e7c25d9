import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, silentLogger } from "@afsync/core";
import { airflowApiTargetFactory } from "../src/airflowApiTargetFactory.ts";

const ctx = (env: NodeJS.ProcessEnv) => ({ id: "etl-prod", env, configDir: "/tmp", logger: silentLogger });
const options = {
  url: "https://airflow.example.com/api/v2",
  api_version: 2,
  auth: { type: "basic", username_env: "AIRFLOW_USER", password_env: "AIRFLOW_PASSWORD" },
};

describe("airflowApiTargetFactory", () => {
  it("builds a target that describes its URL and version, never its credentials", () => {
    const target = airflowApiTargetFactory.create(options, ctx({ AIRFLOW_USER: "svc", AIRFLOW_PASSWORD: "hunter2-secret" }));
    assert.equal(target.type, "airflow-api");
    assert.equal(target.layer, "metadata-db");
    assert.equal(target.describe, "https://airflow.example.com/api/v2 (Airflow REST API v2)");
    assert.equal(target.capabilities.holdsState, true);
    assert.doesNotMatch(target.describe, /hunter2/);
  });

  it("builds its clients without touching Node's fetch classes (the first read of Request loads undici)", () => {
    const names = ["Request", "Response", "Headers"] as const;
    const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
    const touched: string[] = [];
    for (const [name, descriptor] of saved)
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          touched.push(name);
          return descriptor?.get?.call(globalThis) ?? descriptor?.value;
        },
      });
    try {
      for (const version of [1, 2] as const)
        for (const auth of [options.auth, { type: "airflow-token", username_env: "AIRFLOW_USER", password_env: "AIRFLOW_PASSWORD" }])
          airflowApiTargetFactory.create(
            { ...options, api_version: version, auth },
            ctx({ AIRFLOW_USER: "svc", AIRFLOW_PASSWORD: "hunter2-secret" }),
          );
    } finally {
      for (const [name, descriptor] of saved) if (descriptor !== undefined) Object.defineProperty(globalThis, name, descriptor);
    }
    assert.deepEqual(touched, []);
  });

  it("fails with the option's path when an _env variable is unset", () => {
    assert.throws(
      () => airflowApiTargetFactory.create(options, ctx({ AIRFLOW_USER: "svc" })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.path === "deployments.etl-prod.target.auth.password_env" &&
        /AIRFLOW_PASSWORD is not set/.test(error.message),
    );
  });

  it("rejects unknown keys, inline credentials and bad versions in the schema", () => {
    assert.equal(airflowApiTargetFactory.schema.safeParse({ ...options, pth: "x" }).success, false);
    assert.equal(
      airflowApiTargetFactory.schema.safeParse({ ...options, auth: { type: "basic", username: "u", password: "p" } }).success,
      false,
    );
    assert.equal(airflowApiTargetFactory.schema.safeParse({ ...options, api_version: 3 }).success, false);
    assert.equal(airflowApiTargetFactory.schema.safeParse({ ...options, url: "airflow.example.com" }).success, false);
  });

  it("defaults to auto version detection, manifest state and bounded retries", () => {
    const parsed = airflowApiTargetFactory.schema.parse({
      url: "https://a.example.com",
      auth: { type: "bearer", token_env: "ASTRO_API_TOKEN" },
    });
    assert.equal(parsed.api_version, "auto");
    assert.equal(parsed.state, "manifest");
    assert.equal(parsed.manifest_variable, "afsync_manifest");
    const target = airflowApiTargetFactory.create({ ...parsed, state: "none" }, ctx({ ASTRO_API_TOKEN: "t" }));
    assert.equal(target.capabilities.holdsState, false);
    assert.match(target.describe, /auto/);
  });
});
