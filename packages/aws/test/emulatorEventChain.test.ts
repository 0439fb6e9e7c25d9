import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { keyString } from "@afsync/core";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createAwsSecretsManagerSource, createAwsSsmSource } from "../src/awsSourceFactories.ts";
import { coalesceHints } from "../src/events/coalesceHints.ts";
import { parseAwsEvent } from "../src/events/parseAwsEvent.ts";
import { resolveHints } from "../src/events/resolveHints.ts";

/** Real SDK writes → the emulator's EventBridge events → hints resolved against real sources. */
describe("event chain: SDK write → EventBridge event → hint → source key", () => {
  let emu: AwsEmulator;
  let sm: SecretsManagerClient;
  let ssm: SSMClient;
  before(async () => {
    emu = await startAwsEmulator();
    const config = {
      endpoint: emu.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
      maxAttempts: 1,
    };
    sm = new SecretsManagerClient(config);
    ssm = new SSMClient(config);
  });
  after(async () => {
    sm.destroy();
    ssm.destroy();
    await emu.close();
  });

  function hintsSinceLastCheck() {
    const env = { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };
    const sources = [createAwsSecretsManagerSource({}, { id: "aws-prod", env }), createAwsSsmSource({}, { id: "aws-params", env })];
    const hints = resolveHints(
      emu.events.flatMap((e) => parseAwsEvent(e)),
      sources,
    );
    emu.clearEvents();
    return hints.map((h) => ({ action: h.action, keys: h.keys?.map(keyString), version: h.version, source: h.sourceId }));
  }

  it("maps a create, a new value and a rollback to upserts naming the exact version", async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: "airflow/connections/db", SecretString: "postgres://u:a@h/db" }));
    const put = await sm.send(new PutSecretValueCommand({ SecretId: "airflow/connections/db", SecretString: "postgres://u:b@h/db" }));
    const burst = emu.events.flatMap((e) => parseAwsEvent(e));
    const hints = hintsSinceLastCheck();
    assert.ok(hints.length >= 4 && hints.every((h) => h.action === "upsert" && h.source === "aws-prod" && h.keys?.[0] === "conn:db"));
    assert.ok(hints.some((h) => h.version === put.VersionId));
    // Create and put (a CloudTrail record and a label event each) fold into one re-read.
    assert.deepEqual(
      coalesceHints(burst).map((h) => [h.action, h.secretId]),
      [["upsert", "airflow/connections/db"]],
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: created.ARN,
        VersionStage: "AWSCURRENT",
        MoveToVersionId: created.VersionId,
        RemoveFromVersionId: put.VersionId,
      }),
    );
    const rollback = hintsSinceLastCheck();
    assert.ok(rollback.length >= 1 && rollback.every((h) => h.action === "upsert" && h.version === created.VersionId));
  });

  it("maps delete and restore, ignores tags, and ignores secrets outside the prefixes", async () => {
    await sm.send(new TagResourceCommand({ SecretId: "airflow/connections/db", Tags: [{ Key: "team", Value: "data" }] }));
    assert.deepEqual(
      hintsSinceLastCheck().map((h) => h.action),
      ["ignore"],
    );
    await sm.send(new DeleteSecretCommand({ SecretId: "airflow/connections/db" }));
    assert.deepEqual(
      hintsSinceLastCheck().map((h) => h.action),
      ["delete"],
    );
    await sm.send(new RestoreSecretCommand({ SecretId: "airflow/connections/db" }));
    assert.deepEqual(
      hintsSinceLastCheck().map((h) => h.action),
      ["upsert"],
    );
    await sm.send(new CreateSecretCommand({ Name: "app/other", SecretString: "x" }));
    assert.ok(hintsSinceLastCheck().every((h) => h.action === "ignore"));
  });

  it("maps Parameter Store writes", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/airflow/variables/env", Value: "dev", Type: "SecureString" }));
    await ssm.send(new PutParameterCommand({ Name: "/airflow/variables/env", Value: "prod", Overwrite: true }));
    await ssm.send(new DeleteParameterCommand({ Name: "/airflow/variables/env" }));
    assert.deepEqual(hintsSinceLastCheck(), [
      { action: "upsert", keys: ["var:env"], version: undefined, source: "aws-params" },
      { action: "upsert", keys: ["var:env"], version: undefined, source: "aws-params" },
      { action: "delete", keys: ["var:env"], version: undefined, source: "aws-params" },
    ]);
  });
});
