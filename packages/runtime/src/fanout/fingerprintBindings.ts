import type { SecretSource } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import type { FingerprintBinding } from "./snapshotFingerprints.ts";

/**
 * The Deployments of a config as the fan-out fingerprints them, over sources already built
 * (`buildSources`): the reconcile functions build no target. The config text is the parsed
 * Deployment entry (options name env vars, never hold credentials), so editing a Deployment's
 * target, globs or policies changes its fingerprint.
 */
export function fingerprintBindings(config: AfsyncConfig, sources: ReadonlyMap<string, SecretSource>): FingerprintBinding[] {
  return config.deployments.map((d) => ({
    id: d.id,
    sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    include: d.include,
    exclude: d.exclude,
    configText: JSON.stringify(d),
  }));
}
