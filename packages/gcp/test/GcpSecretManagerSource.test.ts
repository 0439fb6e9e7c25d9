import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError, connectionKey, keyString, RemoteCallError, variableKey } from "@afsync/core";
import { connectionToJson } from "@afsync/core/formats/connectionJson";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { isOlderVersion } from "@afsync/core/model/SourceVersion";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runSecretSourceContract } from "@afsync/testing/runSecretSourceContract";
import type { GcpSecretManagerSource, GcpSourceTuning } from "../src/GcpSecretManagerSource.ts";
import { createGcpSecretManagerSource } from "../src/gcpSourceFactory.ts";
import { adminClient } from "./adminClient.ts";

const FAST: GcpSourceTuning = { concurrency: 4, listPageSize: 100, retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 } };

function sourceFor(
  emu: GcpEmulator,
  options: Record<string, unknown> = {},
  tuning: GcpSourceTuning = FAST,
): Promise<GcpSecretManagerSource> {
  return createGcpSecretManagerSource(
    { project_id: emu.project.id, api_endpoint: emu.endpoint, ...options },
    { id: "gcp-prod", env: {}, tuning },
  );
}

runSecretSourceContract("gcp-secret-manager", async (fixture) => {
  const emu = await startGcpEmulator();
  for (const [id, conn] of Object.entries(fixture.connections)) {
    // One as a URI, one as Airflow's JSON form: the backend reads both.
    emu.seedSecret({ secretId: `airflow-connections-${id}`, versions: [conn.extra ? connectionToJson(conn) : connectionToUri(conn)] });
  }
  for (const [id, value] of Object.entries(fixture.variables)) emu.seedSecret({ secretId: `airflow-variables-${id}`, versions: [value] });
  for (const [id, raw] of Object.entries(fixture.invalidConnections))
    emu.seedSecret({ secretId: `airflow-connections-${id}`, versions: [raw] });
  emu.seedSecret({ secretId: "unrelated-secret", versions: ["x"] });
  emu.seedSecret({ secretId: "airflow-config-sql_alchemy_conn", versions: ["sqlite://"] });
  return { source: await sourceFor(emu), cleanup: () => emu.close() };
});

describe("GcpSecretManagerSource", () => {
  let emu: GcpEmulator;
  before(async () => {
    emu = await startGcpEmulator();
  });
  after(async () => {
    await emu.close();
  });

  it("reconciles 300 secrets with one filtered listing (paged) and one access per secret, at bounded concurrency", async () => {
    for (let i = 0; i < 300; i++) emu.seedSecret({ secretId: `bulk-c${i}`, versions: [`postgres://u:p${i}@h${i}:5432/db`] });
    for (let i = 0; i < 5; i++) emu.seedSecret({ secretId: `xbulk-c${i}`, versions: ["postgres://u:p@h/db"] }); // contains the prefix, does not start with it
    const source = await sourceFor(emu, { connections_prefix: "bulk", variables_prefix: null, sep: "-" });
    emu.resetCalls();
    emu.inject({ latencyMs: 2, times: Number.POSITIVE_INFINITY, operationId: "AccessSecretVersion" });
    const reads = await source.readAll();
    assert.equal(reads.filter((r) => r.status === "found").length, 300);
    assert.ok(
      reads.every((r) => !r.secretId.startsWith("xbulk")),
      "a substring match is not a prefix match",
    );
    assert.equal(emu.calls("ListSecrets"), Math.ceil(305 / 100));
    assert.equal(emu.calls("AccessSecretVersion"), 300);
    assert.ok(emu.maxInFlight("AccessSecretVersion") <= FAST.concurrency, `at most ${FAST.concurrency} access calls in flight`);
    await source.close();
  });

  it("reports a DISABLED or DESTROYED latest version as what it is, never as a deletion", async () => {
    emu.seedSecret({
      secretId: "airflow-connections-rotated",
      versions: ["postgres://u:s3ntinel-old@h/db", "postgres://u:s3ntinel-new@h/db"],
    });
    const source = await sourceFor(emu);
    const versionName = `projects/${source.projectId}/secrets/airflow-connections-rotated/versions/2`;
    const client = adminClient(emu);
    await client.disableSecretVersion({ name: versionName });
    const [disabled] = await source.read([connectionKey("rotated")]);
    assert.equal(disabled?.status, "invalid");
    assert.match(disabled?.status === "invalid" ? disabled.reason : "", /latest version 2 is DISABLED/);
    assert.deepEqual(disabled?.status === "invalid" ? disabled.version : undefined, { id: "2" });
    await client.destroySecretVersion({ name: versionName });
    const [destroyed] = await source.read([connectionKey("rotated")]);
    assert.match(destroyed?.status === "invalid" ? destroyed.reason : "", /latest version 2 is DESTROYED/);
    assertNoSecretLeak([JSON.stringify(destroyed)], ["s3ntinel-new", "s3ntinel-old"]);
    await client.close();
    await source.close();
  });

  it("reads the version an event names, unless latest has moved past it", async () => {
    emu.seedSecret({ secretId: "airflow-variables-pinned", versions: ["one", "two", "three"] });
    const source = await sourceFor(emu);
    const key = variableKey("pinned");
    const pin = (v: string) => new Map([[keyString(key), v]]);
    const [current] = await source.read([key], pin("3"));
    assert.deepEqual(current?.status === "found" ? [current.value, current.version] : [], [
      { kind: "variable", value: "three" },
      { id: "3" },
    ]);
    // A late SECRET_VERSION_ADD for version 1 (or an old version re-enabled): Airflow reads latest.
    const [late] = await source.read([key], pin("projects/123/secrets/airflow-variables-pinned/versions/1"));
    assert.equal(late?.status === "found" ? late.value.kind === "variable" && late.value.value : undefined, "three");
    emu.resetCalls();
    await source.read([key], pin("3"));
    assert.equal(emu.calls("AccessSecretVersion"), 2, "the exact version and latest, together");
    await source.close();
  });

  it("a secret deleted and created again (versions from 1 again) is never taken for an older version (GCP storm seed 20261201)", async () => {
    const client = adminClient(emu);
    const parent = `projects/${emu.project.id}`;
    const name = `${parent}/secrets/airflow-variables-reborn`;
    emu.seedSecret({ secretId: "airflow-variables-reborn", versions: ["old-1", "old-2", "old-3"] });
    const source = await sourceFor(emu);
    const key = variableKey("reborn");
    const [before] = await source.read([key]);
    await client.deleteSecret({ name });
    await client.createSecret({ parent, secretId: "airflow-variables-reborn", secret: { replication: { automatic: {} } } });
    await client.addSecretVersion({ parent: name, payload: { data: Buffer.from("new-1") } });
    const [after] = await source.read([key]);
    assert.equal(after?.status === "found" && after.value.kind === "variable" ? after.value.value : undefined, "new-1");
    const versions = [before, after].map((r) => (r?.status === "found" ? r.version : undefined));
    assert.deepEqual(versions, [{ id: "3" }, { id: "1" }]);
    assert.equal(isOlderVersion(versions[1], versions[0]), false, "the engine must not keep the deleted secret's value");
    await client.close();
    await source.close();
  });

  it("retries RESOURCE_EXHAUSTED and UNAVAILABLE, and says so when retries run out", async () => {
    emu.seedSecret({ secretId: "airflow-variables-retry", versions: ["v"] });
    const source = await sourceFor(emu);
    emu.resetCalls();
    emu.inject({ status: 429, times: 2, operationId: "AccessSecretVersion" });
    emu.inject({ status: 503, times: 1, operationId: "ListSecrets" });
    const [read] = await source.read([variableKey("retry")]);
    assert.equal(read?.status, "found");
    assert.equal(emu.calls("AccessSecretVersion"), 3);
    assert.ok((await source.readAll()).some((r) => r.secretId === "airflow-variables-retry"));
    assert.equal(emu.calls("ListSecrets"), 2);
    emu.inject({ status: 429, times: FAST.retry.attempts, operationId: "AccessSecretVersion" });
    const [exhausted] = await source.read([variableKey("retry")]);
    assert.deepEqual(exhausted?.status === "error" ? exhausted.reason : undefined, "AccessSecretVersion failed: RESOURCE_EXHAUSTED");
    emu.inject({ status: 403, times: 1, operationId: "ListSecrets" });
    await assert.rejects(
      source.readAll(),
      (e: unknown) => e instanceof RemoteCallError && /ListSecrets .* failed: PERMISSION_DENIED/.test(e.message) && e.errorClass === "user",
    );
    await source.close();
  });

  it("refuses a payload that is not UTF-8 and reads Airflow's JSON connection form", async () => {
    emu.seedSecret({ secretId: "airflow-connections-binary", versions: [new Uint8Array([0xff, 0xfe, 0x00])] });
    emu.seedSecret({ secretId: "airflow-connections-json", versions: [' {"conn_type": "http", "host": "h", "extra": {"k": "v"}}'] });
    const source = await sourceFor(emu);
    const reads = await source.read([connectionKey("binary"), connectionKey("json")]);
    assert.match(reads[0]?.status === "invalid" ? reads[0].reason : "", /not UTF-8/);
    assert.deepEqual(reads[1]?.status === "found" && reads[1].value.kind === "connection" ? reads[1].value.connection.extra : undefined, {
      k: "v",
    });
    await source.close();
  });

  it("maps names both ways under Airflow's rules, including the secret-id characters", async () => {
    const source = await sourceFor(emu, { project_number: emu.project.number });
    assert.equal(source.secretIdFor(connectionKey("my_db")), "airflow-connections-my_db");
    assert.equal(
      source.secretIdFor(connectionKey("my.db")),
      null,
      "Secret Manager ids allow [A-Za-z0-9_-] only: Airflow never finds such a key",
    );
    assert.equal(source.secretIdFor(variableKey("x".repeat(300))), null, "ids are at most 255 characters");
    const n = emu.project.number;
    assert.deepEqual(source.keysFor(`projects/${n}/secrets/airflow-variables-hello`).keys, [variableKey("hello")]);
    assert.deepEqual(source.keysFor(`projects/${emu.project.id}/secrets/airflow-connections-db`).keys, [connectionKey("db")]);
    assert.match(
      source.keysFor(`projects/999/secrets/airflow-connections-db`).ignoredReason ?? "",
      /in project 999; this source reads project/,
    );
    assert.match(
      source.keysFor(`projects/${n}/locations/europe-west1/secrets/airflow-connections-db`).ignoredReason ?? "",
      /regional secret/,
    );
    assert.match(source.keysFor("airflow-config-core").ignoredReason ?? "", /config secret/);
    assert.ok(source.keysFor("elsewhere-db").ignoredReason, "a secret outside the prefixes is ignored with a reason");
    await source.close();
    const unnumbered = await sourceFor(emu);
    assert.deepEqual(
      unnumbered.keysFor("projects/999/secrets/airflow-connections-db").keys,
      [connectionKey("db")],
      "without project_number, match on the name",
    );
    await unnumbered.close();
  });
});

describe("gcp-secret-manager options and credentials", () => {
  const base = { project_id: "my-project", api_endpoint: "127.0.0.1:1" };
  const create = (options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, configDir?: string) =>
    createGcpSecretManagerSource(options, { id: "g", env, ...(configDir ? { configDir } : {}) });

  it("refuses inline credentials, unknown keys and a prefix Airflow refuses, without echoing values", async () => {
    await assert.rejects(create({ ...base, gcp_keyfile_dict: { private_key: "s3ntinel-key" } }), (e: Error) => {
      assert.match(e.message, /never written in afsync.yaml/);
      assertNoSecretLeak([e.message], ["s3ntinel-key"]);
      return true;
    });
    await assert.rejects(create({ ...base, conections_prefix: "x" }), /conections_prefix/);
    await assert.rejects(create({ ...base, connections_prefix: "a/b", sep: "/" }), /connections_prefix \+ sep must match/);
    await assert.rejects(create({ ...base, gcp_key_path: "k.json", gcp_keyfile_dict_env: "K" }), /mutually exclusive/);
  });

  it("takes the project from the key file, the variable gcp_keyfile_dict_env names, ADC's file or the environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-gcp-"));
    const key = JSON.stringify({
      type: "service_account",
      project_id: "from-key-file",
      client_email: "sa@x.iam.gserviceaccount.com",
      private_key: "s3ntinel-pk",
    });
    writeFileSync(join(dir, "key.json"), key);
    const endpoint = { api_endpoint: "127.0.0.1:1" };
    const projectOf = async (options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => {
      const source = await create(options, env, dir);
      const id = source.projectId;
      await source.close();
      return id;
    };
    assert.equal(await projectOf({ ...endpoint, gcp_key_path: "key.json" }), "from-key-file");
    assert.equal(await projectOf({ ...endpoint, gcp_keyfile_dict_env: "SA_KEY" }, { SA_KEY: key }), "from-key-file");
    assert.equal(await projectOf(endpoint, { GOOGLE_APPLICATION_CREDENTIALS: join(dir, "key.json") }), "from-key-file");
    assert.equal(await projectOf(endpoint, { GOOGLE_CLOUD_PROJECT: "from-env" }), "from-env");
    assert.equal(await projectOf({ ...endpoint, project_id: "explicit-one", gcp_key_path: "key.json" }), "explicit-one");
    await assert.rejects(
      create(endpoint, {}),
      (e: unknown) => e instanceof ConfigError && /project_id: the project could not be determined/.test(e.message),
    );
    await assert.rejects(create({ ...endpoint, gcp_keyfile_dict_env: "SA_KEY" }, { SA_KEY: "{not json s3ntinel-pk" }), (e: Error) => {
      assert.match(e.message, /gcp_keyfile_dict_env: environment variable SA_KEY is not valid JSON/);
      assertNoSecretLeak([e.message], ["s3ntinel-pk"]);
      return true;
    });
    await assert.rejects(
      create({ ...endpoint, gcp_key_path: "missing.json" }, {}, dir),
      /gcp_key_path: cannot read the key file .*missing\.json \(ENOENT\)/,
    );
  });
});
