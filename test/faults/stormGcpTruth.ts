/**
 * The GCP storm's provider truth: the Secret Manager emulator's final state, read back with the
 * official client and split by source (secret prefix), never through afsync's code. The merge by
 * precedence and the comparison with each target are the storm kit's (kit/).
 */
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import type { SourceState } from "./kit/DeploymentTruth.ts";

/** The two sources of the storm's config, by the prefixes of their secret ids. */
export const STORM_PREFIXES = {
  main: { connections: "airflow-connections-", variables: "airflow-variables-" },
  team: { connections: "team-connections-", variables: "team-variables-" },
} as const;
export type StormSourceName = keyof typeof STORM_PREFIXES;

/**
 * Every secret's latest version, by source, through ListSecrets and AccessSecretVersion. An
 * injected fault the storm left pending (one-shot, on a read method) is simply read past.
 */
export async function readProviderState(
  admin: SecretManagerServiceClient,
  projectId: string,
): Promise<Record<StormSourceName, SourceState>> {
  const state: Record<StormSourceName, { connections: Map<string, string>; variables: Map<string, string> }> = {
    main: { connections: new Map(), variables: new Map() },
    team: { connections: new Map(), variables: new Map() },
  };
  const [secrets] = await pastInjectedFaults(() => admin.listSecrets({ parent: `projects/${projectId}` }));
  for (const secret of secrets) {
    const id = (secret.name ?? "").split("/").pop() ?? "";
    for (const source of Object.keys(STORM_PREFIXES) as StormSourceName[]) {
      for (const kind of ["connections", "variables"] as const) {
        const prefix = STORM_PREFIXES[source][kind];
        if (!id.startsWith(prefix)) continue;
        const [version] = await pastInjectedFaults(() => admin.accessSecretVersion({ name: `${secret.name}/versions/latest` })).catch(
          (error: { code?: number }) => {
            // A secret created whose first version has not been added: it holds nothing.
            if (error.code === 5 || error.code === 9) return [undefined];
            throw error;
          },
        );
        const data = version?.payload?.data;
        if (data === undefined || data === null) continue;
        state[source][kind].set(id.slice(prefix.length), Buffer.from(data).toString("utf8"));
      }
    }
  }
  return state;
}

/** Retries a read the storm's leftover one-shot faults (RESOURCE_EXHAUSTED, UNAVAILABLE…) hit. */
async function pastInjectedFaults<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (attempt >= 20 || !(code === 4 || code === 8 || code === 13 || code === 14)) throw error;
    }
  }
}
