import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { SecretSource } from "@afsync/core/ports/SecretSource";
import type { DeploymentShape, SourceShape } from "./ServeStatus.ts";

/** What the dashboard needs of a Deployment's binding: its target's type and layer, its sources and their providers. */
export function deploymentShape(binding: DeploymentBinding, target: string): DeploymentShape {
  const backend = binding.observe?.secretsBackend;
  return {
    id: binding.id,
    target,
    targetType: binding.target.type,
    layer: binding.target.layer,
    sources: binding.sources.map(sourceShape),
    ...(backend === undefined ? {} : { secretsBackend: backend.id }),
  };
}

function sourceShape(source: SecretSource): SourceShape {
  // Only sources with an optional push stream (Vault) say whether they subscribe.
  const events = (source as { changeEvents?: { enabled: boolean } }).changeEvents;
  return { id: source.id, provider: source.provider, ...(events === undefined ? {} : { changeEvents: { enabled: events.enabled } }) };
}
