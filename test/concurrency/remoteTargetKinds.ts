import type { KeyString } from "@afsync/core";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";

/** The target credentials every runner gets (from its app settings, secrets or shell). */
export const TARGET_CREDENTIALS = {
  AIRFLOW_USERNAME: "afsync",
  AIRFLOW_PASSWORD: "mixed-runners-airflow-pw-4c1e",
  ASTRO_API_TOKEN: "mixed-runners-astro-token-7a2d",
} as const;

/** One Deployment of a remote target kind, on its emulator, holding entries afsync did not write. */
export interface RemoteTargetWorld {
  /** `deployments.<id>.target` as afsync.yaml gives it (type included). */
  readonly target: Readonly<Record<string, unknown>>;
  /** The Airflow keys of the entries afsync did not write. */
  readonly unownedKeys: ReadonlySet<KeyString>;
  /** Everything afsync must never touch, as text (compared byte for byte). */
  unowned(): string;
  /** The variables afsync writes (`k0`, `k1`, …), id → value as the target stores it. */
  values(): Record<string, string | undefined>;
  close(): Promise<void>;
}

/** A remote target kind: how to start one Deployment of it for the mixed-runners scenario. */
export interface RemoteTargetKind {
  readonly name: string;
  start(): Promise<RemoteTargetWorld>;
}

const RETRY = { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 };
const OURS = /^k\d+$/;
const ORG = "org-mixed";
const DEPLOYMENT = "dep-mixed";

function airflowApi(apiVersion: 1 | 2): RemoteTargetKind {
  return {
    name: `airflow-api on Airflow ${apiVersion + 1} (API v${apiVersion})`,
    async start() {
      const airflow: AirflowEmulator = await startAirflowEmulator({
        apiVersion,
        users: { [TARGET_CREDENTIALS.AIRFLOW_USERNAME]: TARGET_CREDENTIALS.AIRFLOW_PASSWORD },
      });
      airflow.state.seedConnection({ connection_id: "theirs_conn", conn_type: "postgres", password: "their-pw" });
      airflow.state.seedVariable("theirs_var", "their-value", "kept by hand");
      return {
        target: {
          type: "airflow-api",
          url: airflow.url,
          api_version: apiVersion,
          // Airflow 2 takes basic auth; Airflow 3 a JWT from /auth/token.
          auth: { type: apiVersion === 1 ? "basic" : "airflow-token", username_env: "AIRFLOW_USERNAME", password_env: "AIRFLOW_PASSWORD" },
          retry: RETRY,
        },
        unownedKeys: new Set<KeyString>(["conn:theirs_conn", "var:theirs_var"]),
        unowned: () => JSON.stringify([airflow.state.connections.get("theirs_conn"), airflow.state.variables.get("theirs_var")]),
        values: () => Object.fromEntries([...airflow.state.variables].filter(([id]) => OURS.test(id)).map(([id, v]) => [id, v.value])),
        close: () => airflow.close(),
      };
    },
  };
}

const astroEnvVars: RemoteTargetKind = {
  name: "astro-env-vars",
  async start() {
    const astro: AstroEmulator = await startAstroEmulator({ token: TARGET_CREDENTIALS.ASTRO_API_TOKEN });
    astro.seedDeployment({
      id: DEPLOYMENT,
      organizationId: ORG,
      environmentVariables: [
        { key: "AIRFLOW_VAR_THEIRS", value: "their-value", isSecret: true },
        { key: "OTHER_SETTING", value: "kept" },
      ],
    });
    const vars = () => astro.deployment(ORG, DEPLOYMENT)?.environmentVariables ?? [];
    return {
      target: { type: "astro-env-vars", organization_id: ORG, deployment_id: DEPLOYMENT, api_url: astro.v1Url, retry: RETRY },
      unownedKeys: new Set<KeyString>(["var:theirs"]),
      unowned: () => JSON.stringify(vars().filter((v) => v.key === "AIRFLOW_VAR_THEIRS" || v.key === "OTHER_SETTING")),
      values: () =>
        Object.fromEntries(
          vars()
            .map((v) => [v.key.startsWith("AIRFLOW_VAR_") ? v.key.slice(12).toLowerCase() : "", v.value] as const)
            .filter(([id]) => OURS.test(id)),
        ),
      close: () => astro.close(),
    };
  },
};

const astroEnvironment: RemoteTargetKind = {
  name: "astro-environment",
  async start() {
    const astro: AstroEmulator = await startAstroEmulator({ token: TARGET_CREDENTIALS.ASTRO_API_TOKEN });
    astro.seedDeployment({ id: DEPLOYMENT, organizationId: ORG });
    astro.seedEnvironmentObject(ORG, {
      objectKey: "theirs",
      objectType: "AIRFLOW_VARIABLE",
      scope: "DEPLOYMENT",
      scopeEntityId: DEPLOYMENT,
      airflowVariable: { value: "their-value", isSecret: true },
    });
    const objects = () => astro.environmentObjects().filter((o) => o.scopeEntityId === DEPLOYMENT && o.objectType === "AIRFLOW_VARIABLE");
    return {
      target: { type: "astro-environment", organization_id: ORG, deployment_id: DEPLOYMENT, api_url: astro.v1Url, retry: RETRY },
      unownedKeys: new Set<KeyString>(["var:theirs"]),
      unowned: () => JSON.stringify(objects().filter((o) => o.objectKey === "theirs")),
      values: () =>
        Object.fromEntries(
          objects()
            .filter((o) => OURS.test(o.objectKey))
            .map((o) => [o.objectKey, o.value?.value]),
        ),
      close: () => astro.close(),
    };
  },
};

/** Every remote target kind afsync writes. */
export const REMOTE_TARGET_KINDS = {
  airflow2: airflowApi(1),
  airflow3: airflowApi(2),
  astroEnvVars,
  astroEnvironment,
} as const;
