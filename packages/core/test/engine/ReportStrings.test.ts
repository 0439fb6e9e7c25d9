import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString } from "@afsync/core";
import { ReportStrings } from "@afsync/core/engine/ReportStrings";
import type { PlannedChange } from "@afsync/core/engine/RunReport";

describe("ReportStrings", () => {
  it("holds one plain change for every Deployment that reports it alike, and never shares one that says more", () => {
    const strings = new ReportStrings();
    const unchanged = (version: string): PlannedChange => ({
      key: `var:${"a"}` as KeyString,
      action: "unchanged",
      source: "sm",
      hash: "abc123",
      version,
    });
    const first = strings.change(unchanged("v1"));
    assert.equal(strings.change(unchanged("v1")), first);
    assert.notEqual(strings.change(unchanged("v2")), first);
    const withReason = strings.change({ ...unchanged("v1"), reason: "kept" });
    assert.notEqual(withReason, first);
    assert.equal(withReason.reason, "kept");
    const { hash: _hash, ...withoutHash } = unchanged("v1");
    assert.equal("hash" in strings.change(withoutHash), false);
  });

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

  it("shares one list of changes between Deployments that report exactly the same changes, and no other", () => {
    const strings = new ReportStrings();
    const change = (key: string, version = "v1"): PlannedChange => ({
      key: key as KeyString,
      action: "unchanged",
      source: "sm",
      hash: "abc123",
      version,
    });
    const first = strings.changes([change("var:a"), change("var:b")]);
    assert.equal(strings.changes([change("var:a"), change("var:b")]), first);
    const shorter = strings.changes([change("var:a")]);
    assert.notEqual(shorter, first);
    assert.deepEqual(shorter, [change("var:a")]);
    const otherVersion = strings.changes([change("var:a"), change("var:b", "v2")]);
    assert.notEqual(otherVersion, first);
    assert.deepEqual(otherVersion, [change("var:a"), change("var:b", "v2")]);
    const failed = strings.changes([change("var:a"), { ...change("var:b"), error: "refused" }]);
    assert.notEqual(failed, first);
    assert.equal(failed[1]?.error, "refused");
    assert.equal(strings.changes([]), strings.changes([]));
  });
});
