import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AirflowValue,
  connectionKey,
  type DeploymentTarget,
  LAYER_ORDER,
  type StateRecord,
  type TargetSnapshot,
  variableKey,
} from "@afsync/core";
import { canonicalValue } from "@afsync/core/engine/canonicalValue";
import { assertNoSecretLeak } from "./assertNoSecretLeak.ts";

export interface TargetUnderTest {
  readonly target: DeploymentTarget;
  cleanup?(): Promise<void>;
}

const PG: AirflowValue = {
  kind: "connection",
  connection: {
    conn_type: "postgres",
    host: "db.example.com",
    login: "app",
    password: "t4rget-Pa55:w/rd?#",
    schema: "app",
    port: 5432,
    extra: null,
  },
};
const PG_ROTATED: AirflowValue = {
  kind: "connection",
  connection: {
    conn_type: "postgres",
    host: "db.example.com",
    login: "app",
    password: "t4rget-rotated-Pw",
    schema: "app",
    port: 5432,
    extra: null,
  },
};
const AWS: AirflowValue = {
  kind: "connection",
  connection: {
    conn_type: "aws",
    host: null,
    login: null,
    password: null,
    schema: null,
    port: null,
    extra: { region_name: "eu-west-1", role_arn: "arn:aws:iam::1:role/x" },
  },
};
const JSON_VAR: AirflowValue = { kind: "variable", value: '{"list": [1, 2], "quote": "it\'s \\"x\\"", "unicode": "ü€"}' };
const TRICKY_VAR: AirflowValue = { kind: "variable", value: "line one\nline two # not a comment = still value" };

function record(key: StateRecord["key"], hash: string): StateRecord {
  return { key, sourceId: "contract", hash, appliedAt: "2026-01-01T00:00:00.000Z" };
}

/**
 * The behaviour every DeploymentTarget owes the engine: writes land and read back (by value
 * where the target can read values), updates replace, deletes remove only what they name, keys
 * outside a request are left alone, and targets that keep afsync's state return the manifest
 * they were given. `makeTarget` must return an empty target.
 */
export function runDeploymentTargetContract(name: string, makeTarget: () => Promise<TargetUnderTest>): void {
  describe(`DeploymentTarget contract: ${name}`, () => {
    let under: TargetUnderTest;
    let target: DeploymentTarget;
    before(async () => {
      under = await makeTarget();
      target = under.target;
    });
    after(async () => {
      await target.close?.();
      await under.cleanup?.();
    });

    const canonicalAt = (snapshot: TargetSnapshot, key: `conn:${string}` | `var:${string}`) => {
      const entry = snapshot.entries.get(key);
      return entry?.value === undefined ? undefined : canonicalValue(entry.value);
    };

    it("declares its layer and usable capabilities", () => {
      assert.ok(LAYER_ORDER.includes(target.layer));
      assert.ok(target.capabilities.maxBatch >= 1);
      assert.ok(target.type.length > 0 && target.describe.length > 0);
    });

    it("reads empty before anything is applied", async () => {
      const snapshot = await target.read();
      assert.equal(snapshot.entries.size, 0);
      if (target.capabilities.holdsState) assert.ok(snapshot.manifest === null || snapshot.manifest?.length === 0);
    });

    it("applies creates and reads them back", async () => {
      const outcome = await target.apply({
        upserts: [
          { key: connectionKey("contract_pg"), value: PG },
          { key: connectionKey("contract_aws"), value: AWS },
          { key: variableKey("contract_json"), value: JSON_VAR },
          { key: variableKey("contract_tricky"), value: TRICKY_VAR },
        ],
        deletes: [],
        manifest: [
          record("conn:contract_pg", "aa"),
          record("conn:contract_aws", "bb"),
          record("var:contract_json", "cc"),
          record("var:contract_tricky", "dd"),
        ],
      });
      assert.ok(
        outcome.results.every((r) => r.ok),
        JSON.stringify(outcome.results.filter((r) => !r.ok).map((r) => r.key)),
      );
      const snapshot = await target.read();
      for (const key of ["conn:contract_pg", "conn:contract_aws", "var:contract_json", "var:contract_tricky"] as const) {
        assert.ok(snapshot.entries.has(key), `${key} must be present after apply`);
      }
      if (target.capabilities.readsValues) {
        assert.equal(canonicalAt(snapshot, "conn:contract_pg"), canonicalValue(PG));
        assert.equal(canonicalAt(snapshot, "conn:contract_aws"), canonicalValue(AWS));
        assert.equal(canonicalAt(snapshot, "var:contract_json"), canonicalValue(JSON_VAR));
        assert.equal(canonicalAt(snapshot, "var:contract_tricky"), canonicalValue(TRICKY_VAR));
      }
      if (target.capabilities.holdsState)
        assert.deepEqual(
          new Set(snapshot.manifest?.map((r) => r.key)),
          new Set(["conn:contract_pg", "conn:contract_aws", "var:contract_json", "var:contract_tricky"]),
        );
    });

    it("replaces a value on update and leaves keys outside the request alone", async () => {
      await target.apply({ upserts: [{ key: connectionKey("contract_pg"), value: PG_ROTATED }], deletes: [], manifest: [] });
      const snapshot = await target.read();
      assert.ok(snapshot.entries.has("conn:contract_aws") && snapshot.entries.has("var:contract_json"));
      if (target.capabilities.readsValues) assert.equal(canonicalAt(snapshot, "conn:contract_pg"), canonicalValue(PG_ROTATED));
    });

    it("deletes only the keys it is asked to", async () => {
      const outcome = await target.apply({ upserts: [], deletes: [variableKey("contract_tricky")], manifest: [] });
      assert.ok(outcome.results.every((r) => r.ok));
      const snapshot = await target.read();
      assert.equal(snapshot.entries.has("var:contract_tricky"), false);
      assert.ok(snapshot.entries.has("conn:contract_pg") && snapshot.entries.has("var:contract_json"));
    });

    it("accepts an empty request without changing anything", async () => {
      const beforeSnapshot = await target.read();
      await target.apply({ upserts: [], deletes: [], manifest: beforeSnapshot.manifest ?? [] });
      const afterSnapshot = await target.read();
      assert.deepEqual([...afterSnapshot.entries.keys()].sort(), [...beforeSnapshot.entries.keys()].sort());
    });

    it("keeps secrets out of its description and its apply results", async () => {
      const outcome = await target.apply({ upserts: [{ key: connectionKey("contract_pg"), value: PG }], deletes: [], manifest: [] });
      assertNoSecretLeak([target.describe, JSON.stringify(outcome)], ["t4rget-Pa55:w/rd?#", "t4rget-rotated-Pw"]);
    });

    it("says which keys it cannot hold: a control character in a key, never a plain one (checkKeys)", () => {
      assert.equal(typeof target.checkKeys, "function", "every adapter implements checkKeys");
      const injected = variableKey("x\nAIRFLOW__CORE__LOAD_EXAMPLES");
      const problems =
        target.checkKeys?.([connectionKey("contract_pg"), variableKey("contract_json"), injected, connectionKey("db\r")]) ?? [];
      assert.deepEqual(problems.map((p) => p.key).sort(), ["conn:db\r", "var:x\nAIRFLOW__CORE__LOAD_EXAMPLES"]);
      for (const p of problems) assert.match(p.reason, /control or line-break character \(U\+000[AD] at position \d+\)/);
    });

    it("refuses to write a key it cannot hold even when asked directly, and writes the rest", async () => {
      const injected = variableKey("x\nAIRFLOW__CORE__LOAD_EXAMPLES");
      const outcome = await target.apply({
        upserts: [
          { key: injected, value: { kind: "variable", value: "True" } },
          { key: variableKey("contract_after_refusal"), value: { kind: "variable", value: "kept" } },
        ],
        deletes: [],
        manifest: [record("var:contract_after_refusal", "ee")],
      });
      const byKey = new Map(outcome.results.map((r) => [r.key, r]));
      assert.equal(byKey.get("var:x\nAIRFLOW__CORE__LOAD_EXAMPLES")?.ok, false);
      assert.equal(byKey.get("var:contract_after_refusal")?.ok, true);
      const snapshot = await target.read();
      assert.ok(snapshot.entries.has("var:contract_after_refusal"));
      assert.ok(
        [...snapshot.entries.keys()].every((k) => !k.includes("LOAD_EXAMPLES") && !k.includes("load_examples")),
        "no entry was injected",
      );
    });
  });
}
