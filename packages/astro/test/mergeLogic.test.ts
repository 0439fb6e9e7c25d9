import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StateRecord } from "@afsync/core";
import { silentLogger } from "@afsync/core";
import { decodeManifest, encodeManifest, InvalidManifestError, mergeManifest } from "../src/AstroManifest.ts";
import { scrubValues } from "../src/astroClient.ts";
import { astroEnvironmentTargetFactory } from "../src/astroEnvironmentTargetFactory.ts";
import { astroEnvVarsTargetFactory } from "../src/astroEnvVarsTargetFactory.ts";
import { KeyedMutex } from "../src/KeyedMutex.ts";
import { mergeEnvironmentVariables } from "../src/mergeEnvironmentVariables.ts";

const rec = (key: StateRecord["key"], hash: string): StateRecord => ({ key, sourceId: "s", hash, appliedAt: "2026-01-01T00:00:00Z" });
const T = "2026-01-01T00:00:00Z";

describe("mergeEnvironmentVariables", () => {
  const current = [
    { key: "PLAIN", value: "p", isSecret: false, updatedAt: T },
    { key: "SECRET", isSecret: true, updatedAt: T },
    { key: "AIRFLOW_VAR_OLD", isSecret: true, updatedAt: T },
    { key: "AIRFLOW_VAR_X", isSecret: true, updatedAt: T },
    { key: "AFSYNC_MANIFEST", value: "m1", isSecret: false, updatedAt: T },
  ];

  it("re-sends foreign secrets without a value, never with a placeholder", () => {
    const { variables, changed } = mergeEnvironmentVariables(current, {
      upserts: new Map([
        ["AIRFLOW_VAR_X", "new"],
        ["AIRFLOW_VAR_Y", "y"],
      ]),
      deletes: new Set(["AIRFLOW_VAR_OLD"]),
      manifest: { name: "AFSYNC_MANIFEST", value: "m2" },
    });
    assert.equal(changed, true);
    assert.deepEqual(variables, [
      { key: "PLAIN", value: "p", isSecret: false },
      { key: "SECRET", isSecret: true },
      { key: "AIRFLOW_VAR_X", value: "new", isSecret: true },
      { key: "AFSYNC_MANIFEST", value: "m2", isSecret: false },
      { key: "AIRFLOW_VAR_Y", value: "y", isSecret: true },
    ]);
  });

  it("reports no change when only the same manifest would be re-sent", () => {
    const { changed } = mergeEnvironmentVariables(current, {
      upserts: new Map(),
      deletes: new Set(["AIRFLOW_VAR_ABSENT"]),
      manifest: { name: "AFSYNC_MANIFEST", value: "m1" },
    });
    assert.equal(changed, false);
  });
});

describe("AstroManifest", () => {
  it("round-trips canonically per owner and rejects what it cannot read", () => {
    const owners = new Map([
      ["team-b", [rec("var:b", "2"), rec("conn:a", "1")]],
      ["team-a", [rec("var:z", "3")]],
      ["nobody", []],
    ]);
    const text = encodeManifest(owners) ?? "";
    assert.equal(encodeManifest(decodeManifest(text, "t")), text);
    assert.deepEqual([...decodeManifest(text, "t").keys()], ["team-a", "team-b"], "sorted, empty owners dropped");
    assert.deepEqual(
      decodeManifest(text, "t")
        .get("team-b")
        ?.map((r) => r.key),
      ["conn:a", "var:b"],
    );
    assert.equal(encodeManifest(new Map([["x", []]])), null);
    assert.throws(() => decodeManifest("{not json", "somewhere"), InvalidManifestError);
    assert.throws(
      () => decodeManifest('{"format":"afsync-manifest","version":1,"owners":{"o":[{"key":"x"}]}}', "somewhere"),
      /owners\.o\.0/,
    );
  });

  it("merges three ways: our changes win, other keys follow the target", () => {
    const base = [rec("var:mine", "1"), rec("var:theirs", "1"), rec("var:dropped", "1")];
    const ours = [rec("var:mine", "2"), rec("var:theirs", "1")];
    const theirs = [rec("var:mine", "1"), rec("var:theirs", "9"), rec("var:dropped", "1"), rec("var:new", "1")];
    const merged = mergeManifest(base, ours, theirs);
    assert.deepEqual(merged.map((r) => `${r.key}=${r.hash}`).sort(), ["var:mine=2", "var:new=1", "var:theirs=9"]);
    assert.deepEqual(mergeManifest(undefined, ours, theirs), ours, "no base: ours whole");
  });
});

describe("scrubValues", () => {
  it("removes raw, JSON-escaped and URI-encoded forms of what was sent", () => {
    const secret = 'p"a/ss w0rd';
    const text = `raw ${secret} json ${JSON.stringify(secret)} uri ${encodeURIComponent(secret)}`;
    const out = scrubValues(text, [secret]);
    assert.ok(!out.includes("ss w0rd") && !out.includes("ss%20w0rd"), out);
  });
});

describe("KeyedMutex", () => {
  it("runs tasks for one key in order and other keys alongside", async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
    };
    await Promise.all([m.run("d1", task("a", 10)), m.run("d1", task("b", 1)), m.run("d2", task("c", 1))]);
    assert.ok(log.indexOf("a-") < log.indexOf("b+"), log.join(" "));
    assert.ok(log.indexOf("c+") < log.indexOf("a-"), log.join(" "));
    assert.equal(m.activeKeys, 0);
  });

  it("releases the key when a task throws", async () => {
    const m = new KeyedMutex();
    await assert.rejects(
      m.run("k", async () => {
        throw new Error("boom");
      }),
    );
    assert.equal(await m.run("k", async () => 42), 42);
  });
});

describe("Astro target factories", () => {
  const ctx = { id: "astro-prod", env: { ASTRO_API_TOKEN: "tok-secret-xyz" }, logger: silentLogger };

  it("reject unknown keys with their path", () => {
    const result = astroEnvVarsTargetFactory.schema.safeParse({ organization_id: "o", deployment_id: "d", token_evn: "X" });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /token_evn/);
  });

  it("name the token variable, never the token, when it is missing", () => {
    assert.throws(
      () => astroEnvVarsTargetFactory.create({ organization_id: "o", deployment_id: "d", token_env: "MISSING_TOKEN" }, ctx),
      /deployments\.astro-prod\.target\.token_env: environment variable MISSING_TOKEN is not set/,
    );
  });

  it("require exactly one of workspace_id and deployment_id, and links only with a Workspace", () => {
    assert.equal(astroEnvironmentTargetFactory.schema.safeParse({ organization_id: "o" }).success, false);
    assert.equal(
      astroEnvironmentTargetFactory.schema.safeParse({ organization_id: "o", workspace_id: "w", deployment_id: "d" }).success,
      false,
    );
    assert.equal(
      astroEnvironmentTargetFactory.schema.safeParse({ organization_id: "o", deployment_id: "d", auto_link: true }).success,
      false,
    );
    const target = astroEnvironmentTargetFactory.create({ organization_id: "o", workspace_id: "w", link_deployments: ["d"] }, ctx);
    assert.equal(target.type, "astro-environment");
    assert.ok(!target.describe.includes("tok-secret-xyz"));
  });
});
