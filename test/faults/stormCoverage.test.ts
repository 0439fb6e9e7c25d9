/**
 * Issue 13 §1 asks the fault storm for "10 Deployments over every target kind": the three storms
 * together must run at least ten Deployments and every target type afsync registers (a new
 * target type fails here until a storm runs it).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { targetFactoryLoaders } from "@afsync/runtime/compose/adapterFactoryLoaders";
import { AWS_DEPLOYMENTS, AZURE_DEPLOYMENTS, GCP_DEPLOYMENTS } from "./stormDeployments.ts";

const all = [AWS_DEPLOYMENTS, AZURE_DEPLOYMENTS, GCP_DEPLOYMENTS].flatMap((storm) => Object.values(storm));

describe("the fault storms' Deployments", () => {
  it("are ten or more across the three storms", () => {
    assert.ok(all.length >= 10, `${all.length} Deployments`);
  });

  it("cover every registered target type", () => {
    const covered = new Set<string>(all.map((d) => d.target));
    const missing = Object.keys(targetFactoryLoaders).filter((type) => !covered.has(type));
    assert.deepEqual(missing, []);
  });
});
