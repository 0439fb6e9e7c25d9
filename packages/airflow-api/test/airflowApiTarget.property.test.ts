import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { runTargetIdempotencyProperty } from "@afsync/testing";
import { AirflowApiTarget } from "../src/AirflowApiTarget.ts";

const noWait = { sleep: async () => {}, random: () => 0 };

// Issue 8: a second sync writes nothing, for any keys and values, on both REST API versions.
for (const apiVersion of [1, 2] as const) {
  runTargetIdempotencyProperty(
    `airflow-api v${apiVersion} on the Airflow emulator`,
    async () => {
      const emulator = await startAirflowEmulator({ apiVersion, users: { afsync: "emulator-pw" }, maxPageLimit: 5 });
      const target = new AirflowApiTarget({
        url: "https://airflow.example.com",
        apiUrl: emulator.url,
        apiVersion,
        auth:
          apiVersion === 1
            ? { type: "basic", username: "afsync", password: "emulator-pw" }
            : { type: "airflow-token", username: "afsync", password: "emulator-pw" },
        state: "manifest",
        manifestVariable: "afsync_manifest",
        pageLimit: 100,
        batchSize: 3,
        retry: noWait,
      });
      return { target, cleanup: () => emulator.close() };
    },
    { numRuns: 25 },
  );
}
