import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectionKey, keyString, variableKey } from "@afsync/core";
import { connectionToJson } from "@afsync/core/formats/connectionJson";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runSecretSourceContract } from "@afsync/testing/runSecretSourceContract";
import { createAwsSecretsManagerSource } from "../src/awsSourceFactory.ts";

function envFor(emu: AwsEmulator, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake", ...extra };
}

// Invalid values are covered below with values Airflow itself rejects.
runSecretSourceContract("aws-secrets-manager", async (fixture) => {
  const emu = await startAwsEmulator();
  for (const [id, conn] of Object.entries(fixture.connections)) {
    // One as a URI, one as the JSON form, as both appear in real accounts.
    emu.seedSecret({ name: `airflow/connections/${id}`, secretString: conn.extra ? connectionToJson(conn) : connectionToUri(conn) });
  }
  for (const [id, value] of Object.entries(fixture.variables)) emu.seedSecret({ name: `airflow/variables/${id}`, secretString: value });
  for (const [id, raw] of Object.entries(fixture.invalidConnections))
    emu.seedSecret({ name: `airflow/connections/${id}`, secretString: raw });
  emu.seedSecret({ name: "unrelated/secret", secretString: "x" });
  return {
    source: createAwsSecretsManagerSource({ region_name: "us-east-1" }, { id: "aws-prod", env: envFor(emu) }),
    cleanup: () => emu.close(),
  };
});

describe("SecretsManagerSource", () => {
  let emu: AwsEmulator;
  before(async () => {
    emu = await startAwsEmulator();
  });
  after(async () => {
    await emu.close();
  });

  it("reads 1,000 secrets whole with ceil(1000/20) filtered BatchGetSecretValue calls and no separate listing", async () => {
    for (let i = 0; i < 1000; i++) emu.seedSecret({ name: `bulk/connections/c${i}`, secretString: `postgres://u:p${i}@h${i}:5432/db` });
    const source = createAwsSecretsManagerSource(
      { connections_prefix: "bulk/connections", variables_prefix: null },
      { id: "bulk", env: envFor(emu) },
    );
    emu.resetCalls();
    const reads = await source.readAll();
    assert.equal(reads.filter((r) => r.status === "found").length, 1000);
    assert.equal(emu.calls("BatchGetSecretValue"), Math.ceil(1000 / 20));
    assert.equal(emu.calls("ListSecrets"), 0);
    assert.equal(emu.calls("GetSecretValue"), 0);
    emu.resetCalls();
    const listed = await source.listVersions();
    assert.equal(listed.length, 1000);
    assert.deepEqual(
      [emu.calls("ListSecrets"), emu.calls("BatchGetSecretValue")],
      [Math.ceil(1000 / 100), 0],
      "the listing reads no value",
    );
    const byKey = new Map(reads.map((r) => [keyString(r.key), r.status === "found" ? r.version?.id : undefined]));
    assert.ok(
      listed.every((l) => byKey.get(keyString(l.key)) === l.version.id),
      "the listing names the AWSCURRENT VersionId the read returned",
    );
    await source.close();
  });

  it("reads the version an event names, unless it is no longer AWSCURRENT", async () => {
    const first = emu.seedSecret({ name: "v/connections/db", secretString: "postgres://u:one@h/db" });
    const source = createAwsSecretsManagerSource({ connections_prefix: "v/connections" }, { id: "v", env: envFor(emu) });
    const key = connectionKey("db");
    const [pinned] = await source.read([key], new Map([[keyString(key), first.versionId]]));
    assert.equal(pinned?.status, "found");
    assert.equal(pinned?.status === "found" ? pinned.version?.id : undefined, first.versionId);
    assert.ok(pinned?.status === "found" && typeof pinned.version?.order === "number");
    // A newer value lands; the late event for the first version must not bring it back.
    const { PutSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
    const client = new SecretsManagerClient({
      endpoint: emu.url,
      region: "us-east-1",
      credentials: { accessKeyId: "A", secretAccessKey: "B" },
    });
    const second = await client.send(new PutSecretValueCommand({ SecretId: "v/connections/db", SecretString: "postgres://u:two@h/db" }));
    client.destroy();
    const [late] = await source.read([key], new Map([[keyString(key), first.versionId]]));
    assert.equal(late?.status === "found" ? late.version?.id : undefined, second.VersionId);
    assert.equal(late?.status === "found" && late.value.kind === "connection" ? late.value.connection.password : undefined, "two");
    await source.close();
  });

  it("reports binary secrets as unsupported, reads rotation-function JSON, and treats deleted secrets as missing", async () => {
    emu.seedSecret({ name: "m/connections/bin", secretBinary: new Uint8Array([1, 2, 3]) });
    emu.seedSecret({
      name: "m/connections/rds",
      secretString: JSON.stringify({ engine: "postgres", host: "db.internal", username: "app", password: "pw", dbname: "app", port: 5432 }),
    });
    emu.seedSecret({
      name: "m/connections/alias",
      secretString: JSON.stringify({ user: "u", pass: "p", server: "s", engine: "postgresql" }),
    });
    emu.seedSecret({ name: "m/connections/broken", secretString: '{"host": "h", "password": "s3ntinel-broken-pw", "port": "not-a-port"' });
    const source = createAwsSecretsManagerSource({ connections_prefix: "m/connections" }, { id: "m", env: envFor(emu) });
    const reads = await source.read(["bin", "rds", "alias", "gone", "broken"].map(connectionKey));
    const byId = new Map(reads.map((r) => [r.key.id, r]));
    const bin = byId.get("bin");
    assert.ok(bin?.status === "invalid" && /binary/.test(bin.reason));
    const rds = byId.get("rds");
    assert.ok(rds?.status === "found" && rds.value.kind === "connection");
    assert.deepEqual([rds.value.connection.conn_type, rds.value.connection.login, rds.value.connection.schema], ["postgres", "app", "app"]);
    const alias = byId.get("alias");
    assert.ok(alias?.status === "found" && alias.value.kind === "connection");
    assert.deepEqual([alias.value.connection.conn_type, alias.value.connection.login, alias.value.connection.host], ["postgres", "u", "s"]);
    assert.equal(byId.get("gone")?.status, "missing");
    const broken = byId.get("broken");
    assert.ok(broken?.status === "invalid" && broken.reason.length > 0);
    assertNoSecretLeak([JSON.stringify(reads)], ["s3ntinel-broken-pw"]);
    await source.close();
  });

  it("retries throttling, reports persistent failures as errors (not deletions) and fails a listing loudly", async () => {
    emu.seedSecret({ name: "t/connections/a", secretString: "http://h" });
    const source = createAwsSecretsManagerSource(
      { connections_prefix: "t/connections" },
      { id: "t", env: envFor(emu, { AWS_MAX_ATTEMPTS: "2" }) },
    );
    emu.inject({ op: "BatchGetSecretValue", status: "ThrottlingException", times: 1 });
    assert.equal((await source.read([connectionKey("a")]))[0]?.status, "found");
    emu.inject({ op: "BatchGetSecretValue", status: 500, times: 2 });
    const [failed] = await source.read([connectionKey("a")]);
    assert.ok(failed?.status === "error" && /InternalServiceError/.test(failed.reason));
    // Both prefixes are read at once, each with 2 attempts: 4 failures exhaust both.
    emu.inject({ op: "BatchGetSecretValue", status: 429, times: 4 });
    await assert.rejects(source.readAll(), (e: unknown) => (e as { code?: string }).code === "REMOTE_CALL_FAILED");
    emu.inject({ op: "ListSecrets", status: 429, times: 4 });
    await assert.rejects(source.listVersions(), (e: unknown) => (e as { code?: string }).code === "REMOTE_CALL_FAILED");
    await source.close();
  });

  it("maps names, full ARNs and partial ARNs to keys, and says why a secret is ignored", () => {
    const source = createAwsSecretsManagerSource({ variables_lookup_pattern: "^team_" }, { id: "p", env: envFor(emu) });
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/db-AbC123";
    assert.deepEqual(source.keysFor(arn).keys, [connectionKey("db")]);
    assert.deepEqual(source.keysFor("arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/db").keys, [
      connectionKey("db"),
    ]);
    assert.deepEqual(source.keysFor("airflow/variables/team_x").keys, [variableKey("team_x")]);
    assert.match(source.keysFor("airflow/variables/other").ignoredReason ?? "", /lookup_pattern/);
    assert.ok(source.keysFor("prod/elsewhere").ignoredReason);
    assert.equal(source.secretIdFor(variableKey("other")), null);
  });

  it("rejects unknown options with the key's name", () => {
    assert.throws(() => createAwsSecretsManagerSource({ connection_prefix: "x" }, { id: "bad", env: {} }), /connection_prefix/);
  });
});
