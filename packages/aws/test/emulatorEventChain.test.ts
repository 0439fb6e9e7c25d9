import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { keyString } from "@afsync/core";
import { resolveHints } from "@afsync/core/engine/resolveHints";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { coalesceHints } from "@afsync/runtime/edge/coalesceHints";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { DeleteParameterCommand, LabelParameterVersionCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createAwsSecretsManagerSource, createAwsSsmSource } from "../src/awsSourceFactory.ts";
import { parseAwsEvent } from "../src/events/parseAwsEvent.ts";

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

  it("folds the six events of one rotation into one re-read, and reports a failed rotation as a notice", async () => {
    await sm.send(new CreateSecretCommand({ Name: "airflow/connections/rotated", SecretString: "postgres://u:old@h/db" }));
    emu.clearEvents();
    emu.setRotation("airflow/connections/rotated", () => "postgres://u:new@h/db");
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: "airflow/connections/rotated" }));
    const names = emu.events.map((e) => String(e.detail.eventName ?? e["detail-type"]));
    assert.deepEqual(names, [
      "RotateSecret",
      "RotationStarted",
      "PutSecretValue",
      "UpdateSecretVersionStage",
      "Secret Label Updated",
      "RotationSucceeded",
    ]);
    const parsed = emu.events.flatMap((e) => parseAwsEvent(e));
    assert.deepEqual(
      parsed.map((h) => h.action),
      ["ignore", "ignore", "ignore", "upsert", "upsert", "upsert"],
    );
    const [one, ...rest] = coalesceHints(parsed);
    assert.equal(rest.length, 0);
    assert.equal(one?.action, "upsert");
    assert.equal(one?.secretId, "airflow/connections/rotated");
    const env = { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };
    const source = createAwsSecretsManagerSource({}, { id: "aws-prod", env });
    const [read] = await source.read([{ kind: "connection", id: "rotated" }]);
    assert.ok(read?.status === "found" && read.value.kind === "connection" && read.value.connection.password === "new");
    assert.equal(read.version?.id, rotated.VersionId);
    await source.close();
    emu.clearEvents();
    emu.setRotation("airflow/connections/rotated", () => {
      throw new Error("database unreachable");
    });
    await sm.send(new RotateSecretCommand({ SecretId: "airflow/connections/rotated" }));
    const failed = coalesceHints(emu.events.flatMap((e) => parseAwsEvent(e)));
    assert.deepEqual(
      failed.map((h) => h.action),
      ["notice"],
    );
    assert.match(failed[0]?.reason ?? "", /database unreachable/);
    emu.clearEvents();
  });

  it("maps Parameter Store writes", async () => {
    await ssm.send(new PutParameterCommand({ Name: "/airflow/variables/env", Value: "dev", Type: "SecureString" }));
    await ssm.send(new PutParameterCommand({ Name: "/airflow/variables/env", Value: "prod", Overwrite: true }));
    await ssm.send(new LabelParameterVersionCommand({ Name: "/airflow/variables/env", ParameterVersion: 1, Labels: ["stable"] }));
    await ssm.send(new DeleteParameterCommand({ Name: "/airflow/variables/env" }));
    const hints = hintsSinceLastCheck();
    assert.equal(hints[2]?.action, "ignore");
    assert.deepEqual(
      [hints[0], hints[1], hints[3]],
      [
        { action: "upsert", keys: ["var:env"], version: undefined, source: "aws-params" },
        { action: "upsert", keys: ["var:env"], version: undefined, source: "aws-params" },
        { action: "delete", keys: ["var:env"], version: undefined, source: "aws-params" },
      ],
    );
  });
});
