import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PlannedChange } from "@afsync/core/engine/RunReport";
import { buildDashboardView } from "../src/dashboard/buildDashboardView.ts";
import { anchorId, renderDashboard } from "../src/dashboard/renderDashboard.ts";
import type { DeploymentShape } from "../src/serve/ServeStatus.ts";

const SHAPE: DeploymentShape = {
  id: "prod",
  target: "astro-environment ws/prod",
  targetType: "astro-environment",
  layer: "environment-manager",
  sources: [
    { id: "kv", provider: "azure-key-vault" },
    { id: "vault", provider: "vault", changeEvents: { enabled: false } },
  ],
  secretsBackend: "backend",
};

function view(changes: PlannedChange[], timings = new Map<string, { seenAt: string; appliedAt: string }>()) {
  return buildDashboardView({
    title: "t",
    mode: "static",
    generatedAt: new Date("2026-11-30T10:00:00Z"),
    configPath: "afsync.yaml",
    revision: 0,
    summary: [],
    reconcileEveryMs: 900_000,
    deployments: [{ shape: SHAPE, status: "ok", changes, timings }],
  });
}

describe("buildDashboardView", () => {
  it("puts a shadowed key in the secrets-backend layer, with its copies same/different and a remedy", () => {
    const v = view([
      {
        key: "conn:db",
        action: "shadowed",
        write: "update",
        source: "kv",
        hash: "abc123",
        version: "0123456789abcdef0123",
        shadowedSources: [
          { source: "vault", same: false },
          { source: "backend", same: true },
        ],
        reason: "the secrets backend holds it",
      },
    ]);
    const cell = v.cells[0];
    assert.equal(cell?.layer, "secrets-backend");
    assert.equal(cell?.versionText, "version 01234567…");
    assert.deepEqual(cell?.shadowed, [
      { source: "vault", same: false },
      { source: "backend", same: true },
    ]);
    assert.match(cell?.problem?.remedy ?? "", /Remove it from the secrets backend \(backend\)/);
    assert.equal(v.problems.length, 1);
    const html = renderDashboard(v);
    assert.ok(html.includes("vault: different value; backend: same value"));
    assert.ok(html.includes(`id="${anchorId("key", "conn:db")}"`));
  });

  it("gives each problem action its remedy in words, and the lag between seen and applied", () => {
    const timings = new Map([["var:a", { seenAt: "2026-11-30T10:00:00.000Z", appliedAt: "2026-11-30T10:00:01.500Z" }]]);
    const v = view(
      [
        { key: "var:a", action: "update", source: "kv" },
        { key: "var:b", action: "invalid", source: "kv", reason: "not JSON" },
        { key: "var:c", action: "conflict", source: "kv" },
        { key: "var:d", action: "orphaned", source: null },
        { key: "var:e", action: "update", source: "kv", error: "HTTP 403 forbidden" },
      ],
      timings,
    );
    assert.equal(v.cells.find((c) => c.key === "var:a")?.lagMs, 1500);
    const remedies = Object.fromEntries(v.problems.map((p) => [p.key, p.remedy]));
    assert.match(remedies["var:b"] ?? "", /Fix the secret in kv/);
    assert.match(remedies["var:c"] ?? "", /adopt: true on Deployment prod/);
    assert.match(remedies["var:d"] ?? "", /deletion: delete/);
    assert.match(remedies["var:e"] ?? "", /next run retries/);
    assert.equal(remedies["var:a"], undefined);
  });

  it("computes time to effective per source: Key Vault deletions and all of Vault Community wait for the reconciliation", () => {
    const v = view([]);
    const [kv, vault] = v.deployments[0]?.timeToEffective ?? [];
    assert.deepEqual(
      kv?.paths.map((p) => p.changes),
      [
        ["create", "new value"],
        ["delete", "restore", "disable"],
      ],
    );
    assert.match(kv?.paths[1]?.total ?? "", /^up to 15m \+ about 1m/);
    assert.equal(vault?.paths.length, 1);
    assert.equal(vault?.paths[0]?.parts[0]?.part, "reconciliation");
    assert.deepEqual(
      v.coverage.map((c) => c.source),
      ["kv", "vault"],
    );
  });

  it("escapes every string from user files", () => {
    const html = renderDashboard(view([{ key: 'var:<img src=x onerror="alert(1)">', action: "create", source: "kv" }]));
    assert.ok(!html.includes("<img"), "no markup injected");
    assert.ok(html.includes("&lt;img"));
  });
});
