import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { keyString } from "@afsync/core";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { parseVaultEvent } from "../src/events/parseVaultEvent.ts";
import { createVaultSource } from "../src/vaultSourceFactory.ts";

// Every change made over Vault's API emits an event; each must parse to the action Airflow's view
// of the secret calls for, and name a secret id the source maps back to its key.
describe("emulator events → parseVaultEvent → VaultSource.keysFor", () => {
  let emu: VaultEmulator;
  before(async () => {
    emu = await startVaultEmulator({ mounts: { secret: 2, kv: 1 } });
  });
  after(async () => {
    await emu.close();
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${emu.url}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": emu.rootToken },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it("maps each KV v2 operation to its hint", async () => {
    emu.clearEvents();
    await api("POST", "secret/data/connections/db", { data: { conn_uri: "postgres://h/db" } });
    await api("POST", "secret/data/connections/db", { data: { conn_uri: "postgres://h2/db" } });
    await api("PATCH", "secret/data/connections/db", { data: { description: "x" } });
    await api("POST", "secret/delete/connections/db", { versions: [1] });
    await api("DELETE", "secret/data/connections/db");
    await api("POST", "secret/undelete/connections/db", { versions: [3] });
    await api("PUT", "secret/destroy/connections/db", { versions: [3] });
    await api("DELETE", "secret/metadata/connections/db");
    const hints = emu.events.flatMap((e) => parseVaultEvent(e));
    assert.deepEqual(
      hints.map((h) => `${h.action}${h.version ? ` v${h.version}` : ""}`),
      ["upsert v1", "upsert v2", "upsert v3", "ignore", "delete", "upsert", "delete", "delete"],
    );
    const source = createVaultSource({}, { id: "v", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } });
    for (const h of hints) assert.deepEqual(source.keysFor(h.secretId).keys.map(keyString), ["conn:db"], h.secretId);
  });

  it("maps KV v1 writes and deletes", async () => {
    emu.clearEvents();
    await api("POST", "kv/variables/env", { value: "prod" });
    await api("DELETE", "kv/variables/env");
    const hints = emu.events.flatMap((e) => parseVaultEvent(e));
    assert.deepEqual(
      hints.map((h) => h.action),
      ["upsert", "delete"],
    );
    const source = createVaultSource(
      { mount_point: "kv", kv_engine_version: 1 },
      { id: "v", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } },
    );
    for (const h of hints) assert.deepEqual(source.keysFor(h.secretId).keys.map(keyString), ["var:env"]);
  });
});
