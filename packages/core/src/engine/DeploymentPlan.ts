import type { KeyString } from "../model/AirflowKey.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { TargetSnapshot } from "../ports/DeploymentTarget.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import type { PlanItem } from "./planDeployment.ts";
import type { Resolution } from "./resolvePrecedence.ts";

/** One Deployment planned over a set of keys: what the planner saw, and what it decided. */
export interface DeploymentPlan {
  readonly binding: DeploymentBinding;
  /** The target as it was read for the plan. */
  readonly snapshot: TargetSnapshot;
  /** afsync's state for the Deployment (the target's manifest, or the state store's records). */
  readonly owned: ReadonlyMap<KeyString, StateRecord>;
  /** Precedence per key in scope: every source's candidate and the outcome. */
  readonly resolutions: readonly Resolution[];
  /** The planned change per key. */
  readonly items: readonly PlanItem[];
}
