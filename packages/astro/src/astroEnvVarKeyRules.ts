import type { AirflowKey } from "@afsync/core";
import { envVarNameFor, namesTeamNamespace } from "@afsync/core/formats/envVars";
import type { TargetKeyRules } from "@afsync/core/formats/targetKeyRules";

// Astro runs Airflow on Kubernetes, which accepts environment variable names matching
// `[-._a-zA-Z][-._a-zA-Z0-9]*` (apimachinery `IsEnvVarName`); the `AIRFLOW_CONN_`/`AIRFLOW_VAR_`
// prefix covers the first character.
const KUBERNETES_ENV_ID = /^[-._a-zA-Z0-9]+$/;

/** The names an Astro Deployment's environment variables can carry for Airflow to read a key back. */
export function astroEnvVarKeyRules(manifestVariable: string): TargetKeyRules {
  return {
    target: "astro-env-vars",
    nameOf: envVarNameFor,
    refuse(key: AirflowKey, name: string): string | undefined {
      if (!KUBERNETES_ENV_ID.test(key.id))
        return `${name} is not a Kubernetes environment variable name; the astro-env-vars target accepts ids of ASCII letters, digits, '_', '.' and '-' only`;
      if (namesTeamNamespace(key.id))
        return `${name} spells a team namespace (_<team>___<id>), which Airflow 3.3.1+ reads as a team-scoped name, not this key`;
      if (name === manifestVariable) return `${name} is the variable afsync keeps its manifest in`;
      return undefined;
    },
  };
}
