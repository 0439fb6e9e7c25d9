import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString } from "@afsync/core";
import { ReportStrings } from "@afsync/core/engine/ReportStrings";
import type { PlannedChange } from "@afsync/core/engine/RunReport";

describe("ReportStrings", () => {
  it("returns each change with the same content, adding no field it lacked", () => {
    const strings = new ReportStrings();
    const unchanged: PlannedChange = { key: "var:a" as KeyString, action: "unchanged", source: "sm", hash: "abc123", version: "v1" };
    const orphan: PlannedChange = { key: "var:b" as KeyString, action: "orphaned", source: null, reason: "gone from every source" };
    const failed: PlannedChange = { ...unchanged, action: "update", error: "the target refused it" };
    for (const change of [unchanged, orphan, failed, { ...unchanged, key: `var:${"a"}` as KeyString }]) {
      const held = strings.change(change);
      assert.deepEqual(held, change);
      assert.deepEqual(Object.keys(held).sort(), Object.keys(change).sort());
    }
  });
});
