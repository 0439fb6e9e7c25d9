/**
 * The storm kit's own checks must be able to fail: the plain readers of the local files, the
 * comparison with the truth, the unowned snapshot, the torn-file check, and the seeded schedules.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createSeededRandom } from "../createSeededRandom.ts";
import { compareDeployment } from "./compareDeployment.ts";
import { mergeSources } from "./DeploymentTruth.ts";
import { EventFaults } from "./EventFaults.ts";
import { killsDueBy } from "./killMidApply.ts";
import {
  airflowSettingsView,
  envFileView,
  localFilesystemView,
  localUnownedSnapshot,
  seedLocalTargetFiles,
  tornLocalFiles,
} from "./localTargetFiles.ts";
import { changedKeys } from "./unownedRecords.ts";

const dir = mkdtempSync(join(tmpdir(), "afsync-storm-kit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const URI = "postgresql://app:pw-1@db.internal:5432/app";
const FIELDS = { conn_type: "postgres", host: "db.internal", login: "app", password: "pw-1", schema: "app", port: 5432 };

describe("mergeSources", () => {
  it("lets the first listed source win and keeps one kind when asked", () => {
    const first = { connections: new Map([["storm_c", URI]]), variables: new Map([["storm_v", "first"]]) };
    const second = {
      connections: new Map(),
      variables: new Map([
        ["storm_v", "second"],
        ["storm_w", "only-second"],
      ]),
    };
    const both = mergeSources([first, second]);
    assert.deepEqual(
      [...both.variables],
      [
        ["storm_v", "first"],
        ["storm_w", "only-second"],
      ]
        .reverse()
        .sort(),
    );
    assert.deepEqual(both.connections.get("storm_c"), FIELDS);
    assert.equal(mergeSources([first, second], "variables").connections.size, 0);
  });
});

describe("compareDeployment", () => {
  const truth = mergeSources([{ connections: new Map([["storm_c", URI]]), variables: new Map([["storm_v", "x"]]) }]);

  it("finds nothing when the target holds the truth and keys of someone else's", () => {
    const view = {
      connections: new Map<string, Record<string, unknown>>([
        ["storm_c", FIELDS],
        ["theirs", { conn_type: "http" }],
      ]),
      variables: new Map([
        ["storm_v", "x"],
        ["theirs", "y"],
      ]),
      problems: [],
    };
    assert.deepEqual(compareDeployment("d", truth, view), []);
  });

  it("names a missing key, a differing field, a key to delete and the reader's problems, never a value", () => {
    const view = {
      connections: new Map([
        ["storm_c", { ...FIELDS, password: "stale" }],
        ["storm_gone", FIELDS],
      ]),
      variables: new Map([["storm_old", "z"]]),
      problems: ["line 3: not a dotenv assignment"],
    };
    const found = compareDeployment("d", truth, view);
    assert.deepEqual(found, [
      "d line 3: not a dotenv assignment",
      "d connection storm_c: password differs",
      "d connection storm_gone: should be deleted",
      "d variable storm_v: missing or differs",
      "d variable storm_old: should be deleted",
    ]);
    assert.ok(!found.join("\n").includes("stale"));
  });
});

describe("the local file readers", () => {
  const files = seedLocalTargetFiles(dir);

  it("read the seeded files: someone else's keys, no storm keys, nothing torn", () => {
    const env = envFileView(files.envFile);
    assert.deepEqual([...env.variables], [["theirs_var", "their value"]]);
    assert.equal(env.connections.get("theirs_db")?.password, "their-pw");
    assert.deepEqual([...airflowSettingsView(files.settingsFile).variables.keys()], ["theirs_var"]);
    assert.deepEqual([...localFilesystemView(files.connectionsFile, files.variablesFile).connections.keys()], ["theirs_db"]);
    assert.deepEqual(tornLocalFiles(files), []);
  });

  it("decode dotenv quoting as compose does", () => {
    writeFileSync(
      join(dir, "quoted.env"),
      ["AIRFLOW_VAR_STORM_A='it\"s $x'", 'AIRFLOW_VAR_STORM_B="a\\"b\\\\c$$d\\n"', "AIRFLOW_VAR_STORM_C=bare", ""].join("\n"),
    );
    const view = envFileView(join(dir, "quoted.env"));
    assert.deepEqual(Object.fromEntries(view.variables), { storm_a: 'it"s $x', storm_b: 'a"b\\c$d\n', storm_c: "bare" });
  });

  it("report a file cut short as torn", () => {
    const text = readFileSync(files.envFile, "utf8");
    writeFileSync(files.envFile, `${text}AIRFLOW_VAR_STORM_X='cut of`);
    assert.ok(tornLocalFiles(files).length > 0);
    writeFileSync(files.envFile, text);
    writeFileSync(files.connectionsFile, '{ "storm_c": {');
    assert.ok(tornLocalFiles(files).some((p) => p.includes("not JSON")));
  });

  it("show a change to unowned content, and none to owned keys", () => {
    const fresh = seedLocalTargetFiles(join(dir, "fresh"));
    const before = localUnownedSnapshot(fresh);
    writeFileSync(fresh.envFile, `${readFileSync(fresh.envFile, "utf8")}AIRFLOW_VAR_STORM_V='owned'\n`);
    writeFileSync(fresh.variablesFile, JSON.stringify({ theirs_var: "their value", storm_v: "owned" }, null, 2));
    assert.deepEqual(changedKeys(before, localUnownedSnapshot(fresh)), []);
    writeFileSync(fresh.settingsFile, readFileSync(fresh.settingsFile, "utf8").replace("pool_slot: 5", "pool_slot: 6"));
    writeFileSync(fresh.envFile, readFileSync(fresh.envFile, "utf8").replace("keep-me", "changed"));
    assert.deepEqual(changedKeys(before, localUnownedSnapshot(fresh)), [
      "env-file other lines",
      "airflow-settings blocks verbatim",
      "airflow-settings unowned items",
    ]);
  });
});

describe("the seeded schedules", () => {
  it("spread kills evenly over the share of the events given, all of them by its end", () => {
    assert.deepEqual(
      Array.from({ length: 10 }, (_, n) => killsDueBy(n, 3, 10)),
      [0, 0, 0, 1, 1, 1, 2, 2, 2, 3],
    );
    assert.equal(killsDueBy(4, 3, 10, 0.5), 3);
  });

  it("give each event the same fate for the same seed", async () => {
    const fates = async (seed: number) => {
      const delivered: number[] = [];
      const counts: string[] = [];
      const faults = new EventFaults<number>(
        createSeededRandom(seed),
        async (items) => void delivered.push(...items),
        (k) => void counts.push(k),
      );
      for (let n = 0; n < 50; n++) {
        await faults.offer([n]);
        await faults.maybeRelease();
      }
      await faults.releaseAll();
      return { delivered, counts };
    };
    const once = await fates(7);
    assert.deepEqual(await fates(7), once);
    assert.ok(once.counts.includes("event-lost") && once.counts.includes("event-duplicated") && once.counts.includes("event-reordered"));
    const lost = once.counts.filter((k) => k === "event-lost").length;
    const twice = once.counts.filter((k) => k === "event-duplicated").length;
    assert.equal(once.delivered.length, 50 - lost + twice);
  });
});
