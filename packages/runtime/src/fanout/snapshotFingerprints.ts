import type { Hasher, SecretSource } from "@afsync/core";
import { canonicalValue } from "@afsync/core/engine/canonicalValue";
import { isKeySelected } from "@afsync/core/engine/keySelection";
import { type KeyString, keyString } from "@afsync/core/model/AirflowKey";

/** What the fingerprint of one Deployment covers: the sources it merges and the keys it selects. */
export interface FingerprintBinding {
  readonly id: string;
  /** First wins, as in the config; a shadowed key counts too (it changes what `explain` reports). */
  readonly sources: readonly SecretSource[];
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /**
   * The Deployment's config as a stable text (target, deletion, adopt…): a redeploy that changes
   * it changes the fingerprint, so the Deployment is reconciled under its new config.
   */
  readonly configText: string;
}

export type Fingerprint = { readonly ok: true; readonly fingerprint: string } | { readonly ok: false; readonly reason: string };

export interface SnapshotFingerprints {
  readonly byDeployment: ReadonlyMap<string, Fingerprint>;
  /** Listing calls made through the source port (one per source, whatever the number of Deployments). */
  readonly sourceCalls: number;
}

/**
 * Lists each source once, however many Deployments share it, and fingerprints what each Deployment
 * would see: an HMAC over its config and the (source, key, version) triples its globs select.
 * Where the source lists versions (`listVersions`: Secrets Manager, SSM, Vault KV v2) that is the
 * listing floor and no value is read. Where it does not (Key Vault, Secret Manager, files) the
 * source is read whole, once, and the HMAC of each canonical value stands in: still one read for
 * every Deployment instead of one per Deployment, and only the keyed hash leaves this function. A source that cannot be listed makes its Deployments'
 * fingerprints unknown (they are enqueued: a failed listing must never read as "nothing changed").
 */
export async function snapshotFingerprints(bindings: readonly FingerprintBinding[], hasher: Hasher): Promise<SnapshotFingerprints> {
  const sources = new Map<string, SecretSource>();
  for (const binding of bindings) for (const source of binding.sources) sources.set(source.id, source);
  const listings = new Map<string, SourceListing>();
  await Promise.all([...sources.values()].map(async (source) => listings.set(source.id, await listSource(source, hasher))));
  const byDeployment = new Map<string, Fingerprint>();
  for (const binding of bindings) byDeployment.set(binding.id, fingerprintOf(binding, listings, hasher));
  return { byDeployment, sourceCalls: sources.size };
}

type SourceListing =
  | { readonly ok: true; readonly tokens: readonly (readonly [KeyString, string])[] }
  | { readonly ok: false; readonly reason: string };

async function listSource(source: SecretSource, hasher: Hasher): Promise<SourceListing> {
  try {
    if (source.capabilities.listsVersions === true && source.listVersions !== undefined) {
      const listed = await source.listVersions();
      return { ok: true, tokens: listed.map((l) => [keyString(l.key), `v:${l.version.id}`] as const) };
    }
    const tokens: (readonly [KeyString, string])[] = [];
    for (const read of await source.readAll()) {
      const key = keyString(read.key);
      if (read.status === "error") return { ok: false, reason: `key ${key} could not be read: ${read.reason}` };
      if (read.status === "missing") continue;
      // The value was read anyway: its keyed hash, not the version id, which for Secret Manager is a
      // number that starts again at 1 when a secret is deleted and created again (a firing that
      // missed both events would see "version 1" twice and call the Deployment unchanged).
      if (read.status === "found") tokens.push([key, `h:${hasher.hmac(canonicalValue(read.value))}`]);
      // An invalid value: its reason never holds the value; with its version, all there is to compare.
      else tokens.push([key, `i:${hasher.hmac(`${read.version?.id ?? ""}\n${read.reason}`)}`]);
    }
    return { ok: true, tokens };
  } catch (error) {
    // Adapters' errors never carry values (ports contract).
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function fingerprintOf(binding: FingerprintBinding, listings: ReadonlyMap<string, SourceListing>, hasher: Hasher): Fingerprint {
  const lines = [`afsync-fanout-v1`, binding.configText];
  for (const source of binding.sources) {
    const listing = listings.get(source.id);
    if (listing === undefined || !listing.ok)
      return { ok: false, reason: `source ${source.id}: ${listing?.ok === false ? listing.reason : "not listed"}` };
    lines.push(JSON.stringify(["source", source.id]));
    const selected = listing.tokens.filter(([key]) => isKeySelected(key, binding.include, binding.exclude));
    selected.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // JSON per line: a key id may hold any character, a tab or newline included.
    for (const entry of selected) lines.push(JSON.stringify(entry));
  }
  return { ok: true, fingerprint: hasher.hmac(lines.join("\n")) };
}
