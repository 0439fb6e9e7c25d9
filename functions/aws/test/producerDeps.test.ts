import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionKey, silentLogger as quiet } from "@afsync/core";
import { lambdaDepsFromEnv } from "../src/runtime/lambdaDepsFromEnv.ts";
import { producerDepsFromEnv } from "../src/runtime/producerDepsFromEnv.ts";
import { lambdaConfigYaml } from "./support/lambdaConfigYaml.ts";

// The deployed config's shape: state kept on the target (HMAC key from the env), a target with
// credentials from the env. None of those variables is set here, as in the events and reconcile
// functions, whose roles may read no deploy-time secret.
const config = lambdaConfigYaml("https://airflow.example.com", {
  deployments: "  astro: { target: { type: astro-env-vars, organization_id: o, deployment_id: d }, sources: [aws-ssm] }\n",
  top: "state: { type: target, hmac_key_env: AFSYNC_HMAC_KEY }\n",
});
const env: NodeJS.ProcessEnv = {
  AFSYNC_CONFIG: config,
  AFSYNC_QUEUE_URL: "http://127.0.0.1:9/000000000000/afsync-test-sync.fifo",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDFAKE",
  AWS_SECRET_ACCESS_KEY: "fake",
};

describe("producerDepsFromEnv", () => {
  it("builds the routing (Deployment → sources) without the HMAC key or any target credential", async () => {
    const deps = await producerDepsFromEnv(env, { logger: quiet })();
    assert.deepEqual(
      deps.bindings.map((b) => [b.id, b.sources.map((s) => s.id)]),
      [
        ["prod", ["aws-sm", "aws-ssm"]],
        ["astro", ["aws-ssm"]],
      ],
    );
    assert.equal(deps.webhookSecret, undefined);
  });

  it("routes with the AWS sources' naming rules alone: no source client, so no provider SDK on its cold start", async () => {
    const deps = await producerDepsFromEnv(env, { logger: quiet })();
    const sources = deps.bindings.flatMap((b) => b.sources);
    assert.deepEqual(
      sources.map((s) => [s.id, s.provider, "readAll" in s]),
      [
        ["aws-sm", "aws-secrets-manager", false],
        ["aws-ssm", "aws-ssm", false],
        ["aws-ssm", "aws-ssm", false],
      ],
    );
    assert.deepEqual(sources[0]?.keysFor("arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/db-AbC123").keys, [
      connectionKey("db"),
    ]);
  });

  it("leaves the HMAC key to the worker's runtime, which fails without it", async () => {
    await assert.rejects(lambdaDepsFromEnv(env, { logger: quiet })(), /hmac_key_env/);
  });

  it("reads the webhook secret from the variable serve.webhook_secret_env names", async () => {
    const deps = await producerDepsFromEnv(
      { ...env, AFSYNC_CONFIG: `${config}serve: { webhook_secret_env: HOOK }\n`, HOOK: "s3cret-value" },
      { logger: quiet },
    )();
    assert.equal(deps.webhookSecret, "s3cret-value");
  });
});
