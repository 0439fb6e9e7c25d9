import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keysForSecretId, secretIdForKey } from "../../src/formats/backendNaming.ts";

const order = (r: ReturnType<typeof secretIdForKey>) => (r.ok ? (r.lookupOrder ?? [r.secretId]) : r.reason);

describe("Vault paths (VaultBackend._get_secret_with_base, then the client's _parse_secret_path)", () => {
  it("builds the team path with build_path's '/', so an empty connections_path gives /team_a/…", () => {
    assert.deepEqual(order(secretIdForKey("vault", "connection", "db", { multi_team: true, team_name: "team_a", connections_path: "" })), [
      { mount_point: "secret", path: "/team_a/db" },
      { mount_point: "secret", path: "db" },
    ]);
  });

  it("falls back to global_secrets_path in multi-team mode, with or without a team", () => {
    const kwargs = { multi_team: true, global_secrets_path: "shared/" };
    assert.deepEqual(order(secretIdForKey("vault", "variable", "v", { ...kwargs, team_name: "t" })), [
      { mount_point: "secret", path: "variables/t/v" },
      { mount_point: "secret", path: "variables/shared/v" },
    ]);
    assert.deepEqual(order(secretIdForKey("vault", "variable", "v", kwargs)), [{ mount_point: "secret", path: "variables/shared/v" }]);
    assert.deepEqual(order(secretIdForKey("vault", "variable", "v", { ...kwargs, team_name: "t", use_team_secrets_path: false })), [
      { mount_point: "secret", path: "variables/shared/v" },
    ]);
  });

  it("takes no team for config", () => {
    assert.deepEqual(order(secretIdForKey("vault", "config", "k", { multi_team: true, team_name: "t" })), [
      { mount_point: "secret", path: "config/k" },
    ]);
  });

  it("with mount_point null or '', reads the mount from the key, and an empty first segment from the path", () => {
    for (const mount_point of [null, ""]) {
      assert.deepEqual(order(secretIdForKey("vault", "connection", "kv/db", { mount_point })), [
        { mount_point: "kv", path: "connections/db" },
      ]);
      // `/db`: the key's mount is "", so the client splits `connections/db` instead.
      assert.deepEqual(order(secretIdForKey("vault", "connection", "/db", { mount_point })), [{ mount_point: "connections", path: "db" }]);
      // nothing left to split: the client raises InvalidPath and nothing is looked up
      const r = secretIdForKey("vault", "connection", "/db", { mount_point, connections_path: "" });
      assert.ok(!r.ok && /InvalidPath/.test(r.reason));
    }
  });

  it("reads a team-scoped id of an empty base path back to its key", () => {
    const r = keysForSecretId("vault", "secret//team_a/db", { multi_team: true, team_name: "team_a", connections_path: "" });
    assert.ok(r.ok, r.ok ? "" : r.reason);
    assert.deepEqual(r.keys, ["db"]);
  });
});

describe("Key Vault multi-team ids (AzureKeyVaultBackend._get_secret)", () => {
  it("tries the team-scoped id, then the plain one, for a key that contains '--'", () => {
    assert.deepEqual(order(secretIdForKey("azure-key-vault", "connection", "a--b", { multi_team: true, team_name: "team_x" })), [
      "airflow-connections-team-x--a--b",
      "airflow-connections-a--b",
    ]);
  });

  it("never looks up a key that reads as team-scoped outside a team", () => {
    for (const key of ["a--b", "a_--b", "a---b"]) {
      const r = secretIdForKey("azure-key-vault", "variable", key);
      assert.ok(!r.ok && /team-scoped/.test(r.reason), key);
    }
    // `[^-]+--.+` does not match these, so they are looked up as they are
    for (const key of ["--a", "a--", "a-b--c"]) assert.ok(secretIdForKey("azure-key-vault", "variable", key).ok, key);
  });

  it("has no team-scoped id for an empty team name (`if team_name:`) and none for config", () => {
    assert.deepEqual(order(secretIdForKey("azure-key-vault", "connection", "db", { multi_team: true, team_name: "" })), [
      "airflow-connections-db",
    ]);
    assert.deepEqual(order(secretIdForKey("azure-key-vault", "config", "a--b", { multi_team: true, team_name: "t" })), [
      "airflow-config-a--b",
    ]);
  });
});
