import { join } from "node:path";
import { runTargetIdempotencyProperty } from "@afsync/testing";
import { AirflowSettingsTarget } from "../src/targets/AirflowSettingsTarget.ts";
import { EnvFileTarget } from "../src/targets/EnvFileTarget.ts";
import { LocalFilesystemTarget } from "../src/targets/LocalFilesystemTarget.ts";
import { makeTempDir } from "./tempDir.ts";

// Issue 8: a second sync writes nothing, for any keys and values, in every local target.
runTargetIdempotencyProperty("env-file", async () => {
  const { dir, cleanup } = await makeTempDir();
  return { target: new EnvFileTarget(join(dir, ".env")), cleanup };
});

runTargetIdempotencyProperty("airflow-settings", async () => {
  const { dir, cleanup } = await makeTempDir();
  return { target: new AirflowSettingsTarget(join(dir, "airflow_settings.yaml")), cleanup };
});

runTargetIdempotencyProperty("local-filesystem", async () => {
  const { dir, cleanup } = await makeTempDir();
  return {
    target: new LocalFilesystemTarget({
      connectionsFilePath: join(dir, "connections.json"),
      variablesFilePath: join(dir, "variables.json"),
    }),
    cleanup,
  };
});
