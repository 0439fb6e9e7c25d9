import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString } from "@afsync/core";
import { stateRecord } from "@afsync/core/model/StateRecord";

describe("stateRecord", () => {
  it("keeps the fields given, in the record's order, and leaves absent ones out in every shape", () => {
    const key = "conn:db" as KeyString;
    const shapes: [string | undefined, string | undefined, number | undefined][] = [
      ["arn:db", "v1", undefined],
      ["arn:db", "v1", 0],
      [undefined, undefined, undefined],
      [undefined, "v1", 3],
      ["arn:db", undefined, undefined],
    ];
    for (const [secretId, version, versionOrder] of shapes) {
      const record = stateRecord(key, "sm", secretId, version, versionOrder, "abc", "2026-01-01T00:00:00.000Z");
      const expected = [
        ["key", key],
        ["sourceId", "sm"],
        ...(secretId === undefined ? [] : [["secretId", secretId]]),
        ...(version === undefined ? [] : [["version", version]]),
        ...(versionOrder === undefined ? [] : [["versionOrder", versionOrder]]),
        ["hash", "abc"],
        ["appliedAt", "2026-01-01T00:00:00.000Z"],
      ];
      assert.deepEqual(Object.entries(record), expected);
    }
  });
});
