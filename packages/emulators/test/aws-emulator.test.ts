import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  paginateGetParametersByPath,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { type AwsEmulator, startAwsEmulator } from "../src/aws/startAwsEmulator.ts";

const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };

describe("AWS emulator: Secrets Manager", () => {
  let emu: AwsEmulator;
  let sm: SecretsManagerClient;
  before(async () => {
    emu = await startAwsEmulator();
    sm = new SecretsManagerClient({ endpoint: emu.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });
  after(async () => {
    sm.destroy();
    await emu.close();
  });

  it("creates, rotates labels and reads by name, full ARN, partial ARN and VersionId", async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: "airflow/connections/db", SecretString: "postgres://u:p1@h/db" }));
    assert.match(created.ARN ?? "", /^arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow\/connections\/db-[A-Za-z0-9]{6}$/);
    const put = await sm.send(new PutSecretValueCommand({ SecretId: "airflow/connections/db", SecretString: "postgres://u:p2@h/db" }));
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    assert.equal(byArn.SecretString, "postgres://u:p2@h/db");
    assert.deepEqual(byArn.VersionStages, ["AWSCURRENT"]);
    assert.ok(byArn.CreatedDate instanceof Date);
    const partial = (created.ARN ?? "").replace(/-[A-Za-z0-9]{6}$/, "");
    const old = await sm.send(new GetSecretValueCommand({ SecretId: partial, VersionId: created.VersionId }));
    assert.equal(old.SecretString, "postgres://u:p1@h/db");
    assert.deepEqual(old.VersionStages, ["AWSPREVIOUS"]);
    // Roll back: move AWSCURRENT to the first version (needs RemoveFromVersionId, as on AWS).
    await assert.rejects(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: "airflow/connections/db",
          VersionStage: "AWSCURRENT",
          MoveToVersionId: created.VersionId,
        }),
      ),
      /RemoveFromVersionId/,
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: "airflow/connections/db",
        VersionStage: "AWSCURRENT",
        MoveToVersionId: created.VersionId,
        RemoveFromVersionId: put.VersionId,
      }),
    );
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "airflow/connections/db" }))).SecretString, "postgres://u:p1@h/db");
  });

  it("emits CloudTrail and Secret Label Updated events without the secret value", async () => {
    emu.clearEvents();
    await sm.send(
      new CreateSecretCommand({
        Name: "ev/one",
        SecretString: "sentinel-value-1",
        ClientRequestToken: "afsync-00000000-0000-0000-0000-000000000001",
      }),
    );
    const types = emu.events.map((e) => `${e["detail-type"]}:${String(e.detail.eventName ?? e.detail.labelUpdated)}`);
    assert.deepEqual(types, ["AWS API Call via CloudTrail:CreateSecret", "Secret Label Updated:AWSCURRENT"]);
    const [trail, label] = emu.events;
    assert.equal(trail?.source, "aws.secretsmanager");
    assert.deepEqual(trail?.detail.requestParameters, {
      name: "ev/one",
      clientRequestToken: "afsync-00000000-0000-0000-0000-000000000001",
    });
    assert.equal((trail?.detail.userIdentity as { accessKeyId?: string } | undefined)?.accessKeyId, "AKIDFAKE");
    assert.equal(label?.detail.name, "ev/one");
    assert.equal(label?.resources.length, 1);
    assert.ok(!JSON.stringify(emu.events).includes("sentinel-value-1"));
  });

  it("pages ListSecrets with name filters and batches BatchGetSecretValue with per-secret Errors", async () => {
    for (let i = 0; i < 25; i++) emu.seedSecret({ name: `list/conn/c${String(i).padStart(2, "0")}`, secretString: `v${i}` });
    emu.seedSecret({ name: "other/x", secretString: "x" });
    emu.resetCalls();
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await sm.send(
        new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["list/conn/"] }], MaxResults: 10, NextToken: token }),
      );
      names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ""));
      token = page.NextToken;
    } while (token);
    assert.equal(names.length, 25);
    assert.equal(emu.calls("ListSecrets"), 3);
    const batch = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ["list/conn/c00", "list/conn/missing"] }));
    assert.equal(batch.SecretValues?.[0]?.SecretString, "v0");
    assert.equal(batch.Errors?.[0]?.ErrorCode, "ResourceNotFoundException");
    await assert.rejects(
      sm.send(new BatchGetSecretValueCommand({ SecretIdList: names.concat(["x"]).slice(0, 21) })),
      /length less than or equal to 20/,
    );
  });

  it("treats a deleted secret as gone until restored", async () => {
    emu.seedSecret({ name: "del/me", secretString: "v" });
    await sm.send(new DeleteSecretCommand({ SecretId: "del/me", RecoveryWindowInDays: 7 }));
    await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: "del/me" })), InvalidRequestException);
    await sm.send(new RestoreSecretCommand({ SecretId: "del/me" }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: "del/me" }))).SecretString, "v");
    await sm.send(new DeleteSecretCommand({ SecretId: "del/me", ForceDeleteWithoutRecovery: true }));
    await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: "del/me" })), ResourceNotFoundException);
  });

  it("injects throttling that the SDK's retry strategy absorbs, counting every attempt", async () => {
    emu.seedSecret({ name: "thr/one", secretString: "v" });
    const retrying = new SecretsManagerClient({ endpoint: emu.url, region: "us-east-1", credentials, maxAttempts: 3 });
    emu.resetCalls();
    emu.inject({ op: "GetSecretValue", status: "ThrottlingException", times: 1 });
    emu.inject({ op: "GetSecretValue", status: 429, times: 1 });
    const out = await retrying.send(new GetSecretValueCommand({ SecretId: "thr/one" }));
    assert.equal(out.SecretString, "v");
    assert.equal(emu.calls("GetSecretValue"), 3);
    emu.inject({ op: "GetSecretValue", status: 500, times: 1 });
    await assert.rejects(
      sm.send(new GetSecretValueCommand({ SecretId: "thr/one" })),
      (e: unknown) => (e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode === 500,
    );
    retrying.destroy();
  });
});

describe("AWS emulator: SSM Parameter Store", () => {
  let emu: AwsEmulator;
  let ssm: SSMClient;
  before(async () => {
    emu = await startAwsEmulator();
    ssm = new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });
  after(async () => {
    ssm.destroy();
    await emu.close();
  });

  it("versions parameters, decrypts SecureString only on request and emits Parameter Store Change", async () => {
    const first = await ssm.send(new PutParameterCommand({ Name: "/airflow/variables/k", Value: "one", Type: "SecureString" }));
    assert.equal(first.Version, 1);
    await assert.rejects(ssm.send(new PutParameterCommand({ Name: "/airflow/variables/k", Value: "two" })), ParameterAlreadyExists);
    const second = await ssm.send(new PutParameterCommand({ Name: "/airflow/variables/k", Value: "two", Overwrite: true }));
    assert.equal(second.Version, 2);
    const enc = await ssm.send(new GetParameterCommand({ Name: "/airflow/variables/k" }));
    assert.notEqual(enc.Parameter?.Value, "two");
    const dec = await ssm.send(new GetParameterCommand({ Name: "/airflow/variables/k", WithDecryption: true }));
    assert.equal(dec.Parameter?.Value, "two");
    assert.equal(dec.Parameter?.Type, "SecureString");
    const v1 = await ssm.send(new GetParameterCommand({ Name: "/airflow/variables/k:1", WithDecryption: true }));
    assert.equal(v1.Parameter?.Value, "one");
    await ssm.send(new DeleteParameterCommand({ Name: "/airflow/variables/k" }));
    await assert.rejects(ssm.send(new GetParameterCommand({ Name: "/airflow/variables/k" })), ParameterNotFound);
    assert.deepEqual(
      emu.events.map((e) => [e["detail-type"], e.detail.operation, e.resources[0]]),
      ["Create", "Update", "Delete"].map((op) => [
        "Parameter Store Change",
        op,
        "arn:aws:ssm:us-east-1:123456789012:parameter/airflow/variables/k",
      ]),
    );
  });

  it("pages GetParametersByPath (at most 10 per page) and limits GetParameters to 10 names", async () => {
    for (let i = 0; i < 23; i++) emu.seedParameter({ name: `/p/conn/c${i}`, value: `v${i}` });
    emu.seedParameter({ name: "/p/conn/deep/x", value: "deep" });
    emu.resetCalls();
    const got: string[] = [];
    for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: "/p/conn", Recursive: true, WithDecryption: true })) {
      got.push(...(page.Parameters ?? []).map((p) => p.Name ?? ""));
    }
    assert.equal(got.length, 24);
    assert.equal(emu.calls("GetParametersByPath"), 3);
    const flat: string[] = [];
    for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: "/p/conn" }))
      flat.push(...(page.Parameters ?? []).map((p) => p.Name ?? ""));
    assert.ok(!flat.includes("/p/conn/deep/x"));
    const some = await ssm.send(new GetParametersCommand({ Names: ["/p/conn/c1", "/p/conn/nope"], WithDecryption: true }));
    assert.deepEqual(some.InvalidParameters, ["/p/conn/nope"]);
    await assert.rejects(ssm.send(new GetParametersCommand({ Names: got.slice(0, 11) })), /less than or equal to 10/);
  });
});
