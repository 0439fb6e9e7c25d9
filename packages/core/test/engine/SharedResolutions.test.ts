import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString } from "@afsync/core";
import type { Resolution } from "@afsync/core/engine/resolvePrecedence";
import { SharedResolutions } from "@afsync/core/engine/SharedResolutions";

describe("SharedResolutions", () => {
  const ks = "var:a" as KeyString;
  const made = (): Resolution => ({ key: { kind: "variable", id: "a" }, keyString: ks, candidates: [], outcome: { kind: "absent" } });

  it("gives the last resolution of a key back for the very same inputs, and resolves again for any other", () => {
    const shared = new SharedResolutions();
    const record = { hash: "h" };
    const read = { status: "found" };
    let resolved = 0;
    const resolve = () => {
      resolved += 1;
      return made();
    };
    const first = shared.resolve(ks, [record, "source", read], resolve);
    assert.equal(shared.resolve(ks, [record, "source", read], resolve), first);
    assert.equal(resolved, 1);
    assert.notEqual(shared.resolve(ks, [{ hash: "h" }, "source", read], resolve), first, "an equal record that is another object");
    assert.notEqual(shared.resolve(ks, [record, "source", read, "second source"], resolve), first);
    assert.notEqual(shared.resolve("var:b" as KeyString, [record, "source", read], resolve), first);
    assert.equal(resolved, 4);
  });
});
