import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeVersion, utcText } from "@afsync/core/engine/describeVersion";
import { eventCoverage } from "@afsync/core/engine/eventCoverage";
import { formatMs, timeToEffective } from "@afsync/core/engine/timeToEffective";

const FIFTEEN_MINUTES = 15 * 60_000;

describe("eventCoverage", () => {
  it("Key Vault announces new versions only: deletes, restores and disables are found by the reconciliation", () => {
    const c = eventCoverage({ id: "kv", provider: "azure-key-vault" }, FIFTEEN_MINUTES);
    assert.deepEqual(c.announced, ["create", "new value"]);
    assert.deepEqual(c.reconciliationOnly, ["delete", "restore", "disable"]);
    assert.equal(c.reconcileEveryMs, FIFTEEN_MINUTES);
  });

  it("Vault announces nothing unless the source subscribes to Enterprise event notifications", () => {
    const community = eventCoverage({ id: "v", provider: "vault", changeEvents: { enabled: false } }, FIFTEEN_MINUTES);
    assert.deepEqual(community.announced, []);
    assert.deepEqual(community.reconciliationOnly, ["create", "new value", "delete", "restore"]);
    assert.match(community.note ?? "", /Community/);
    const enterprise = eventCoverage({ id: "v", provider: "vault", changeEvents: { enabled: true } }, FIFTEEN_MINUTES);
    assert.deepEqual(enterprise.reconciliationOnly, []);
    assert.match(enterprise.transport, /WebSocket/);
  });

  it("Secret Manager announces every kind; Secrets Manager has no disable; an unknown provider announces nothing", () => {
    assert.deepEqual(eventCoverage({ id: "g", provider: "gcp-secret-manager" }, 1).reconciliationOnly, []);
    const sm = eventCoverage({ id: "a", provider: "aws-secrets-manager" }, 1);
    assert.deepEqual(sm.notApplicable, ["disable"]);
    assert.deepEqual(sm.reconciliationOnly, []);
    const unknown = eventCoverage({ id: "m", provider: "memory" }, 1);
    assert.equal(unknown.transport, "none");
    assert.equal(unknown.reconciliationOnly.length, 5);
  });
});

describe("timeToEffective", () => {
  it("Key Vault into the Environment Manager: seconds + about a minute for new values, the interval for deletions", () => {
    const t = timeToEffective(eventCoverage({ id: "kv", provider: "azure-key-vault" }, FIFTEEN_MINUTES), {
      type: "astro-environment",
      layer: "environment-manager",
    });
    assert.equal(t.paths.length, 2);
    const [announced, reconciled] = t.paths;
    assert.deepEqual(announced?.changes, ["create", "new value"]);
    assert.deepEqual(
      announced?.parts.map((p) => p.part),
      ["event delivery", "afsync", "target", "airflow secrets cache"],
    );
    assert.equal(announced?.parts.find((p) => p.part === "target")?.maxMs, 60_000);
    assert.match(announced?.total ?? "", /^seconds \+ about 1m/);
    assert.equal(reconciled?.parts[0]?.part, "reconciliation");
    assert.equal(reconciled?.parts[0]?.maxMs, FIFTEEN_MINUTES);
    assert.match(reconciled?.total ?? "", /^up to 15m \+ about 1m/);
  });

  it("environment variables need a restart; the metadata database is immediate; the cache TTL is Airflow's default", () => {
    const local = eventCoverage({ id: "files", provider: "local" }, 60_000);
    const env = timeToEffective(local, { type: "env-file", layer: "environment-variables" });
    assert.equal(env.paths[0]?.parts.find((p) => p.part === "target")?.bound, "restart");
    assert.match(env.paths[0]?.total ?? "", /restart/);
    const api = timeToEffective(local, { type: "airflow-api", layer: "metadata-db" });
    assert.equal(api.paths[0]?.parts.find((p) => p.part === "target")?.bound, "immediate");
    const cache = api.paths[0]?.parts.find((p) => p.part === "airflow secrets cache");
    assert.equal(cache?.maxMs, 900_000);
    assert.match(cache?.detail ?? "", /use_cache/);
    assert.equal(timeToEffective(local, { type: "airflow-api", layer: "metadata-db" }, 60).paths[0]?.parts.at(-1)?.maxMs, 60_000);
  });
});

describe("describeVersion", () => {
  it("turns a file mtime into a UTC date, numbers into `version N`, and shortens opaque ids", () => {
    assert.equal(describeVersion("mtime:1796069641505"), "file saved 2026-11-30 20:14:01 UTC");
    assert.equal(describeVersion("7"), "version 7");
    assert.equal(describeVersion("a1b2c3d4-e5f6-7890-abcd-ef0123456789"), "version a1b2c3d4…");
    assert.equal(utcText(new Date(Number.NaN)), "an unknown time");
    assert.equal(formatMs(90_000), "1m30s");
  });
});
