import { randomUUID } from "node:crypto";
import { type Logger, silentLogger } from "@afsync/core";
import type { AirflowApi } from "./AirflowApi.ts";

/** How long a fold may hold the lock before another writer may take it (a writer killed mid-fold). */
export const DEFAULT_FOLD_LOCK_TTL_MS = 60_000;

const DESCRIPTION = "afsync: held while a writer folds its ownership manifest; not a real connection, it expires on its own. ";

interface LockValue {
  readonly holder: string;
  readonly until: number;
}

/**
 * Keeps two writers from folding the manifest log at once (ADR 009). A fold rewrites the base
 * from a fresh read; two at the same moment could each miss what the other folded in, and the
 * base that lands second would drop those records. Segments need no lock: each writer appends
 * its own. So the lock is tried, never waited for: a writer that finds it taken appends a segment
 * instead, and the fold happens at a later write.
 *
 * Both Airflow APIs answer 409 to creating a connection whose id exists (v1's variable POST is an
 * upsert), so the lock is a `generic` connection, its holder and expiry in its description, and
 * the target hides it from its keys. A holder killed mid-fold leaves it behind; once expired, the
 * next writer deletes and retakes it (only a lock afsync made: the description says). (Two writers taking over the same expired lock at once
 * could both succeed; that needs a crash mid-fold and a second writer folding within the same
 * round trip.)
 */
export class ManifestFoldLock {
  readonly id: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;
  #heldOn: AirflowApi | undefined;

  constructor(id: string, options: { ttlMs?: number; now?: () => number; logger?: Logger } = {}) {
    this.id = id;
    this.#ttlMs = options.ttlMs ?? DEFAULT_FOLD_LOCK_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Takes the lock if it is free or expired; false when another writer holds it (or it cannot be taken). */
  async tryAcquire(api: AirflowApi): Promise<boolean> {
    if (this.#heldOn !== undefined) return true;
    const holder = randomUUID();
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const description = DESCRIPTION + JSON.stringify({ holder, until: this.#now() + this.#ttlMs } satisfies LockValue);
        if ((await api.createConnectionIfAbsent(this.id, description)) === "created") {
          this.#heldOn = api;
          return true;
        }
        const current = await api.getConnectionDescription(this.id);
        if (current === null) continue; // released meanwhile
        const value = lockValueOf(current);
        if (value?.holder === holder) {
          // Our own create, retried after its answer was lost.
          this.#heldOn = api;
          return true;
        }
        if (value === undefined) {
          // Someone's own connection by that name: never deleted; this target then never folds.
          this.#logger.log("warn", "airflow-api: a connection afsync did not make holds the fold lock's id; rename it", {
            connection: this.id,
          });
          return false;
        }
        if (value.until > this.#now()) return false;
        this.#logger.log("warn", "airflow-api: removing an expired manifest fold lock", { connection: this.id });
        await api.deleteConnection(this.id);
      }
      return false;
    } catch (error) {
      // No lock, no fold: the write appends a segment, which is always safe.
      this.#logger.log("warn", "airflow-api: the manifest fold lock could not be taken; appending a segment instead", {
        connection: this.id,
        error,
      });
      return false;
    }
  }

  /** Lets the lock go if this writer holds it; a failed delete only makes the next fold wait for the expiry. */
  async release(): Promise<void> {
    const api = this.#heldOn;
    if (api === undefined) return;
    this.#heldOn = undefined;
    await api.deleteConnection(this.id).catch((error: unknown) => {
      this.#logger.log("warn", "airflow-api: the manifest fold lock was not released; it expires on its own", {
        connection: this.id,
        error,
      });
    });
  }
}

function lockValueOf(description: string): LockValue | undefined {
  if (!description.startsWith(DESCRIPTION)) return undefined;
  try {
    const parsed = JSON.parse(description.slice(DESCRIPTION.length)) as Partial<LockValue>;
    return typeof parsed.holder === "string" && typeof parsed.until === "number"
      ? { holder: parsed.holder, until: parsed.until }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's connection id for a manifest variable: the characters a connection id allows, plus `.fold-lock`. */
export function foldLockId(manifestVariable: string): string {
  return `${manifestVariable.replace(/[^A-Za-z0-9_.-]/g, "_")}.fold-lock`;
}
