import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ChangeHint, keyString } from "@afsync/core";
import type { ChangeStreamState } from "@afsync/core/ports/ChangeSubscription";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createVaultClient } from "../src/createVaultClient.ts";
import { VaultEventSubscription } from "../src/events/VaultEventSubscription.ts";
import { createVaultSource } from "../src/vaultSourceFactory.ts";
import { vaultSourceOptionsSchema } from "../src/vaultSourceOptions.ts";

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("VaultEventSubscription against the emulator's events WebSocket", () => {
  let emu: VaultEmulator;
  before(async () => {
    emu = await startVaultEmulator({ namespaces: ["ns1"] });
  });
  after(async () => {
    await emu.close();
  });

  function subscribe(env: NodeJS.ProcessEnv = {}) {
    const hints: ChangeHint[] = [];
    const errors: string[] = [];
    const states: ChangeStreamState[] = [];
    let reconnects = 0;
    const session = createVaultClient(vaultSourceOptionsSchema.parse({}), {
      env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, ...env },
    });
    const subscription = new VaultEventSubscription({
      session,
      onHints: (h) => {
        hints.push(...h);
      },
      onReconnect: () => {
        reconnects += 1;
      },
      onError: (e) => errors.push(e.message),
      onStateChange: (state) => states.push(state),
      initialBackoffMs: 20,
      maxBackoffMs: 200,
    });
    return { subscription, hints, errors, states, reconnects: () => reconnects };
  }

  it("turns every write into a hint the source maps back to its key", async () => {
    const { subscription, hints } = subscribe();
    await subscription.start();
    const version = emu.write("secret/connections/orders_db", { conn_uri: "postgres://u:p@h/db" });
    await fetch(`${emu.url}/v1/secret/metadata/connections/orders_db`, { method: "DELETE", headers: { "X-Vault-Token": emu.rootToken } });
    await waitFor("two hints", () => hints.length >= 2);
    assert.deepEqual(
      hints.map((h) => `${h.action} ${h.secretId} ${h.version ?? ""}`.trim()),
      [`upsert secret/connections/orders_db ${version}`, "delete secret/connections/orders_db"],
    );
    const source = createVaultSource({}, { id: "v", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } });
    assert.deepEqual(source.keysFor(hints[0]?.secretId ?? "").keys.map(keyString), ["conn:orders_db"]);
    await subscription.close();
  });

  it("reconnects with backoff after a dropped connection (and a refused attempt), then asks for a reconciliation", async () => {
    const { subscription, hints, errors, reconnects } = subscribe();
    await subscription.start();
    assert.equal(reconnects(), 0, "the first connect is not a reconnect");
    emu.inject({ status: 503, operationId: "events/subscribe" });
    emu.dropEventStreams();
    await waitFor("the reconnect", () => reconnects() === 1 && subscription.connected);
    assert.ok(
      errors.some((e) => e.includes("HTTP 503")),
      "the refused attempt is reported",
    );
    emu.write("secret/variables/after_drop", { value: "x" });
    await waitFor("the hint after the reconnect", () => hints.some((h) => h.secretId === "secret/variables/after_drop"));
    await subscription.close();
    assert.equal(emu.subscriberCount, 0);
  });

  it("says live, then reconnecting once per drop however many attempts fail, then live again", async () => {
    const { subscription, states } = subscribe();
    await subscription.start();
    emu.inject({ status: 503, operationId: "events/subscribe", times: 2 });
    emu.dropEventStreams();
    await waitFor("live again", () => states.length === 3);
    assert.deepEqual(
      states.map((s) => s.kind),
      ["live", "reconnecting", "live"],
    );
    await subscription.close();
  });

  for (const [status, words] of [
    [403, /permission denied.*subscribe/],
    [404, /no events API/],
    [405, /no events API/],
  ] as const) {
    it(`stops on a refusal (HTTP ${status}) and says why, instead of retrying a call that cannot succeed`, async () => {
      const { subscription, states, errors } = subscribe();
      emu.resetCalls();
      emu.inject({ status, operationId: "events/subscribe" });
      void subscription.start();
      await waitFor("the refusal", () => states.length === 1);
      const [state] = states;
      assert.equal(state?.kind, "refused");
      assert.equal(state?.kind === "refused" && state.httpStatus, status);
      assert.match(state?.kind === "refused" ? state.reason : "", words);
      await new Promise((r) => setTimeout(r, 150)); // several backoff periods
      assert.equal(emu.calls("events/subscribe"), 1, "no retry after a refusal");
      assert.equal(subscription.connected, false);
      assert.deepEqual(errors, [], "the refusal is a state, not an error repeated per attempt");
      await subscription.close();
    });
  }

  it("receives only its namespace's events", async () => {
    const { subscription, hints } = subscribe({ VAULT_NAMESPACE: "ns1" });
    await subscription.start();
    emu.write("secret/connections/root_only", { conn_uri: "http://h" });
    emu.write("secret/connections/in_ns1", { conn_uri: "http://h" }, { namespace: "ns1" });
    await waitFor("the ns1 hint", () => hints.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      hints.map((h) => h.secretId),
      ["ns1/secret/connections/in_ns1"],
    );
    await subscription.close();
  });
});
