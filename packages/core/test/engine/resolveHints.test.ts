import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionKey, type ResolvedHint, variableKey } from "@afsync/core";
import { resolveHints } from "@afsync/core/engine/resolveHints";
import { InMemorySecretSource } from "@afsync/testing";

describe("resolveHints", () => {
  const team = new InMemorySecretSource("team");
  const other = new InMemorySecretSource("other");

  it("maps a provider's hint to every source of that provider, each with the keys its naming gives", () => {
    const out = resolveHints([{ provider: "memory", secretId: "conn:db", action: "upsert", version: "v2" }], [team, other]);
    assert.deepEqual(out, [
      { provider: "memory", secretId: "conn:db", action: "upsert", version: "v2", sourceId: "team", keys: [connectionKey("db")] },
      { provider: "memory", secretId: "conn:db", action: "upsert", version: "v2", sourceId: "other", keys: [connectionKey("db")] },
    ]);
  });

  it("passes a resolved hint through untouched, even where the source's naming would map nothing", () => {
    const resolved: ResolvedHint = {
      provider: "memory",
      sourceId: "team",
      secretId: "not-a-key",
      action: "upsert",
      keys: [variableKey("x")],
    };
    assert.deepEqual(resolveHints([resolved], [team]), [resolved]);
  });

  it("turns a hint no configured source reads into an ignore that says why", () => {
    const [noSource, outside] = resolveHints(
      [
        { provider: "aws-ssm", secretId: "/a", action: "upsert" },
        { provider: "memory", secretId: "garbage", action: "delete" },
      ],
      [team],
    );
    assert.equal(noSource?.action, "ignore");
    assert.match(noSource?.reason ?? "", /no aws-ssm source is configured/);
    assert.equal(outside?.action, "ignore");
    assert.match(outside?.reason ?? "", /outside every configured prefix \(team: /);
  });
});
