import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RemoteCallError } from "@afsync/core";
import { decodeSyncMessage } from "@afsync/runtime/edge/decodeSyncMessage";
import { encodeSyncMessage, SYNC_MESSAGE_VERSION, type SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { type Azurite, startAzurite } from "@afsync/testing/startAzurite";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { type QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { DeploymentLease } from "../src/lease/DeploymentLease.ts";
import { StorageQueueSyncQueue } from "../src/queue/StorageQueueSyncQueue.ts";

/** A runtime SyncMessage: hints for the given secret ids, or a full reconciliation without any. */
function message(deployment: string, origin: string, secretIds: readonly string[] = []): SyncMessage {
  return {
    v: SYNC_MESSAGE_VERSION,
    deployment,
    origin,
    trigger:
      secretIds.length === 0
        ? { kind: "full" }
        : { kind: "hints", hints: secretIds.map((secretId) => ({ provider: "azure-key-vault", secretId, action: "upsert" as const })) },
  };
}

/** The Azure Storage adapters against Azurite (Microsoft's emulator), with the official SDK clients. */
describe("Azure Storage adapters on Azurite", () => {
  let azurite: Azurite;
  let queues: QueueServiceClient;
  let blobs: BlobServiceClient;
  before(async () => {
    azurite = await startAzurite();
    queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  after(async () => {
    await azurite.stop();
  });

  describe("StorageQueueSyncQueue", () => {
    let client: QueueClient;
    let queue: StorageQueueSyncQueue;
    before(async () => {
      client = queues.getQueueClient("afsync-sync");
      await client.create();
      queue = new StorageQueueSyncQueue(client);
    });

    it("sends base64 bodies a worker receives, completes and never sees again", async () => {
      const sent = [message("dev", "event:1", ["a"]), message("prod", "event:1", ["b"])];
      await queue.enqueue(sent);
      const [peeked] = (await client.peekMessages({ numberOfMessages: 1 })).peekedMessageItems;
      assert.equal(
        Buffer.from(peeked?.messageText ?? "", "base64").toString("utf8"),
        encodeSyncMessage(sent[0] as SyncMessage),
        "base64, as the Functions queue trigger expects by default",
      );
      const received = await queue.receive(10, 30);
      assert.deepEqual(
        received.map((r) => decodeSyncMessage(r.body)),
        sent.map((m) => ({ ok: true, message: m })),
      );
      for (const r of received) await r.complete();
      assert.equal((await client.getProperties()).approximateMessagesCount, 0);
    });

    it("hands a message out again, counted, when a worker dies before completing it", async () => {
      await queue.enqueue([message("dev", "schedule:1")]);
      const [first] = await queue.receive(1, 1);
      assert.equal(first?.dequeueCount, 1);
      assert.deepEqual(await queue.receive(1, 1), [], "hidden while the first worker has it");
      await sleep(1500);
      const [again] = await queue.receive(1, 30);
      assert.equal(again?.dequeueCount, 2);
      await again?.complete();
    });

    it("refuses a message over 64 KiB before sending anything, naming the Deployment", async () => {
      const big = message("huge", "event:big", ["x".repeat(60 * 1024)]);
      await assert.rejects(queue.enqueue([message("small", "event:ok"), big]), (e: Error) => {
        assert.ok(e instanceof RemoteCallError);
        assert.match(e.message, /Deployment huge \(event:big\).*over the queue's 64 KiB/);
        return true;
      });
      assert.equal((await client.getProperties()).approximateMessagesCount, 0);
    });

    it("reports a failed send as transient, naming the queue and the Deployment", async () => {
      const missing = new StorageQueueSyncQueue(queues.getQueueClient("no-such-queue"));
      await assert.rejects(missing.enqueue([message("dev", "event:2")]), (e: Error) => {
        assert.ok(e instanceof RemoteCallError);
        assert.equal(e.errorClass, "transient");
        assert.match(e.message, /Deployment dev to queue no-such-queue failed: QueueNotFound \(HTTP 404\)/);
        return true;
      });
    });
  });

  describe("DeploymentLease", () => {
    let container: ContainerClient;
    let lease: DeploymentLease;
    before(() => {
      container = blobs.getContainerClient("afsync-leases");
      lease = new DeploymentLease(container, { durationSeconds: 15 });
    });

    it("lets one worker hold a Deployment: a second acquire meets 409 LeaseAlreadyPresent; renew and release work", async () => {
      const held = await lease.acquire("dev");
      assert.ok(held !== null);
      assert.equal(await lease.acquire("dev"), null, "the second worker backs off");
      const other = await lease.acquire("prod");
      assert.ok(other !== null, "other Deployments are independent");
      // What the adapter reads as "held elsewhere", straight from the SDK:
      const { blobNameFor } = await import("../src/lease/DeploymentLease.ts");
      await assert.rejects(
        container.getBlockBlobClient(blobNameFor("dev")).getBlobLeaseClient().acquireLease(15),
        (e: { statusCode?: number; code?: string }) => e.statusCode === 409 && e.code === "LeaseAlreadyPresent",
      );
      await held.renew();
      await held.release();
      const next = await lease.acquire("dev");
      assert.ok(next !== null, "free again after release");
      await next.release();
      await other.release();
    });

    it("runs work for a Deployment once at a time, and releases even when the work throws", async () => {
      let inside = 0;
      let most = 0;
      const work = async () => {
        inside += 1;
        most = Math.max(most, inside);
        await sleep(200);
        inside -= 1;
        return "applied";
      };
      const [a, b] = await Promise.all([lease.runExclusive("stage", work), lease.runExclusive("stage", work)]);
      assert.deepEqual([a?.ran, b?.ran].sort(), [false, true]);
      assert.equal(most, 1);
      await assert.rejects(
        lease.runExclusive("stage", async () => {
          throw new Error("apply failed");
        }),
        /apply failed/,
      );
      const after = await lease.runExclusive("stage", async () => "ok");
      assert.deepEqual(after, { ran: true, result: "ok" });
    });

    it("frees a Deployment whose worker died holding the lease once the lease expires", async () => {
      const dead = await lease.acquire("orphaned");
      assert.ok(dead !== null);
      // The worker dies: no renew, no release.
      assert.equal(await lease.acquire("orphaned"), null);
      await sleep((lease.durationSeconds + 1.5) * 1000);
      const taken = await lease.acquire("orphaned");
      assert.ok(taken !== null, "the lease expired");
      await assert.rejects(dead.renew(), /renewing the lease of Deployment orphaned failed/);
      await taken.release();
    });

    it("refuses lease durations Blob Storage does not allow", () => {
      assert.throws(() => new DeploymentLease(container, { durationSeconds: 5 }), /from 15 to 60/);
      assert.throws(() => new DeploymentLease(container, { durationSeconds: -1 }), /from 15 to 60/);
    });
  });
});
