import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { HmacKeyProvider, StateRecord, StateStore } from "@afsync/core";

export interface StateStoreUnderTest {
  readonly store: StateStore & Partial<HmacKeyProvider>;
  /** A second handle on the same storage (reopened), to prove persistence; omit for in-memory stores. */
  reopen?(): Promise<StateStore & Partial<HmacKeyProvider>>;
  cleanup?(): Promise<void>;
}

const rec = (key: StateRecord["key"], hash: string, extra: Partial<StateRecord> = {}): StateRecord => ({
  key,
  sourceId: "contract",
  hash,
  appliedAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

/**
 * What every StateStore owes the engine: records round-trip exactly (optional fields included),
 * Deployments are isolated, one `save` both replaces and removes, and the HMAC key, where the
 * store provides one, is generated once and then stable (also across a reopen).
 */
export function runStateStoreContract(name: string, makeStore: () => Promise<StateStoreUnderTest>): void {
  describe(`StateStore contract: ${name}`, () => {
    let under: StateStoreUnderTest;
    before(async () => {
      under = await makeStore();
    });
    after(async () => {
      await under.store.close?.();
      await under.cleanup?.();
    });

    it("loads nothing for a Deployment it has never seen", async () => {
      assert.equal((await under.store.load("contract-unknown")).size, 0);
    });

    it("round-trips records exactly, per Deployment", async () => {
      const full = rec("conn:db", "aa", { secretId: "airflow/connections/db", version: "v7", versionOrder: 7 });
      await under.store.save("contract-a", [full, rec("var:x", "bb")], []);
      await under.store.save("contract-b", [rec("var:x", "cc")], []);
      assert.deepEqual((await under.store.load("contract-a")).get("conn:db"), full);
      assert.deepEqual((await under.store.load("contract-a")).get("var:x"), rec("var:x", "bb"));
      assert.deepEqual([...(await under.store.load("contract-b")).values()], [rec("var:x", "cc")]);
    });

    it("replaces and removes in one save", async () => {
      await under.store.save("contract-a", [rec("var:x", "dd")], ["conn:db"]);
      const now = await under.store.load("contract-a");
      assert.deepEqual([...now.keys()], ["var:x"]);
      assert.equal(now.get("var:x")?.hash, "dd");
    });

    it("keeps rollback pins per Deployment, replaced and released in one save", async (t) => {
      const { loadPins, savePins } = under.store;
      if (loadPins === undefined || savePins === undefined) return t.skip("this store keeps no rollback pins");
      const pin = {
        key: "var:x" as const,
        sourceId: "team",
        secretId: "airflow/variables/x",
        version: "v1",
        heldOver: "v2",
        pinnedAt: "2026-01-01T00:00:00.000Z",
      };
      const { heldOver: _none, ...unknownCurrent } = { ...pin, key: "conn:db" as const };
      await savePins.call(under.store, "contract-pins", [pin, unknownCurrent], []);
      assert.deepEqual((await loadPins.call(under.store, "contract-pins")).get("var:x"), pin);
      assert.deepEqual((await loadPins.call(under.store, "contract-pins")).get("conn:db"), unknownCurrent);
      assert.equal((await loadPins.call(under.store, "contract-other")).size, 0);
      await savePins.call(under.store, "contract-pins", [{ ...pin, version: "v0" }], ["conn:db"]);
      const now = await loadPins.call(under.store, "contract-pins");
      assert.deepEqual([...now.keys()], ["var:x"]);
      assert.equal(now.get("var:x")?.version, "v0");
    });

    it("generates the HMAC key once and keeps it", async (t) => {
      if (under.store.hmacKey === undefined) return t.skip("this store does not provide the HMAC key");
      const key = await under.store.hmacKey();
      assert.ok(key.length >= 16);
      assert.deepEqual(await under.store.hmacKey(), key);
    });

    it("keeps records and the HMAC key across a reopen", async (t) => {
      if (under.reopen === undefined) return t.skip("in-memory store: nothing outlives the process");
      const key = await under.store.hmacKey?.();
      await under.store.close?.();
      const reopened = await under.reopen();
      under = { ...under, store: reopened };
      assert.equal((await reopened.load("contract-a")).get("var:x")?.hash, "dd");
      if (key !== undefined) assert.deepEqual(await reopened.hmacKey?.(), key);
    });
  });
}
