import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { ConfigError } from "@afsync/core/errors";
import { z } from "zod";

const registry = {
  sources: { local: z.strictObject({ connections_file_path: z.string().optional(), variables_file_path: z.string().optional() }) },
  targets: {
    "airflow-settings": z.strictObject({ path: z.string() }),
    "env-file": z.strictObject({ path: z.string() }),
    "airflow-api": z.strictObject({ base_url: z.string(), token_env: z.string() }),
  },
};

function example(): Record<string, unknown> {
  return {
    sources: {
      "team-files": { type: "local", connections_file_path: "secrets/connections.yaml", variables_file_path: "secrets/variables.yaml" },
    },
    deployments: {
      dev: {
        target: { type: "airflow-settings", path: "astro-project/airflow_settings.yaml" },
        sources: ["team-files"],
        deletion: "retain",
        adopt: false,
        include: ["*"],
        exclude: [],
      },
      "dev-env": { target: { type: "env-file", path: "astro-project/.env" }, sources: ["team-files"] },
    },
    state: { type: "sqlite", path: ".afsync/state.db" },
    serve: { host: "127.0.0.1", port: 8080, reconcile_every: "15m", webhook_secret_env: "AFSYNC_WEBHOOK_SECRET" },
  };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

describe("parseConfig", () => {
  it("parses the example config with defaults filled in", () => {
    const config = parseConfig(example(), registry);
    assert.deepEqual(
      config.sources.map((s) => [s.id, s.type]),
      [["team-files", "local"]],
    );
    const devEnv = config.deployments.find((d) => d.id === "dev-env");
    assert.deepEqual(devEnv, {
      id: "dev-env",
      target: { type: "env-file", options: { path: "astro-project/.env" } },
      sources: ["team-files"],
      deletion: "retain",
      adopt: false,
      include: ["*"],
      exclude: [],
    });
    assert.deepEqual(config.state, { type: "sqlite", path: ".afsync/state.db" });
    assert.deepEqual(config.serve, { host: "127.0.0.1", port: 8080, reconcileEveryMs: 900_000, webhookSecretEnv: "AFSYNC_WEBHOOK_SECRET" });
  });

  it("defaults state to sqlite and serve to loopback when they are absent", () => {
    const doc = example();
    delete doc.state;
    delete doc.serve;
    const config = parseConfig(doc, registry);
    assert.deepEqual(config.state, { type: "sqlite", path: ".afsync/state.db" });
    assert.equal(config.serve.host, "127.0.0.1");
    assert.equal(config.serve.reconcileEveryMs, 900_000);
  });

  it("names the path of an unknown key in a target's options and suggests the right one", () => {
    const doc = example();
    (doc.deployments as Record<string, Record<string, unknown>>).dev = {
      target: { type: "airflow-settings", pth: "x" },
      sources: ["team-files"],
    };
    const error = configError(() => parseConfig(doc, registry));
    assert.equal(error.code, "INVALID_CONFIG");
    assert.match(error.message, /^deployments\.dev\.target\.pth: unknown key \(did you mean 'path'\?\)/);
  });

  it("rejects an unknown key in a Deployment and at the top level", () => {
    const doc = example();
    (doc.deployments as Record<string, Record<string, unknown>>).dev = {
      target: { type: "env-file", path: "x" },
      sources: ["team-files"],
      adpot: true,
    };
    doc.sorces = {};
    const error = configError(() => parseConfig(doc, registry));
    assert.match(error.message, /sorces: unknown key \(did you mean 'sources'\?\)/);
    assert.match(error.message, /deployments\.dev\.adpot: unknown key \(did you mean 'adopt'\?\)/);
  });

  it("says what was expected and what was found", () => {
    const doc = example();
    (doc.deployments as Record<string, Record<string, unknown>>).dev = {
      target: { type: "env-file", path: "x" },
      sources: ["team-files"],
      deletion: "purge",
      adopt: "yes",
    };
    const error = configError(() => parseConfig(doc, registry));
    assert.match(error.message, /deployments\.dev\.deletion: expected one of "retain", "delete", found 'purge'/);
    assert.match(error.message, /deployments\.dev\.adopt: expected a boolean, found 'yes'/);
  });

  it("rejects references to sources that are not defined", () => {
    const doc = example();
    (doc.deployments as Record<string, Record<string, unknown>>).dev = {
      target: { type: "env-file", path: "x" },
      sources: ["team-files", "team-file"],
      observe: { secrets_backend: "vault" },
    };
    const error = configError(() => parseConfig(doc, registry));
    assert.equal(error.path, "deployments.dev.sources[1]");
    assert.match(error.message, /unknown source 'team-file'; defined sources: team-files/);
    assert.match(error.message, /deployments\.dev\.observe\.secrets_backend: unknown source 'vault'/);
  });

  it("rejects an unknown source or target type, listing the known ones", () => {
    const doc = example();
    (doc.sources as Record<string, unknown>)["team-files"] = { type: "locl" };
    const error = configError(() => parseConfig(doc, registry));
    assert.equal(error.path, "sources.team-files.type");
    assert.match(error.message, /unknown source type 'locl'; expected one of: local/);
  });

  it("refuses inline credentials without echoing them", () => {
    const doc = example();
    (doc.deployments as Record<string, Record<string, unknown>>).dev = {
      target: { type: "airflow-api", base_url: "http://127.0.0.1:1", token: "hunter2-inline-secret" },
      sources: ["team-files"],
    };
    const error = configError(() => parseConfig(doc, registry));
    assert.equal(error.path, "deployments.dev.target.token");
    assert.match(error.message, /credentials are never inline: .* 'token_env'/);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it("finds inline credentials nested in options too", () => {
    const doc = example();
    (doc.deployments as Record<string, Record<string, unknown>>).dev = {
      target: {
        type: "airflow-api",
        base_url: "http://127.0.0.1:1",
        token_env: "T",
        auth: { type: "basic", username: "u", password: "nested-inline-Pw" },
      },
      sources: ["team-files"],
    };
    const error = configError(() => parseConfig(doc, registry));
    assert.equal(error.path, "deployments.dev.target.auth.password");
    assert.doesNotMatch(error.message, /nested-inline-Pw/);
  });

  it("rejects a bad duration, port and env var name in serve", () => {
    const doc = example();
    doc.serve = { port: 70000, reconcile_every: "soon", webhook_secret_env: "not a name" };
    const error = configError(() => parseConfig(doc, registry));
    assert.match(error.message, /serve\.port: /);
    assert.match(error.message, /serve\.reconcile_every: must be a duration like 30s, 15m or 1h/);
    assert.match(error.message, /serve\.webhook_secret_env: must be an environment variable name/);
  });

  it("reads serve.pubsub_push (audience and service account) and names what is wrong in it", () => {
    const doc = example();
    doc.serve = { pubsub_push: { audience: "https://afsync.example.com/pubsub", service_account: "push@p.iam.gserviceaccount.com" } };
    assert.deepEqual(parseConfig(doc, registry).serve.pubsubPush, {
      audience: "https://afsync.example.com/pubsub",
      serviceAccount: "push@p.iam.gserviceaccount.com",
    });
    doc.serve = { pubsub_push: { audience: "", service_account: "nobody", audiance: "x" } };
    const error = configError(() => parseConfig(doc, registry));
    assert.match(error.message, /serve\.pubsub_push/);
    assert.match(error.message, /audiance/);
    doc.serve = { pubsub_push: { audience: "a", service_account: "nobody" } };
    assert.match(
      configError(() => parseConfig(doc, registry)).message,
      /serve\.pubsub_push\.service_account: must be the push subscription's service account email/,
    );
  });

  it("accepts the memory and target state stores", () => {
    const doc = example();
    doc.state = { type: "target" };
    assert.deepEqual(parseConfig(doc, registry).state, { type: "target", hmacKeyEnv: "AFSYNC_HMAC_KEY" });
    doc.state = { type: "memory" };
    assert.deepEqual(parseConfig(doc, registry).state, { type: "memory" });
  });

  it("rejects a document that is not a mapping, and empty sections", () => {
    assert.match(configError(() => parseConfig("sources: x", registry)).message, /must be a mapping/);
    const error = configError(() => parseConfig({ sources: {}, deployments: {} }, registry));
    assert.match(error.message, /^sources: define at least one entry/);
  });
});
