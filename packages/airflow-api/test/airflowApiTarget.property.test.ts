import { after } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { runTargetIdempotencyProperty } from "@afsync/testing";
import { AirflowApiTarget } from "../src/AirflowApiTarget.ts";

const noWait = { sleep: async () => {}, random: () => 0 };

// One emulator per API version for every generated case, emptied before each one.
const emulators = new Map<1 | 2, Promise<AirflowEmulator>>();
after(async () => {
  for (const emulator of emulators.values()) await (await emulator).close();
});

// Issue 8: a second sync writes nothing, for any keys and values, on both REST API versions.
for (const apiVersion of [1, 2] as const) {
  runTargetIdempotencyProperty(
    `airflow-api v${apiVersion} on the Airflow emulator`,
    async () => {
      let started = emulators.get(apiVersion);
      if (started === undefined) {
        started = startAirflowEmulator({ apiVersion, users: { afsync: "emulator-pw" }, maxPageLimit: 5 });
        emulators.set(apiVersion, started);
      }
      const emulator = await started;
      emulator.state.connections.clear();
      emulator.state.variables.clear();
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
      return { target };
    },
    { numRuns: 30 },
  );
}
