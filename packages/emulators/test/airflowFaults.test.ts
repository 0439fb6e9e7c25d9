import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FaultInjector } from "../src/faults/FaultInjector.ts";

describe("FaultInjector (shared by the Airflow and Astro emulators)", () => {
  it("fires status faults in order, each for its number of matching requests", () => {
    const faults = new FaultInjector();
    faults.inject({ status: 429, retryAfterSeconds: 1, times: 2, operationId: "bulk_connections" });
    faults.inject({ status: 503 });
    assert.equal(faults.next("get_connections").respond?.status, 503, "an unmatched operation skips the scoped fault");
    const first = faults.next("bulk_connections").respond;
    assert.equal(first?.status, 429);
    assert.equal(first?.headers["retry-after"], "1");
    assert.equal(faults.next("bulk_connections").respond?.status, 429);
    assert.equal(faults.next("bulk_connections").respond, undefined);
    assert.equal(faults.pendingCount, 0);
  });

  it("adds latency on top of a status fault and keeps unlimited faults", () => {
    const faults = new FaultInjector();
    faults.inject({ latencyMs: 5, times: Number.POSITIVE_INFINITY });
    faults.inject({ latencyMs: 7 });
    faults.inject({ status: 500, body: { detail: "boom" } });
    const decision = faults.next("x");
    assert.equal(decision.latencyMs, 12);
    assert.deepEqual(decision.respond?.body, { detail: "boom" });
    assert.deepEqual(faults.next("y"), { latencyMs: 5 });
    faults.clear();
    assert.deepEqual(faults.next("z"), { latencyMs: 0 });
  });
});
