import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowKey, type Connection, connectionKey, keyString, type SecretSource, type SourceRead, variableKey } from "@afsync/core";
import { canonicalValue } from "@afsync/core/engine/canonicalValue";
import { assertNoSecretLeak } from "./assertNoSecretLeak.ts";

/** What the contract asks an adapter to hold before it hands the source over. */
export interface SourceFixture {
  readonly connections: Readonly<Record<string, Connection>>;
  readonly variables: Readonly<Record<string, string>>;
  /** Connection ids whose stored value must be this raw text, which is not a valid connection. */
  readonly invalidConnections: Readonly<Record<string, string>>;
}

export interface SourceUnderTest {
  readonly source: SecretSource;
  cleanup?(): Promise<void>;
}

export interface SecretSourceContractOptions {
  /** Skip the invalid-value case, with the reason (e.g. the backend cannot store raw text). */
  readonly skipInvalid?: string;
}

export const SOURCE_SECRET_SENTINELS = ["s3ntinel-Pa55word", "s3ntinel-token-9f2", "s3ntinel-var-value", "s3ntinel-raw-invalid"] as const;

export const SOURCE_FIXTURE: SourceFixture = {
  connections: {
    contract_pg: {
      conn_type: "postgres",
      host: "db.example.com",
      login: "app",
      password: "s3ntinel-Pa55word",
      schema: "app",
      port: 5432,
      extra: null,
    },
    contract_http: {
      conn_type: "http",
      host: "api.example.com",
      login: null,
      password: null,
      schema: "",
      port: null,
      extra: { timeout: "30", token: "s3ntinel-token-9f2" },
    },
  },
  variables: { contract_plain: "s3ntinel-var-value", contract_json: '{"a": [1, 2], "b": "ü"}' },
  // Port out of range: Airflow rejects it ("Port could not be cast to integer value" / out of
  // range), and the sentinel sits in the password so a reason that quotes the value is caught.
  invalidConnections: { contract_broken: "postgres://user:s3ntinel-raw-invalid@db.example.com:99999/app" },
};

/**
 * The behaviour every SecretSource owes the engine, run against each adapter: a full listing
 * that returns exactly what is there, per-key reads that answer every key asked (missing is an
 * answer, not an error), naming that maps both ways, and reasons that never echo a value.
 */
export function runSecretSourceContract(
  name: string,
  makeSource: (fixture: SourceFixture) => Promise<SourceUnderTest>,
  options: SecretSourceContractOptions = {},
): void {
  const fixture: SourceFixture = options.skipInvalid === undefined ? SOURCE_FIXTURE : { ...SOURCE_FIXTURE, invalidConnections: {} };
  describe(`SecretSource contract: ${name}`, () => {
    let under: SourceUnderTest;
    before(async () => {
      under = await makeSource(fixture);
    });
    after(async () => {
      await under.source.close?.();
      await under.cleanup?.();
    });

    it("declares usable capabilities", () => {
      assert.ok(under.source.capabilities.batchSize >= 1, "batchSize must be at least 1");
      assert.ok(under.source.id.length > 0 && under.source.provider.length > 0);
    });

    it("lists every key it holds with its normalized value", async () => {
      const reads = await under.source.readAll();
      const found = new Map(reads.filter((r) => r.status === "found").map((r) => [keyString(r.key), r]));
      for (const [id, connection] of Object.entries(fixture.connections)) {
        const read = found.get(`conn:${id}`);
        assert.ok(read?.status === "found", `conn:${id} must be listed`);
        assert.equal(canonicalValue(read.value), canonicalValue({ kind: "connection", connection }), `conn:${id} must read back equal`);
      }
      for (const [id, value] of Object.entries(fixture.variables)) {
        const read = found.get(`var:${id}`);
        assert.ok(read?.status === "found", `var:${id} must be listed`);
        assert.deepEqual(read.value, { kind: "variable", value });
      }
      for (const id of Object.keys(fixture.invalidConnections)) {
        assert.equal(reads.find((r) => keyString(r.key) === `conn:${id}`)?.status, "invalid", `conn:${id} must be listed as invalid`);
      }
    });

    it("answers every key asked, present or missing, once", async () => {
      const keys: AirflowKey[] = [
        connectionKey("contract_pg"),
        variableKey("contract_plain"),
        connectionKey("contract_absent"),
        variableKey("contract_absent"),
      ];
      // The engine never asks for more than `batchSize` keys at once; neither does the contract.
      const size = under.source.capabilities.batchSize;
      const reads: SourceRead[] = [];
      for (let i = 0; i < keys.length; i += size) reads.push(...(await under.source.read(keys.slice(i, i + size))));
      const byKey = new Map(reads.map((r) => [keyString(r.key), r] as const));
      assert.equal(byKey.size, reads.length, "no key may be answered twice");
      assert.equal(byKey.get("conn:contract_pg")?.status, "found");
      assert.equal(byKey.get("var:contract_plain")?.status, "found");
      assert.equal(byKey.get("conn:contract_absent")?.status, "missing");
      assert.equal(byKey.get("var:contract_absent")?.status, "missing");
    });

    it("maps each key to a secret id and the secret id back to the key", () => {
      for (const key of [connectionKey("contract_pg"), variableKey("contract_plain")]) {
        const secretId = under.source.secretIdFor(key);
        assert.ok(secretId !== null, `${keyString(key)} must have a secret id`);
        const mapped = under.source.keysFor(secretId).keys.map(keyString);
        assert.ok(mapped.includes(keyString(key)), `${secretId} must map back to ${keyString(key)}`);
      }
    });

    it("reports an invalid value with a reason that does not contain the value", { skip: options.skipInvalid ?? false }, async () => {
      const reads: SourceRead[] = await under.source.read([connectionKey("contract_broken")]);
      const read = reads[0];
      assert.ok(read?.status === "invalid", "an unparsable value must be reported invalid");
      assert.ok(read.reason.length > 0);
      assertNoSecretLeak([read.reason, JSON.stringify(read)], ["s3ntinel-raw-invalid"]);
    });

    it("never puts a secret in a reason, secret id or error", async () => {
      const reads = [...(await under.source.readAll()), ...(await under.source.read([connectionKey("contract_absent")]))];
      const texts = reads.map((r) => `${r.secretId} ${r.status === "invalid" || r.status === "error" ? r.reason : ""}`);
      assertNoSecretLeak(texts, [...SOURCE_SECRET_SENTINELS]);
    });
  });
}
