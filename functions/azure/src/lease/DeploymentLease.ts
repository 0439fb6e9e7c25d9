import { createHash } from "node:crypto";
import { RemoteCallError } from "@afsync/core";
import type { BlobLeaseClient, ContainerClient } from "@azure/storage-blob";

/** A Deployment's lease while this worker holds it. */
export interface HeldLease {
  readonly deployment: string;
  readonly leaseId: string;
  /** Extends the lease by its duration; throws when it was lost (expired and taken by another worker). */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export type ExclusiveRun<T> = { readonly ran: true; readonly result: T } | { readonly ran: false; readonly reason: string };

// Blob leases last 15–60 s (or forever, which a dead worker would never give back).
const MIN_SECONDS = 15;
const MAX_SECONDS = 60;

/**
 * One writer per Deployment, with Azure Blob Storage leases: each Deployment has an empty blob
 * whose lease the worker takes before applying. A second acquire gets 409 LeaseAlreadyPresent
 * and backs off; the lease has a finite duration, so a worker that dies while holding it does
 * not block the Deployment longer than that. This replaces SQS FIFO's message groups, which
 * Storage Queues do not have.
 */
export class DeploymentLease {
  readonly #container: ContainerClient;
  readonly #seconds: number;

  constructor(container: ContainerClient, options: { durationSeconds?: number } = {}) {
    const seconds = options.durationSeconds ?? MAX_SECONDS;
    if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS)
      throw new RangeError(`durationSeconds must be an integer from ${MIN_SECONDS} to ${MAX_SECONDS} (Blob Storage's lease limits)`);
    this.#container = container;
    this.#seconds = seconds;
  }

  get durationSeconds(): number {
    return this.#seconds;
  }

  /** Takes the Deployment's lease, or returns null when another worker holds it. */
  async acquire(deployment: string): Promise<HeldLease | null> {
    const blob = this.#container.getBlockBlobClient(blobNameFor(deployment));
    await this.#ensureBlob(deployment, blob);
    const lease = blob.getBlobLeaseClient();
    try {
      await lease.acquireLease(this.#seconds);
    } catch (error) {
      if (statusOf(error) === 409) return null; // LeaseAlreadyPresent: another worker has it
      throw leaseError(`acquiring the lease of Deployment ${deployment}`, error);
    }
    return held(deployment, lease);
  }

  /**
   * Runs `work` while holding the Deployment's lease, renewing it at half its duration, and
   * releases it after (even when `work` throws). When another worker holds it, `work` does not run.
   */
  async runExclusive<T>(deployment: string, work: () => Promise<T>): Promise<ExclusiveRun<T>> {
    const lease = await this.acquire(deployment);
    if (lease === null) return { ran: false, reason: `another worker holds the lease of Deployment ${deployment}` };
    let renewal: Error | undefined;
    const timer = setInterval(
      () => {
        lease.renew().catch((error: Error) => {
          renewal = error;
        });
      },
      (this.#seconds * 1000) / 2,
    );
    try {
      const result = await work();
      if (renewal !== undefined) throw renewal;
      return { ran: true, result };
    } finally {
      clearInterval(timer);
      await lease.release().catch(() => undefined); // an expired lease needs no release
    }
  }

  async #ensureBlob(deployment: string, blob: ReturnType<ContainerClient["getBlockBlobClient"]>): Promise<void> {
    try {
      // Create once; never overwrite, since overwriting a leased blob would need the lease.
      await blob.upload("", 0, { conditions: { ifNoneMatch: "*" }, metadata: { deployment: encodeURIComponent(deployment) } });
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) return; // exists (and may be leased)
      if (status === 404) {
        await this.#container.createIfNotExists();
        return this.#ensureBlob(deployment, blob);
      }
      throw leaseError(`creating the lease blob of Deployment ${deployment}`, error);
    }
  }
}

function held(deployment: string, lease: BlobLeaseClient): HeldLease {
  return {
    deployment,
    leaseId: lease.leaseId,
    async renew() {
      try {
        await lease.renewLease();
      } catch (error) {
        throw leaseError(`renewing the lease of Deployment ${deployment}`, error);
      }
    },
    async release() {
      try {
        await lease.releaseLease();
      } catch (error) {
        throw leaseError(`releasing the lease of Deployment ${deployment}`, error);
      }
    },
  };
}

/** Blob names allow most characters, but a hash keeps any Deployment id valid and short. */
export function blobNameFor(deployment: string): string {
  return `deployments/${createHash("sha256").update(deployment).digest("hex")}.lease`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

function leaseError(what: string, error: unknown): RemoteCallError {
  const e = error as { code?: unknown; statusCode?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "Error";
  const status = statusOf(error);
  return new RemoteCallError(`${what} failed: ${code}${status === undefined ? "" : ` (HTTP ${status})`}`, {
    cause: error,
    ...(status === undefined ? {} : { status }),
  });
}
