import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EntryBudget } from "@afsync/core/engine/EntryBudget";

describe("EntryBudget", () => {
  it("admits work while its sizes fit, one piece whatever its size when nothing runs, in the order asked", async () => {
    const budget = new EntryBudget(10);
    const order: string[] = [];
    const admit = (name: string, size: number) =>
      budget.admit(size).then((release) => {
        order.push(name);
        return release;
      });
    const releaseA = await admit("a", 6);
    const b = admit("b", 6);
    const c = admit("c", 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ["a"], "b does not fit beside a, and c waits behind b");
    releaseA();
    const releaseB = await b;
    const releaseC = await c;
    assert.deepEqual(order, ["a", "b", "c"]);
    releaseB();
    releaseC();
    releaseC();
    const releaseHuge = await admit("huge", 50);
    assert.deepEqual(order, ["a", "b", "c", "huge"], "larger than the budget: admitted alone");
    const small = admit("small", 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.length, 4, "a size of 0 still waits behind a piece over the budget");
    releaseHuge();
    (await small)();
  });
});
