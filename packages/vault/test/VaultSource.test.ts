import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectionKey, keyString, variableKey } from "@afsync/core";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runSecretSourceContract, type SourceFixture } from "@afsync/testing/runSecretSourceContract";
import { createVaultSource } from "../src/vaultSourceFactory.ts";

function seedFixture(emu: VaultEmulator, mount: string, fixture: SourceFixture): void {
  for (const [id, conn] of Object.entries(fixture.connections)) {
    // One as the dict of fields, one under conn_uri: both shapes Airflow's VaultBackend reads.
    if (conn.extra) {
      const fields = Object.fromEntries(Object.entries(conn).filter(([, v]) => v !== null));
      emu.seed(`${mount}/connections/${id}`, fields);
    } else emu.seed(`${mount}/connections/${id}`, { conn_uri: connectionToUri(conn) });
  }
  for (const [id, value] of Object.entries(fixture.variables)) emu.seed(`${mount}/variables/${id}`, { value });
  for (const [id, raw] of Object.entries(fixture.invalidConnections)) emu.seed(`${mount}/connections/${id}`, { conn_uri: raw });
  emu.seed(`${mount}/unrelated/app`, { value: "x" });
}

runSecretSourceContract("vault (KV v2)", async (fixture) => {
  const emu = await startVaultEmulator();
  seedFixture(emu, "secret", fixture);
  return {
    source: createVaultSource({}, { id: "vault-kv2", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } }),
    cleanup: () => emu.close(),
  };
});

runSecretSourceContract("vault (KV v1)", async (fixture) => {
  const emu = await startVaultEmulator({ mounts: { kv: 1 } });
  seedFixture(emu, "kv", fixture);
  return {
    source: createVaultSource(
      { mount_point: "kv", kv_engine_version: 1 },
      { id: "vault-kv1", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } },
    ),
    cleanup: () => emu.close(),
  };
});

describe("VaultSource", () => {
  let emu: VaultEmulator;
  const env = () => ({ VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken });
  before(async () => {
    emu = await startVaultEmulator({ namespaces: ["ns1"] });
  });
  after(async () => {
    await emu.close();
  });

  it("lists recursively: a conn id with '/' is a nested path, and a name can be both a secret and a folder", async () => {
    emu.seed("secret/rec/connections/foo", { conn_uri: "http://h1" });
    emu.seed("secret/rec/connections/foo/bar", { conn_uri: "http://h2" });
    emu.seed("secret/rec/connections/team/a/db", { conn_uri: "postgres://h3/db" });
    const source = createVaultSource({ connections_path: "rec/connections", variables_path: null }, { id: "v", env: env() });
    const reads = await source.readAll();
    assert.deepEqual(reads.map((r) => keyString(r.key)).sort(), ["conn:foo", "conn:foo/bar", "conn:team/a/db"]);
    assert.equal(source.secretIdFor(connectionKey("foo/bar")), "secret/rec/connections/foo/bar");
  });

  it("lists current versions from metadata alone, naming soft-deleted and destroyed ones, and reads no value", async () => {
    emu.seed("secret/ver/variables/live", { value: "v1" });
    emu.write("secret/ver/variables/live", { value: "v2" });
    emu.seed("secret/ver/variables/gone", { value: "x" });
    emu.seed("secret/ver/variables/burnt", { value: "y" });
    const token = { "X-Vault-Token": emu.rootToken };
    await fetch(`${emu.url}/v1/secret/data/ver/variables/gone`, { method: "DELETE", headers: token });
    await fetch(`${emu.url}/v1/secret/destroy/ver/variables/burnt`, {
      method: "PUT",
      headers: token,
      body: JSON.stringify({ versions: [1] }),
    });
    const source = createVaultSource({ variables_path: "ver/variables", connections_path: null }, { id: "v", env: env() });
    emu.resetCalls();
    const versions = await source.listMetadata();
    const byKey = Object.fromEntries(versions.map((v) => [v.keys.map(keyString).join(), `${v.currentVersion} ${v.state}`]));
    assert.deepEqual(byKey, { "var:live": "2 current", "var:gone": "1 deleted", "var:burnt": "1 destroyed" });
    assert.equal(emu.calls("kv-v2/read"), 0, "no secret value is read");
    assert.equal(emu.calls("kv-v2/metadata-read"), 3);
    const listed = await source.listVersions();
    assert.equal(emu.calls("kv-v2/read"), 0, "the port's listing reads no value either");
    assert.deepEqual(
      listed.map((l) => keyString(l.key)),
      ["var:live"],
      "a deleted or destroyed current version is not listed",
    );
    const reads = await source.read([variableKey("live"), variableKey("gone"), variableKey("burnt")]);
    assert.deepEqual(
      reads.map((r) => `${r.status}${r.status === "found" ? ` ${r.version?.id?.split("@")[0]}` : ""}`),
      ["found 2", "missing", "missing"],
      "Airflow reads nothing for a deleted or destroyed current version",
    );
    const [live] = reads;
    assert.equal(live?.status === "found" ? live.version?.id : undefined, listed[0]?.version.id, "listing and read name one version alike");
    assert.match(listed[0]?.version.id ?? "", /^2@\d{4}-/, "the version's creation time tells a recreated secret's 2 from this one");
  });

  it("reads in the namespace from the options or VAULT_NAMESPACE, and ignores ids from other namespaces", async () => {
    emu.seed("secret/connections/nsdb", { conn_uri: "postgres://root-ns/db" });
    emu.seed("secret/connections/nsdb", { conn_uri: "postgres://ns1/db" }, { namespace: "ns1" });
    const viaEnv = createVaultSource({}, { id: "v", env: { ...env(), VAULT_NAMESPACE: "ns1" } });
    const [r] = await viaEnv.read([connectionKey("nsdb")]);
    assert.equal(r?.status === "found" && r.value.kind === "connection" ? r.value.connection.host : undefined, "ns1");
    assert.equal(viaEnv.secretIdFor(connectionKey("nsdb")), "ns1/secret/connections/nsdb");
    assert.deepEqual(viaEnv.keysFor("ns1/secret/connections/nsdb").keys.map(keyString), ["conn:nsdb"]);
    assert.match(viaEnv.keysFor("secret/connections/nsdb").ignoredReason ?? "", /outside namespace ns1/);
  });

  it("reads a team's path first and the global path otherwise (multi-team)", async () => {
    emu.seed("secret/mt/connections/team_a/db", { conn_uri: "postgres://team-a/db" });
    emu.seed("secret/mt/connections/db", { conn_uri: "postgres://global/db" });
    emu.seed("secret/mt/connections/shared", { conn_uri: "postgres://global/shared" });
    const source = createVaultSource(
      { connections_path: "mt/connections", variables_path: null, multi_team: true, team_name: "team_a" },
      { id: "v", env: env() },
    );
    const hosts = Object.fromEntries(
      (await source.readAll()).map((r) => [
        keyString(r.key),
        r.status === "found" && r.value.kind === "connection" ? r.value.connection.host : r.status,
      ]),
    );
    assert.deepEqual(hosts, { "conn:db": "team-a", "conn:shared": "global" });
  });

  it("retries 503 and 412, and fails a listing it cannot make instead of reporting everything deleted", async () => {
    emu.seed("secret/flaky/connections/db", { conn_uri: "postgres://u:flaky-pw-44@h/db" });
    const source = createVaultSource(
      { connections_path: "flaky/connections", variables_path: null },
      { id: "v", env: env(), retryBaseMs: 1 },
    );
    emu.inject({ status: 503, operationId: "kv-v2/read" });
    emu.inject({ status: 412, operationId: "kv-v2/list" });
    assert.equal((await source.readAll()).length, 1);
    emu.inject({ status: 403, operationId: "kv-v2/list", times: 2 });
    await assert.rejects(source.readAll(), (err: Error) => {
      assert.match(err.message, /Vault LIST of secret\/flaky\/connections \(source v\) failed: HTTP 403/);
      assertNoSecretLeak([err.message], ["flaky-pw-44"]);
      return true;
    });
  });
});
