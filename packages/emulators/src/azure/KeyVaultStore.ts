import { randomBytes } from "node:crypto";

/** One version of a secret, as Key Vault keeps it. Dates are epoch seconds, as on the wire. */
export interface SecretVersionRecord {
  readonly version: string;
  readonly value: string;
  readonly contentType?: string;
  readonly tags: Readonly<Record<string, string>>;
  enabled: boolean;
  readonly created: number;
  updated: number;
  nbf?: number;
  exp?: number;
}

export interface SetSecretInput {
  readonly value: string;
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly enabled?: boolean;
  readonly nbf?: number;
  readonly exp?: number;
}

export interface AttributePatch {
  readonly enabled?: boolean;
  readonly nbf?: number;
  readonly exp?: number;
}

/**
 * The vault's state: secrets by name (case-insensitive, as Key Vault names are), each with its
 * versions oldest first; the newest is the current one. Deleting moves a secret to the
 * soft-deleted set, where it no longer lists or reads.
 */
export class KeyVaultStore {
  readonly #secrets = new Map<string, { name: string; versions: SecretVersionRecord[] }>();
  readonly #deleted = new Map<string, { name: string; versions: SecretVersionRecord[] }>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Adds a version and makes it current. */
  set(name: string, input: SetSecretInput): { name: string; record: SecretVersionRecord } {
    const id = name.toLowerCase();
    // Set again after a delete: a new secret, created after the deleted one's versions were.
    const previous = this.#secrets.get(id) ?? this.#deleted.get(id);
    this.#deleted.delete(id);
    const entry = this.#secrets.get(id) ?? { name, versions: [] };
    const now = Math.floor(this.#now() / 1000);
    // Versions are 32 hex digits, as Key Vault's; the order comes from `created`, not the id.
    const record: SecretVersionRecord = {
      version: randomBytes(16).toString("hex"),
      value: input.value,
      ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
      tags: { ...input.tags },
      enabled: input.enabled ?? true,
      created: Math.max(now, (previous?.versions.at(-1)?.created ?? 0) + 1),
      updated: now,
      ...(input.nbf === undefined ? {} : { nbf: input.nbf }),
      ...(input.exp === undefined ? {} : { exp: input.exp }),
    };
    entry.versions.push(record);
    this.#secrets.set(id, entry);
    return { name: entry.name, record };
  }

  /** The named version, or the current one; undefined when the secret (or version) does not exist. */
  get(name: string, version?: string): { name: string; record: SecretVersionRecord } | undefined {
    const entry = this.#secrets.get(name.toLowerCase());
    if (entry === undefined) return undefined;
    const record = version ? entry.versions.find((v) => v.version === version) : entry.versions.at(-1);
    return record === undefined ? undefined : { name: entry.name, record };
  }

  update(name: string, version: string | undefined, patch: AttributePatch): { name: string; record: SecretVersionRecord } | undefined {
    const found = this.get(name, version);
    if (found === undefined) return undefined;
    const r = found.record;
    if (patch.enabled !== undefined) r.enabled = patch.enabled;
    if (patch.nbf !== undefined) r.nbf = patch.nbf;
    if (patch.exp !== undefined) r.exp = patch.exp;
    r.updated = Math.floor(this.#now() / 1000);
    return found;
  }

  delete(name: string): { name: string; record: SecretVersionRecord } | undefined {
    const id = name.toLowerCase();
    const entry = this.#secrets.get(id);
    const current = entry?.versions.at(-1);
    if (entry === undefined || current === undefined) return undefined;
    this.#secrets.delete(id);
    this.#deleted.set(id, entry);
    return { name: entry.name, record: current };
  }

  /** Every live secret with its current version, in name order (a stable order for paging). */
  list(): { name: string; record: SecretVersionRecord }[] {
    return [...this.#secrets.values()]
      .flatMap((e) => {
        const record = e.versions.at(-1);
        return record === undefined ? [] : [{ name: e.name, record }];
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  versions(name: string): SecretVersionRecord[] {
    return [...(this.#secrets.get(name.toLowerCase())?.versions ?? [])];
  }
}
