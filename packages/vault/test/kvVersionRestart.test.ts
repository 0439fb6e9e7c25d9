import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeletionPolicy } from "@afsync/core/engine/DeploymentBinding";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { syncOneSource } from "@afsync/testing/syncOneSource";
import { createVaultSource } from "../src/vaultSourceFactory.ts";

/**
 * KV v2 numbers a secret's versions from 1 again once its metadata is deleted (every version
 * gone) and it is written anew. The engine refuses a value whose version is older than the one
 * it applied, so versions compared by that number kept the recreated secret's new value out for
 * ever. Over Vault's HTTP API against the emulator, which restarts the numbering as Vault does.
 */
describe("KV v2 secret deleted with its metadata and written again with a new value", () => {
  let emu: VaultEmulator;
  before(async () => {
    emu = await startVaultEmulator();
  });
  after(async () => {
    await emu.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": emu.rootToken, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.ok, `${method} ${path}: HTTP ${res.status}`);
    return res.status === 204 ? undefined : ((await res.json()) as { data: { version: number } });
  };

  for (const deletion of ["delete", "retain"] as const satisfies readonly DeletionPolicy[]) {
    it(`the next sync applies the recreated secret's value (deletion: ${deletion})`, async () => {
      const base = `restart-${deletion}/variables`;
      const source = createVaultSource(
        { variables_path: base, connections_path: null },
        { id: "vault", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } },
      );
      const deployment = syncOneSource(source, deletion);
      const sync = deployment.sync;
      const held = () => deployment.held("db_password");
      const write = (value: string) => call("POST", `secret/data/${base}/db_password`, { data: { value } });

      await write("one");
      emu.advanceTime(1000);
      await write("two");
      emu.advanceTime(1000);
      await write("three");
      await sync();
      assert.equal(held(), "three", "version 3 applied");

      emu.advanceTime(1000);
      await call("DELETE", `secret/metadata/${base}/db_password`);
      // Under `retain` a sync in the gap keeps the key and its record (version 3) in place.
      if (deletion === "retain") await sync();
      emu.advanceTime(1000);
      const recreated = await write("four");
      assert.equal(recreated?.data.version, 1, "KV v2 numbers the recreated secret from 1");
      const report = await sync();
      assert.deepEqual(
        report.deployments[0]?.changes.map((c) => [c.key, c.action]),
        [["var:db_password", "update"]],
        JSON.stringify(report.deployments[0]?.changes),
      );
      assert.equal(held(), "four", "the recreated secret's value, though its version number is lower");
    });
  }
});
