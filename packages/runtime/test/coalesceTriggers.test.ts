import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import { coalesceTriggers } from "../src/edge/coalesceTriggers.ts";

const hint = (secretId: string, extra: Partial<ChangeHint> = {}): ChangeHint => ({
  provider: "aws-secrets-manager",
  sourceId: "sm",
  secretId,
  action: "upsert",
  keys: [{ kind: "connection", id: secretId }],
  ...extra,
});

describe("coalesceTriggers", () => {
  it("lets a full reconciliation absorb every hint", () => {
    assert.deepEqual(coalesceTriggers([{ kind: "hints", hints: [hint("a")] }, { kind: "full" }]), { kind: "full" });
  });

  it("folds the hints of all triggers per secret: one re-read each, a version kept only when every upsert named it", () => {
    const out = coalesceTriggers([
      { kind: "hints", hints: [hint("a", { version: "v2" }), hint("b", { version: "v1" })] },
      { kind: "hints", hints: [hint("a", { version: "v2" }), hint("b", { version: "v2" })] },
    ]);
    assert.equal(out.kind, "hints");
    const hints = out.kind === "hints" ? out.hints : [];
    assert.deepEqual(
      hints.map((h) => [h.secretId, h.action, h.version]),
      [
        ["a", "upsert", "v2"],
        ["b", "upsert", undefined],
      ],
    );
  });
});
