import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeletionPolicy } from "@afsync/core/engine/DeploymentBinding";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { syncOneSource } from "@afsync/testing/syncOneSource";
import { SecretClient } from "@azure/keyvault-secrets";
import { createAzureKeyVaultSource } from "../src/azureKeyVaultSourceFactory.ts";

/**
 * The check SSM and Vault KV v2 needed (their version numbers restart after a delete): a Key
 * Vault secret deleted and set again gets a new version id and creation time, so the next sync
 * applies its new value rather than keeping it out as older than the one applied before.
 */
describe("Key Vault secret deleted and set again with a new value", () => {
  let emu: KeyVaultEmulator;
  let writer: SecretClient;
  before(async () => {
    emu = await startKeyVaultEmulator();
    writer = new SecretClient(emu.url, emu.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: emu.ca } });
  });
  after(async () => {
    await emu.close();
  });

  for (const deletion of ["delete", "retain"] as const satisfies readonly DeletionPolicy[]) {
    it(`the next sync applies the re-created secret's value (deletion: ${deletion})`, async () => {
      const name = `airflow-variables-pw${deletion}`;
      const source = createAzureKeyVaultSource(
        { vault_url: emu.url },
        { id: "kv", env: {}, azure: { credential: emu.credential, ca: emu.ca } },
      );
      const deployment = syncOneSource(source, deletion);
      const sync = deployment.sync;
      const held = () => deployment.held(`pw${deletion}`);
      await writer.setSecret(name, "one");
      await writer.setSecret(name, "two");
      await sync();
      assert.equal(held(), "two");
      await (await writer.beginDeleteSecret(name, { intervalInMs: 1 })).pollUntilDone();
      if (deletion === "retain") await sync();
      await writer.setSecret(name, "three");
      const report = await sync();
      assert.deepEqual(
        report.deployments[0]?.changes.filter((c) => c.key === `var:pw${deletion}`).map((c) => c.action),
        ["update"],
        JSON.stringify(report.deployments[0]?.changes),
      );
      assert.equal(held(), "three");
    });
  }
});
