import { createHash } from "node:crypto";
import { RemoteCallError } from "@afsync/core";
import { decodeFanoutRecord, encodeFanoutRecord, type FanoutLedger, type FanoutRecord } from "@afsync/runtime/fanout/FanoutLedger";
import type { Bucket, File } from "@google-cloud/storage";

const PREFIX = "fanout/";

/**
 * The reconcile fan-out's ledger on GCP: one small object per Deployment in a bucket of its own
 * (Terraform `afsync-fanout`), the record also in the object's custom metadata, so the reconcile
 * reads every Deployment's with one objects.list (1,000 a page) instead of a get each. The worker
 * and the reconcile overwrite a Deployment's object whole: no read-modify-write.
 */
export class GcsFanoutLedger implements FanoutLedger {
  readonly #bucket: Bucket;

  constructor(bucket: Bucket) {
    this.#bucket = bucket;
  }

  async read(deployments: readonly string[]): Promise<ReadonlyMap<string, FanoutRecord>> {
    const byName = new Map(deployments.map((id) => [objectNameFor(id), id]));
    const found = new Map<string, FanoutRecord>();
    let files: File[];
    try {
      [files] = await this.#bucket.getFiles({ prefix: PREFIX });
    } catch (error) {
      throw new RemoteCallError(`listing the fan-out ledger in gs://${this.#bucket.name}/${PREFIX} failed`, { cause: error });
    }
    for (const file of files) {
      const id = byName.get(file.name);
      const stored = file.metadata.metadata?.record;
      if (id === undefined || typeof stored !== "string") continue;
      const record = decodeFanoutRecord(Buffer.from(stored, "base64").toString("utf8"));
      if (record !== undefined) found.set(id, record);
    }
    return found;
  }

  async write(deployment: string, record: FanoutRecord): Promise<void> {
    const text = encodeFanoutRecord(record);
    try {
      // Not resumable: a record is a few hundred bytes, one request.
      await this.#bucket.file(objectNameFor(deployment)).save(text, {
        resumable: false,
        metadata: { contentType: "application/json", metadata: { record: Buffer.from(text).toString("base64") } },
      });
    } catch (error) {
      throw new RemoteCallError(`writing the fan-out record of ${deployment} failed`, { cause: error });
    }
  }
}

/** A hash keeps any Deployment id a valid, short object name. */
export function objectNameFor(deployment: string): string {
  return `${PREFIX}${createHash("sha256").update(deployment).digest("hex")}.json`;
}
