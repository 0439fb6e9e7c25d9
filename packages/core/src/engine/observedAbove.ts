import type { KeyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { Logger } from "../ports/Logger.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import type { Candidate } from "./resolvePrecedence.ts";
import type { SourceReadSet } from "./SourceReadSet.ts";

/**
 * What the Deployment's own secrets backend (`observe.secrets_backend`) holds of the planned
 * keys, hashed, for the planner's `shadowed` verdicts. A backend that cannot be read only costs
 * the shadowing report (logged): afsync never writes to it, so nothing else depends on it.
 */
export function observedAbove(
  binding: DeploymentBinding,
  keys: readonly KeyString[],
  reads: SourceReadSet,
  hash: (value: AirflowValue) => string,
  logger: Logger,
): { above?: { sourceId: string; holds: ReadonlyMap<KeyString, Candidate> } } {
  const backend = binding.observe?.secretsBackend;
  if (backend === undefined) return {};
  const failure = reads.failure(backend.id);
  if (failure !== undefined) {
    logger.log("warn", "secrets backend could not be listed; shadowing not reported", {
      deployment: binding.id,
      source: backend.id,
      error: failure,
    });
  }
  const holds = new Map<KeyString, Candidate>();
  for (const ks of keys) {
    const read = reads.get(backend.id, ks);
    if (read?.status === "found")
      holds.set(ks, { sourceId: backend.id, rank: 0, status: "found", value: read.value, hash: hash(read.value) });
  }
  return { above: { sourceId: backend.id, holds } };
}
