import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalValue } from "@afsync/core/engine/canonicalValue";
import { isKeySelected, matchesKeyGlob } from "@afsync/core/engine/keySelection";
import { maskedDiff } from "@afsync/core/engine/maskedDiff";
import { pg } from "./engineFixture.ts";

describe("canonicalValue", () => {
  it("is the same for values Airflow treats as the same connection", () => {
    const a = canonicalValue({ kind: "connection", connection: { ...pg(), extra: { b: 1, a: { y: 2, x: 1 } } } });
    const b = canonicalValue({ kind: "connection", connection: { ...pg(), description: null, extra: { a: { x: 1, y: 2 }, b: 1 } } });
    assert.equal(a, b);
    assert.equal(
      canonicalValue({ kind: "connection", connection: { ...pg(), extra: {} } }),
      canonicalValue({ kind: "connection", connection: pg() }),
    );
  });

  it("tells apart values that differ, and variables from connections", () => {
    assert.notEqual(
      canonicalValue({ kind: "connection", connection: pg("x") }),
      canonicalValue({ kind: "connection", connection: pg("y") }),
    );
    assert.notEqual(canonicalValue({ kind: "variable", value: "1" }), canonicalValue({ kind: "variable", value: "1 " }));
    assert.notEqual(
      canonicalValue({ kind: "connection", connection: { ...pg(), port: null } }),
      canonicalValue({ kind: "connection", connection: { ...pg(), port: 5432 } }),
    );
  });

  it("reads port 0 as no port, as Airflow's get_uri and from_json do", () => {
    assert.equal(
      canonicalValue({ kind: "connection", connection: { ...pg(), port: null } }),
      canonicalValue({ kind: "connection", connection: { ...pg(), port: 0 } }),
    );
  });
});

describe("key selection globs", () => {
  it("matches * and ? over key strings, literally otherwise", () => {
    assert.ok(matchesKeyGlob("conn:db_prod", "conn:*_prod"));
    assert.ok(matchesKeyGlob("var:a1", "var:a?"));
    assert.ok(!matchesKeyGlob("conn:db.prod", "conn:db?prod?"));
    assert.ok(!matchesKeyGlob("conn:dbxprod", "conn:db.prod"), "a dot is literal");
    assert.ok(!matchesKeyGlob("conn:DB", "conn:db"), "case-sensitive like Airflow's lookups");
  });

  it("selects a key that an include matches and no exclude does", () => {
    assert.ok(isKeySelected("conn:db", ["*"], []));
    assert.ok(!isKeySelected("conn:db", ["var:*"], []));
    assert.ok(!isKeySelected("conn:db", ["*"], ["conn:*"]));
  });
});

describe("maskedDiff", () => {
  it("masks the password and sensitive extras, shows other fields, and hides nested extras", () => {
    const before = {
      kind: "connection" as const,
      connection: { ...pg("old-Pw"), extra: { api_token: "t1", region: "eu", nested: { a: 1 } } },
    };
    const after = {
      kind: "connection" as const,
      connection: { ...pg("new-Pw"), port: 6543, extra: { api_token: "t2", region: "us", nested: { a: 2 } } },
    };
    assert.deepEqual(maskedDiff(before, after, { after: "ff" }), [
      { field: "password", before: "***", after: "***" },
      { field: "port", before: "5432", after: "6543" },
      { field: "extra.api_token", before: "***", after: "***" },
      { field: "extra.nested", before: "{…}", after: "{…}" },
      { field: "extra.region", before: "eu", after: "us" },
    ]);
  });

  it("shows variables as hash prefixes, and ? before when the target cannot show its value", () => {
    assert.deepEqual(maskedDiff(undefined, { kind: "variable", value: "v" }, { after: "abcdef0123456789" }), [
      { field: "value", after: "hash:abcdef012345" },
    ]);
    assert.deepEqual(maskedDiff("unknown", { kind: "variable", value: "v" }, { after: "abcdef0123456789" }), [
      { field: "value", before: "?", after: "hash:abcdef012345" },
    ]);
    assert.deepEqual(
      maskedDiff("unknown", { kind: "connection", connection: { ...pg(), login: null, schema: null, port: null } }, { after: "00" }),
      [
        { field: "conn_type", before: "?", after: "postgres" },
        { field: "host", before: "?", after: "db.internal" },
        { field: "password", before: "?", after: "***" },
      ],
    );
  });
});
