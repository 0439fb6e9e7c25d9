import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { runDeploymentTargetContract } from "@afsync/testing";
import { AirflowApiTarget } from "../src/AirflowApiTarget.ts";
import type { AirflowAuth } from "../src/authenticatingFetch.ts";

const noWait = { sleep: async () => {}, random: () => 0 };

async function onEmulator(
  apiVersion: 1 | 2,
  configured: 1 | 2 | "auto",
  auth: AirflowAuth,
  emulatorOptions: { bearerTokens?: string[] } = {},
) {
  const emulator: AirflowEmulator = await startAirflowEmulator({
    apiVersion,
    users: { afsync: "emulator-pw" },
    maxPageLimit: 3,
    ...emulatorOptions,
  });
  const target = new AirflowApiTarget({
    url: "https://airflow.example.com",
    apiUrl: emulator.url,
    apiVersion: configured,
    auth,
    state: "manifest",
    manifestVariable: "afsync_manifest",
    pageLimit: 100,
    batchSize: 100,
    retry: noWait,
  });
  return { target, cleanup: () => emulator.close() };
}

runDeploymentTargetContract("airflow-api v1 (Airflow 2, basic auth) on the emulator", () =>
  onEmulator(1, 1, { type: "basic", username: "afsync", password: "emulator-pw" }),
);
runDeploymentTargetContract("airflow-api v2 (Airflow 3, /auth/token) on the emulator", () =>
  onEmulator(2, 2, { type: "airflow-token", username: "afsync", password: "emulator-pw" }),
);
runDeploymentTargetContract("airflow-api auto-detected v2 (Astro bearer token) on the emulator", () =>
  onEmulator(2, "auto", { type: "bearer", token: "astro-api-token" }, { bearerTokens: ["astro-api-token"] }),
);
runDeploymentTargetContract("airflow-api auto-detected v1 (Astro bearer token) on the emulator", () =>
  onEmulator(1, "auto", { type: "bearer", token: "astro-api-token" }, { bearerTokens: ["astro-api-token"] }),
);
