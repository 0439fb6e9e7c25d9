/**
 * What the scheduled reconciliation last fanned out to one Deployment: the snapshot fingerprint
 * (a keyed hash, never a value), when, and whether a worker confirmed a successful run of it.
 */
export interface FanoutRecord {
  /** HMAC-SHA256 (hex) over the (key, version) pairs the Deployment's bindings select, and its config. */
  readonly fingerprint: string;
  /** When the fan-out was decided (ISO-8601): the full cadence (`reconcile.full_every`) counts from it. */
  readonly at: string;
  /** A worker ran the Deployment after this fan-out and it succeeded; until then the next firing enqueues it again. */
  readonly confirmed: boolean;
}

/**
 * Where a cloud keeps its fan-out records, one per Deployment, so a worker's confirmation and the
 * reconcile's next decision touch different objects per Deployment (no read-modify-write of one
 * shared document). A record that is absent or unreadable reads as "never fanned out".
 */
export interface FanoutLedger {
  read(deployments: readonly string[]): Promise<ReadonlyMap<string, FanoutRecord>>;
  write(deployment: string, record: FanoutRecord): Promise<void>;
}

/** The stored form (JSON): versioned so a newer format is read as absent rather than misread. */
export function encodeFanoutRecord(record: FanoutRecord): string {
  return JSON.stringify({ v: 1, fingerprint: record.fingerprint, at: record.at, confirmed: record.confirmed });
}

export function decodeFanoutRecord(text: string): FanoutRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (r.v !== 1 || typeof r.fingerprint !== "string" || typeof r.at !== "string" || typeof r.confirmed !== "boolean") return undefined;
  if (!/^[0-9a-f]{64}$/.test(r.fingerprint) || Number.isNaN(Date.parse(r.at))) return undefined;
  return { fingerprint: r.fingerprint, at: r.at, confirmed: r.confirmed };
}
