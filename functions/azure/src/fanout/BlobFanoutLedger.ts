import { createHash } from "node:crypto";
import { RemoteCallError } from "@afsync/core";
import { decodeFanoutRecord, encodeFanoutRecord, type FanoutLedger, type FanoutRecord } from "@afsync/runtime/fanout/FanoutLedger";
import type { ContainerClient } from "@azure/storage-blob";

const PREFIX = "fanout/";

/**
 * The reconcile fan-out's ledger on Azure: one small blob per Deployment in the container that
 * already holds the Deployments' lease blobs (same storage account as the queue, same role
 * assignment, nothing new to deploy). The record rides in the blob's metadata too, so the
 * reconcile reads every Deployment's with ONE List Blobs call (`include=metadata`, 5,000 a page)
 * instead of one Get Blob each. Worker and reconcile write different Deployments' blobs, or the
 * same one whole: no read-modify-write, no lease needed.
 */
export class BlobFanoutLedger implements FanoutLedger {
  readonly #container: ContainerClient;

  constructor(container: ContainerClient) {
    this.#container = container;
  }

  async read(deployments: readonly string[]): Promise<ReadonlyMap<string, FanoutRecord>> {
    const byName = new Map(deployments.map((id) => [blobNameFor(id), id]));
    const found = new Map<string, FanoutRecord>();
    try {
      for await (const blob of this.#container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
        const id = byName.get(blob.name);
        const stored = blob.metadata?.record;
        if (id === undefined || stored === undefined) continue;
        const record = decodeFanoutRecord(Buffer.from(stored, "base64").toString("utf8"));
        if (record !== undefined) found.set(id, record);
      }
    } catch (error) {
      if (statusOf(error) === 404) return found; // no container yet: nothing was ever fanned out
      throw new RemoteCallError(`listing the fan-out ledger failed (HTTP ${statusOf(error) ?? "?"})`, { cause: error });
    }
    return found;
  }

  async write(deployment: string, record: FanoutRecord): Promise<void> {
    const text = encodeFanoutRecord(record);
    const blob = this.#container.getBlockBlobClient(blobNameFor(deployment));
    // Metadata values are ASCII header values: base64 keeps the JSON intact.
    const upload = () => blob.upload(text, Buffer.byteLength(text), { metadata: { record: Buffer.from(text).toString("base64") } });
    try {
      await upload();
    } catch (error) {
      if (statusOf(error) !== 404) throw new RemoteCallError(`writing the fan-out record of ${deployment} failed`, { cause: error });
      await this.#container.createIfNotExists();
      await upload();
    }
  }
}

/** A hash keeps any Deployment id a valid, short blob name (as the lease blobs do). */
export function blobNameFor(deployment: string): string {
  return `${PREFIX}${createHash("sha256").update(deployment).digest("hex")}.json`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
