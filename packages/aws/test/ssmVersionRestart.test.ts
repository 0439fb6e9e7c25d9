import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeletionPolicy } from "@afsync/core/engine/DeploymentBinding";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { syncOneSource } from "@afsync/testing/syncOneSource";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createAwsSsmSource } from "../src/awsSourceFactory.ts";

/**
 * SSM numbers a parameter's versions from 1 again after DeleteParameter + PutParameter. The
 * engine refuses a value whose version is older than the one it applied, so if versions were
 * compared by that number, the recreated parameter's new value would be kept out for ever. These
 * syncs run over the SDK against the emulator, which restarts the numbering as SSM does.
 */
describe("SSM parameter deleted and created again with a new value", () => {
  let emu: AwsEmulator;
  let client: SSMClient;
  before(async () => {
    emu = await startAwsEmulator();
    client = new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" } });
  });
  after(async () => {
    client.destroy();
    await emu.close();
  });

  for (const deletion of ["delete", "retain"] as const satisfies readonly DeletionPolicy[]) {
    it(`the next sync applies the recreated parameter's value (deletion: ${deletion})`, async () => {
      const prefix = `/restart-${deletion}/variables`;
      const source = createAwsSsmSource(
        { variables_prefix: prefix, connections_prefix: null },
        {
          id: "ssm",
          env: { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" },
        },
      );
      const deployment = syncOneSource(source, deletion);
      const sync = deployment.sync;
      const held = () => deployment.held("db_password");
      const put = (value: string, overwrite: boolean) =>
        client.send(new PutParameterCommand({ Name: `${prefix}/db_password`, Value: value, Type: "SecureString", Overwrite: overwrite }));

      await put("one", false);
      emu.advanceTime(1000);
      await put("two", true);
      emu.advanceTime(1000);
      await put("three", true);
      await sync();
      assert.equal(held(), "three", "version 3 applied");

      emu.advanceTime(1000);
      await client.send(new DeleteParameterCommand({ Name: `${prefix}/db_password` }));
      // Under `retain` a sync in the gap keeps the key and its record (version 3) in place.
      if (deletion === "retain") await sync();
      emu.advanceTime(1000);
      const recreated = await put("four", false);
      assert.equal(recreated.Version, 1, "SSM numbers the recreated parameter from 1");
      const report = await sync();
      assert.deepEqual(
        report.deployments[0]?.changes.map((c) => [c.key, c.action]),
        [["var:db_password", "update"]],
        JSON.stringify(report.deployments[0]?.changes),
      );
      assert.equal(held(), "four", "the recreated parameter's value, though its version number is lower");
      await source.close();
    });
  }
});
