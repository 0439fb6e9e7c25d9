import type { DeploymentTarget } from "../ports/DeploymentTarget.ts";
import type { SecretSource } from "../ports/SecretSource.ts";

/** What happens to an owned key once every source has lost it. */
export type DeletionPolicy = "retain" | "delete";

/**
 * One Deployment as the engine drives it: the target layer afsync writes into and the sources
 * merged into it. Built by the composition root from `deployments.<id>` in afsync.yaml.
 */
export interface DeploymentBinding {
  readonly id: string;
  readonly target: DeploymentTarget;
  /** In precedence order: when two sources hold a key, the first listed wins. */
  readonly sources: readonly SecretSource[];
  /** `retain` reports an owned key gone from every source as `orphaned`; `delete` removes it. */
  readonly deletion: DeletionPolicy;
  /** Take over keys the target already holds that afsync did not write (otherwise: `conflict`). */
  readonly adopt: boolean;
  /** Globs over key strings (`conn:<id>`, `var:<key>`); `*` matches any run of characters. */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /**
   * Layers above the target that the Deployment reads itself. A pushed key the secrets backend
   * also holds is reported `shadowed`: Airflow will read the backend's copy, not ours.
   */
  readonly observe?: { readonly secretsBackend?: SecretSource };
}
