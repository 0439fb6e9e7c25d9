import { randomUUID } from "node:crypto";
import { type Logger, RemoteCallError, silentLogger } from "@afsync/core";
import type { EnvironmentObjectApi } from "./EnvironmentObjectApi.ts";
import type { EnvironmentObject, EnvironmentScope } from "./environmentObjectBodies.ts";

/** How long a holder may keep the lock before another writer may take it (a writer killed while holding it). */
export const DEFAULT_MANIFEST_LOCK_TTL_MS = 30_000;

export interface EnvironmentManifestLockOptions {
  /** The lock object's key: the manifest's key with `_LOCK`. */
  readonly key: string;
  readonly scope: EnvironmentScope;
  readonly ttlMs?: number;
  /** How long to wait for another holder before giving up (a transient error: the run is retried). */
  readonly waitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly logger?: Logger;
}

interface LockValue {
  readonly holder: string;
  readonly until: number;
}

/**
 * A mutex for the manifest's read-merge-write, made of the one conditional write the Environment
 * Manager has: a create of a key that already exists in the scope answers 409. The manifest is a
 * single object with no ETag, so without it two writers that each read, merge and write could
 * replace each other's records (a key created meanwhile would keep its value and lose its
 * record: an orphan the next run reports as a conflict).
 *
 * The lock is an unlinked ENVIRONMENT_VARIABLE object `{holder, until}`. A holder killed while
 * holding it leaves it behind; past `until` any writer deletes that object (by its id, so never a
 * newer lock) and takes its own. A holder slower than the TTL could lose the lock while writing;
 * it checks it still holds the lock right before its write, which leaves only that one call's
 * window, and the manifest write's read-back check (AstroEnvironmentTarget) catches the rest.
 */
export class EnvironmentManifestLock {
  readonly #api: EnvironmentObjectApi;
  readonly #o: EnvironmentManifestLockOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #logger: Logger;

  constructor(api: EnvironmentObjectApi, options: EnvironmentManifestLockOptions) {
    this.#api = api;
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? DEFAULT_MANIFEST_LOCK_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Runs `body` holding the lock. `stillHeld` says whether the lock is still this writer's: free
   * while the hold is young, one list once half the TTL has passed (a writer slowed by retries).
   */
  async hold<T>(body: (stillHeld: () => Promise<boolean>) => Promise<T>, onCall: () => void = () => {}): Promise<T> {
    const holder = randomUUID();
    const since = this.#now();
    const held = await this.#acquire(holder, onCall);
    try {
      return await body(async () => {
        if (this.#now() - since < this.#ttlMs / 2) return true;
        onCall();
        const current = await this.#current();
        return (
          current !== undefined && current.object.id === held.id && current.value?.holder === holder && current.value.until > this.#now()
        );
      });
    } finally {
      onCall();
      // A failed release is not an error: the lock expires at its `until`.
      await this.#api
        .delete(held)
        .catch((error: unknown) => this.#logger.log("warn", "astro-environment: manifest lock not released", { error }));
    }
  }

  async #acquire(holder: string, onCall: () => void): Promise<EnvironmentObject> {
    const deadline = this.#now() + (this.#o.waitMs ?? 2 * this.#ttlMs);
    let pause = 25;
    for (;;) {
      onCall();
      const created = await this.#api.createObject(this.#body(holder), []);
      if (created !== "exists") return { id: created.id, objectKey: this.#o.key, objectType: "ENVIRONMENT_VARIABLE", ...this.#o.scope };
      onCall();
      const current = await this.#current();
      // "exists" may also be our own create whose answer was lost and retried: the holder says.
      if (current !== undefined && current.value?.holder === holder) return current.object;
      if (current !== undefined && (current.value === undefined || current.value.until <= this.#now())) {
        // Left by a holder that died (or unreadable): past its time, it is removed by id, so a
        // newer lock someone took meanwhile is never the one deleted.
        this.#logger.log("warn", "astro-environment: removing an expired manifest lock", { key: this.#o.key });
        onCall();
        await this.#api.delete(current.object);
        continue;
      }
      if (current === undefined) continue; // released between the create and the list
      if (this.#now() >= deadline) {
        throw new RemoteCallError(`the afsync manifest lock ${this.#o.key} stayed held by another writer; the run will be retried`, {
          errorClass: "transient",
        });
      }
      await this.#sleep(pause);
      pause = Math.min(pause * 2, 1_000);
    }
  }

  async #current(): Promise<{ object: EnvironmentObject; value: LockValue | undefined } | undefined> {
    const [object] = await this.#api.list({ objectKey: this.#o.key, objectType: "ENVIRONMENT_VARIABLE" });
    return object === undefined ? undefined : { object, value: lockValueOf(object) };
  }

  #body(holder: string) {
    const value: LockValue = { holder, until: this.#now() + this.#ttlMs };
    const unlinked = this.#o.scope.scope === "WORKSPACE" ? { autoLinkDeployments: false, links: [], excludeLinks: [] } : {};
    return {
      objectKey: this.#o.key,
      objectType: "ENVIRONMENT_VARIABLE" as const,
      ...this.#o.scope,
      description: "afsync: held while a writer updates the ownership manifest. Do not edit or link; it expires on its own.",
      environmentVariable: { value: JSON.stringify(value), isSecret: false },
      ...unlinked,
    };
  }
}

function lockValueOf(object: EnvironmentObject): LockValue | undefined {
  const text = object.environmentVariable?.value;
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<LockValue>;
    return typeof parsed.holder === "string" && typeof parsed.until === "number"
      ? { holder: parsed.holder, until: parsed.until }
      : undefined;
  } catch {
    return undefined;
  }
}
