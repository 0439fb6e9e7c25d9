import type { PlannedChange } from "@afsync/core/engine/RunReport";

/**
 * The problem a key's outcome is, with what an operator does about it, or null when there is
 * none. Reasons come from the planner and never contain a value.
 */
export function remedyFor(
  change: PlannedChange,
  deployment: { readonly id: string; readonly secretsBackend?: string },
): { message: string; remedy: string } | null {
  const reason = change.reason === undefined ? "" : `: ${change.reason}`;
  if (change.error !== undefined)
    return {
      message: `the target refused the write: ${change.error}`,
      remedy: "Fix what the target names (permission, name rule, quota); the next run retries, and the last good value stays in place.",
    };
  if (change.collidesWith !== undefined)
    return {
      message: `becomes the same name in the target as ${change.collidesWith.join(", ")}`,
      remedy: "Rename one of the keys in its source, or exclude one in this Deployment's include/exclude globs.",
    };
  switch (change.action) {
    case "invalid":
      return {
        message: `the value in ${change.source ?? "its source"} is invalid${reason}`,
        remedy: `Fix the secret in ${change.source ?? "its source"}; afsync pushes nothing for this key until it parses, so the target keeps its last good value.`,
      };
    case "conflict":
      return {
        message: `the target already holds it and afsync did not write it${reason}`,
        remedy: `Delete it from the target so afsync can create it, or set adopt: true on Deployment ${deployment.id} to take it over.`,
      };
    case "orphaned":
      return {
        message: `every source lost it; the target still holds afsync's last copy${reason}`,
        remedy: `Restore it in a source, delete it from the target by hand, or set deletion: delete on Deployment ${deployment.id}.`,
      };
    case "shadowed":
      return {
        message: `Airflow reads the secrets backend's copy, not the one afsync writes${reason}`,
        remedy: `Remove it from the secrets backend${deployment.secretsBackend === undefined ? "" : ` (${deployment.secretsBackend})`} or stop syncing the key here, so one place decides its value.`,
      };
    default:
      return null;
  }
}
