import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ApplyItemResult, connectionKey, type KeyString, type StateRecord } from "@afsync/core";
import { serverMessage } from "../src/serverMessage.ts";
import { settleManifest } from "../src/settleManifest.ts";
import { decodeManifestPart, encodeManifestPart } from "../src/targetManifest.ts";

const rec = (key: StateRecord["key"], hash: string): StateRecord => ({ key, sourceId: "s", hash, appliedAt: "2026-01-01T00:00:00.000Z" });

describe("settleManifest", () => {
  it("keeps the old record of a failed update, drops a failed create, and keeps a key whose delete failed", () => {
    const previous = [rec("conn:updated", "old"), rec("var:kept", "k"), rec("conn:undeletable", "u")];
    const request = {
      upserts: [
        { key: connectionKey("updated"), value: { kind: "variable" as const, value: "" } },
        { key: connectionKey("created"), value: { kind: "variable" as const, value: "" } },
      ],
      deletes: [connectionKey("undeletable")],
      manifest: [rec("conn:updated", "new"), rec("conn:created", "c"), rec("var:kept", "k")],
    };
    const failed: KeyString[] = ["conn:updated", "conn:created", "conn:undeletable"];
    const results = new Map<KeyString, ApplyItemResult>(failed.map((key) => [key, { key, ok: false, error: "refused" }]));
    const settled = settleManifest(request, previous, results);
    assert.deepEqual(settled.map((r) => `${r.key}=${r.hash}`).sort(), ["conn:undeletable=u", "conn:updated=old", "var:kept=k"]);
  });
});

describe("manifest encoding", () => {
  it("round-trips records and uses no field name Airflow 3 would redact", () => {
    const records: StateRecord[] = [
      { ...rec("conn:db_password_conn", "a".repeat(64)), secretId: "airflow/connections/db", version: "v1", versionOrder: 3 },
    ];
    const text = encodeManifestPart(records);
    assert.deepEqual(decodeManifestPart(text, "afsync_manifest").records, records);
    const keys = Object.keys(JSON.parse(text) as Record<string, unknown>);
    assert.ok(
      keys.every((k) => !/password|secret|token|api_?key|private_key|passphrase|authorization/i.test(k)),
      keys.join(","),
    );
  });

  it("round-trips fields holding the row separators, %, empty strings and numbers-as-text", () => {
    const records: StateRecord[] = [
      { ...rec("var:my key 100%", "b".repeat(64)), secretId: "odd/path\nwith space", version: "", versionOrder: 12 },
      { ...rec("var:plain", "c".repeat(64)), version: "42", appliedAt: "2026-01-02T03:04:05.000Z" },
      { ...rec("conn:x", "d".repeat(64)), secretId: "airflow/connections/x", version: "%%", versionOrder: 0 },
      { ...rec("var:only", "e".repeat(64)) },
    ];
    const text = encodeManifestPart(records, { seq: 7, removed: ["var:gone" as KeyString] });
    const part = decodeManifestPart(text, "afsync_manifest.7.t");
    assert.deepEqual(
      [...part.records].sort((a, b) => a.key.localeCompare(b.key)),
      [...records].sort((a, b) => a.key.localeCompare(b.key)),
    );
    assert.deepEqual(part.removed, ["var:gone"]);
  });

  it("still reads the array rows of format 2", () => {
    const v2 = JSON.stringify({
      afsync: 2,
      seq: 3,
      at: "2026-01-01T00:00:00.000Z",
      groups: [{ s: "s", k: "conn", p: "airflow/connections/", r: [["db", "a".repeat(64), "v1", 3]] }],
    });
    assert.deepEqual(decodeManifestPart(v2, "afsync_manifest.3.t").records, [
      {
        ...rec("conn:db", "a".repeat(64)),
        appliedAt: "2026-01-01T00:00:00.000Z",
        secretId: "airflow/connections/db",
        version: "v1",
        versionOrder: 3,
      },
    ]);
  });
});

describe("serverMessage", () => {
  it("keeps FastAPI's field paths and messages but not the echoed input", () => {
    const body = {
      detail: [
        { type: "string_too_long", loc: ["body", "password"], msg: "String should have at most 5 characters", input: "hunter2-secret" },
      ],
    };
    assert.equal(serverMessage(422, body), "422 body.password: String should have at most 5 characters");
  });

  it("masks secrets the request carried, also in their JSON-escaped spelling", () => {
    const body = { title: "Bad Request", detail: 'value "p\\"w-secret" rejected, raw p"w-secret' };
    const text = serverMessage(400, body, ['p"w-secret']);
    assert.ok(!text.includes("w-secret"), text);
    assert.match(text, /^400 Bad Request: /);
  });
});
