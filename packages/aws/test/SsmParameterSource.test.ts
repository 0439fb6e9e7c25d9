import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectionKey, keyString, variableKey } from "@afsync/core";
import { connectionToJson } from "@afsync/core/formats/connectionJson";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { isOlderVersion } from "@afsync/core/model/SourceVersion";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { runSecretSourceContract } from "@afsync/testing/runSecretSourceContract";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createAwsSsmSource } from "../src/awsSourceFactory.ts";

function envFor(emu: AwsEmulator): NodeJS.ProcessEnv {
  return { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };
}

runSecretSourceContract("aws-ssm", async (fixture) => {
  const emu = await startAwsEmulator();
  for (const [id, conn] of Object.entries(fixture.connections)) {
    emu.seedParameter({
      name: `/airflow/connections/${id}`,
      value: conn.extra ? connectionToJson(conn) : connectionToUri(conn),
      type: "SecureString",
    });
  }
  for (const [id, value] of Object.entries(fixture.variables))
    emu.seedParameter({ name: `/airflow/variables/${id}`, value, type: "SecureString" });
  for (const [id, raw] of Object.entries(fixture.invalidConnections))
    emu.seedParameter({ name: `/airflow/connections/${id}`, value: raw, type: "SecureString" });
  emu.seedParameter({ name: "/elsewhere/x", value: "x" });
  return { source: createAwsSsmSource({ region_name: "us-east-1" }, { id: "aws-params", env: envFor(emu) }), cleanup: () => emu.close() };
});

describe("SsmParameterSource", () => {
  let emu: AwsEmulator;
  before(async () => {
    emu = await startAwsEmulator();
  });
  after(async () => {
    await emu.close();
  });

  it("lists versions with DescribeParameters, 50 a page and no value, naming the version a read returns", async () => {
    for (let i = 0; i < 60; i++) emu.seedParameter({ name: `/d/connections/c${i}`, value: `http://h${i}`, type: "SecureString" });
    emu.seedParameter({ name: "/d/connections/deeper/x", value: "http://x" });
    emu.seedParameter({ name: "/d/elsewhere", value: "not listed" });
    const source = createAwsSsmSource({ connections_prefix: "d/connections", variables_prefix: null }, { id: "d", env: envFor(emu) });
    emu.resetCalls();
    const listed = await source.listVersions();
    assert.equal(listed.length, 61);
    assert.deepEqual(
      [emu.calls("DescribeParameters"), emu.calls("GetParameters"), emu.calls("GetParametersByPath")],
      [Math.ceil(61 / 50), 0, 0],
      "the listing reads no value",
    );
    const reads = await source.readAll();
    const byKey = new Map(reads.map((r) => [keyString(r.key), r.status === "found" ? r.version?.id : undefined]));
    assert.ok(
      listed.every((l) => byKey.get(keyString(l.key)) === l.version.id),
      "listing and read name one version alike",
    );

    // Deleted and created again: Version restarts at 1, the id does not repeat.
    const before = listed.find((l) => l.key.id === "c0")?.version.id;
    const { DeleteParameterCommand, PutParameterCommand, SSMClient } = await import("@aws-sdk/client-ssm");
    const client = new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials: { accessKeyId: "A", secretAccessKey: "B" } });
    await client.send(new DeleteParameterCommand({ Name: "/d/connections/c0" }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await client.send(new PutParameterCommand({ Name: "/d/connections/c0", Value: "http://recreated", Type: "SecureString" }));
    const after = (await source.listVersions()).find((l) => l.key.id === "c0")?.version;
    assert.match(after?.id ?? "", /^1@\d+$/, "the number restarts at 1; the id carries the time");
    assert.notEqual(after?.id, before);
    client.destroy();
    emu.inject({ op: "DescribeParameters", status: 500, times: 5 }); // afsync's 5 attempts
    await assert.rejects(source.listVersions(), (e: unknown) => (e as { code?: string }).code === "REMOTE_CALL_FAILED");
    await source.close();
  });

  it("walks each prefix with paged GetParametersByPath and reads named keys 10 per GetParameters call", async () => {
    for (let i = 0; i < 35; i++) emu.seedParameter({ name: `/w/connections/c${i}`, value: `http://h${i}`, type: "SecureString" });
    emu.seedParameter({ name: "/w/variables/v", value: "plain" });
    const source = createAwsSsmSource(
      { connections_prefix: "w/connections", variables_prefix: "/w/variables/" },
      { id: "w", env: envFor(emu) },
    );
    emu.resetCalls();
    const all = await source.readAll();
    assert.equal(all.filter((r) => r.status === "found").length, 36);
    assert.equal(emu.calls("GetParametersByPath"), Math.ceil(35 / 10) + 1);
    const found = all.find((r) => r.key.id === "c1");
    assert.ok(found?.status === "found" && /^1@\d+$/.test(found.version?.id ?? "") && typeof found.version?.order === "number");
    emu.resetCalls();
    const some = await source.read([
      ...Array.from({ length: 12 }, (_, i) => connectionKey(`c${i}`)),
      connectionKey("nope"),
      variableKey("v"),
    ]);
    assert.equal(emu.calls("GetParameters"), 2);
    assert.equal(some.find((r) => r.key.id === "nope")?.status, "missing");
    assert.equal(some.filter((r) => r.status === "found").length, 13);
    await source.close();
  });

  it("maps parameter names and ARNs back to keys and ignores names outside the prefixes", () => {
    const source = createAwsSsmSource({}, { id: "n", env: envFor(emu) });
    assert.deepEqual(source.keysFor("/airflow/connections/db").keys, [connectionKey("db")]);
    assert.deepEqual(source.keysFor("arn:aws:ssm:us-east-1:123456789012:parameter/airflow/variables/k").keys, [variableKey("k")]);
    assert.ok(source.keysFor("MyExampleParameter").ignoredReason);
    assert.equal(source.secretIdFor(connectionKey("db")), "/airflow/connections/db");
  });

  it("reports a value Airflow cannot parse as invalid", async () => {
    emu.seedParameter({ name: "/airflow/connections/bad", value: '{"conn_type": "http", "port": "nope"}' });
    const source = createAwsSsmSource({}, { id: "b", env: envFor(emu) });
    const [read] = await source.read([connectionKey("bad")]);
    assert.equal(read?.status, "invalid");
    await source.close();
  });

  it("orders a parameter recreated after DeleteParameter after the deleted one, though SSM numbers it from 1 again (storm seed 665327337)", async () => {
    const client = new SSMClient({
      endpoint: emu.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    });
    const source = createAwsSsmSource({ variables_prefix: "/re/variables" }, { id: "re", env: envFor(emu) });
    const readV = async () => {
      const [read] = await source.read([variableKey("v")]);
      assert.ok(read?.status === "found");
      return read.version;
    };
    await client.send(new PutParameterCommand({ Name: "/re/variables/v", Value: "one", Type: "SecureString" }));
    emu.advanceTime(1000);
    await client.send(new PutParameterCommand({ Name: "/re/variables/v", Value: "two", Type: "SecureString", Overwrite: true }));
    const applied = await readV();
    assert.match(applied?.id ?? "", /^2@\d+$/);
    emu.advanceTime(1000);
    await client.send(new DeleteParameterCommand({ Name: "/re/variables/v" }));
    await client.send(new PutParameterCommand({ Name: "/re/variables/v", Value: "three", Type: "SecureString" }));
    const recreated = await readV();
    assert.match(recreated?.id ?? "", /^1@\d+$/, "SSM restarts the version count");
    assert.equal(isOlderVersion(recreated, applied), false, "yet the new value is not taken for an older one");
    assert.equal(isOlderVersion(applied, recreated), true);
    client.destroy();
  });
});
