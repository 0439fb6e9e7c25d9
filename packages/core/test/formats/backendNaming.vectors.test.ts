import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  keyMatchesSecretId,
  keysForSecretId,
  type NamingKind,
  normalizeBackendName,
  type SecretId,
  secretIdForKey,
  secretIdText,
} from "../../src/formats/backendNaming.ts";
import { loadVectors } from "./vectors.ts";

interface NamingCase {
  backend: string;
  kind: NamingKind;
  key: string;
  config: Record<string, unknown>;
  expected_secret_id: SecretId | null;
  versions: string;
  team_lookup_order?: SecretId[];
}
interface GcpPrefixCase {
  connections_prefix: string;
  sep: string;
  valid: boolean;
}
const vectors = loadVectors<{ cases: NamingCase[]; gcp_prefix_validation: GcpPrefixCase[] }>("backend-naming.json");

function backendOf(name: string) {
  const b = normalizeBackendName(name);
  assert.ok(b, `backend ${name} is known`);
  return b;
}

describe("secretIdForKey against backend-naming.json cases[]", () => {
  vectors.cases.forEach((c, i) => {
    const label = `#${i} ${c.backend} ${c.kind} '${c.key}' ${JSON.stringify(c.config)}`;
    if (c.expected_secret_id === null) {
      it(`${label}: is never looked up, and says why (${c.versions})`, () => {
        const r = secretIdForKey(backendOf(c.backend), c.kind, c.key, c.config);
        assert.equal(r.ok, false);
        assert.ok(!r.ok && r.reason.length > 0);
      });
      return;
    }
    it(`${label}: looks up ${JSON.stringify(c.expected_secret_id)} (${c.versions})`, () => {
      const r = secretIdForKey(backendOf(c.backend), c.kind, c.key, c.config);
      assert.ok(r.ok, r.ok ? "" : r.reason);
      assert.deepEqual(r.secretId, c.expected_secret_id);
    });
    it(`${label}: the secret id maps back to the key`, () => {
      const backend = backendOf(c.backend);
      const id = secretIdText(c.expected_secret_id as SecretId);
      const r = keysForSecretId(backend, id, c.config);
      assert.ok(r.ok, r.ok ? "" : r.reason);
      assert.equal(r.kind, c.kind);
      // env var names ignore case, so the reverse gives the lower-cased key
      assert.ok(r.keys.includes(backend === "env" ? c.key.toLowerCase() : c.key), JSON.stringify(r.keys));
      assert.ok(keyMatchesSecretId(backend, c.kind, c.key, id, c.config));
    });
    if (c.team_lookup_order) {
      const order = c.team_lookup_order;
      it(`${label}: in multi-team mode tries the team id first (${c.versions})`, () => {
        const r = secretIdForKey(backendOf(c.backend), c.kind, c.key, { ...c.config, multi_team: true });
        assert.ok(r.ok);
        const tried = r.lookupOrder ?? [r.secretId];
        assert.deepEqual(tried.slice(0, order.length), order);
      });
      if (c.backend !== "hashicorp_vault") {
        it(`${label}: the team-scoped id maps back to the key and names the team`, () => {
          const r = keysForSecretId(backendOf(c.backend), secretIdText(order[0] as SecretId), { ...c.config, multi_team: true });
          assert.ok(r.ok, r.ok ? "" : r.reason);
          assert.equal(r.kind, c.kind);
          assert.ok(r.keys.includes(c.key), JSON.stringify(r.keys));
          assert.match(r.note ?? "", /team/);
        });
      }
    }
  });
});

describe("GCP prefix validation (backend-naming.json gcp_prefix_validation[])", () => {
  for (const c of vectors.gcp_prefix_validation) {
    it(`prefix '${c.connections_prefix}' with sep '${c.sep}' is ${c.valid ? "accepted" : "refused at start-up"}`, () => {
      const r = secretIdForKey("gcp-secret-manager", "connection", "x", { connections_prefix: c.connections_prefix, sep: c.sep });
      assert.equal(r.ok, c.valid);
    });
  }
});

describe("keysForSecretId", () => {
  it("returns every Key Vault candidate, underscore form first, and says how to pick", () => {
    const r = keysForSecretId("azure-key-vault", "airflow-connections-my-db");
    assert.ok(r.ok);
    assert.equal(r.kind, "connection");
    assert.deepEqual(r.keys, ["my_db", "my-db"]);
    assert.match(r.note ?? "", /keyMatchesSecretId/);
  });

  it("reads a Vault KV v2 API path", () => {
    const r = keysForSecretId("vault", "secret/data/connections/smtp_default");
    assert.deepEqual(r, { ok: true, kind: "connection", keys: ["smtp_default"] });
  });

  it("says when a secret is under no configured prefix", () => {
    const r = keysForSecretId("aws-secrets-manager", "other/thing");
    assert.equal(r.ok, false);
  });

  it("refuses an id that a lookup pattern excludes", () => {
    const r = keysForSecretId("aws-secrets-manager", "airflow/variables/test", { variables_lookup_pattern: "dummy" });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /never looks/);
  });

  it("maps an SSM parameter and an env var back", () => {
    assert.deepEqual(keysForSecretId("aws-ssm", "/airflow/variables/hello"), { ok: true, kind: "variable", keys: ["hello"] });
    const env = keysForSecretId("env", "AIRFLOW_CONN_MY_DB");
    assert.ok(env.ok && env.kind === "connection" && env.keys[0] === "my_db");
  });
});
