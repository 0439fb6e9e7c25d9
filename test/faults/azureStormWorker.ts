/**
 * The Azure worker as its own process, so the storm can SIGKILL it in the middle of an apply: it
 * plays the Functions host's queue listener over Azurite (receive up to `batchSize` messages, hand
 * each to the REAL queue-triggered worker handler under the REAL blob lease, delete it when the
 * handler returned, make it visible again when it threw, move it to `<queue>-poison` once it was
 * dequeued `maxDequeueCount` times) until it is killed or stdin closes. Like the host it runs a
 * batch's messages concurrently and fetches more when fewer than `newBatchThreshold` are running.
 *
 * The host's timings are scaled down so a storm fits in a test (host.json: visibility 30 s,
 * maxDequeueCount 10; the host hides a received message for 10 minutes and renews that while the
 * function runs): a received message stays hidden VISIBILITY_S, renewed every RENEW_MS while its
 * handler runs, so a killed worker's messages come back VISIBILITY_S after the kill; a failed one
 * comes back after FAILED_VISIBILITY_S.
 *
 * It tells the parent, one JSON line on stdout each, when it hands a message to the handler
 * (`applying`) and when the handler returned (`done`), so a kill can be aimed between the two.
 * The handler's own log lines go to stderr (the parent checks them for leaks).
 */

import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import azureFunctions from "@azure/functions";
import { type DequeuedMessageItem, QueueServiceClient } from "@azure/storage-queue";
import { createQueueWorkerHandler } from "../../functions/azure/src/handlers/queueWorker.ts";
import { QUEUE_NAME_ENV, STORAGE_CONNECTION } from "../../functions/azure/src/runtime/appSettings.ts";
import { functionDepsFromEnv } from "../../functions/azure/src/runtime/functionDepsFromEnv.ts";

// A webpack bundle: Node's CJS interop does not see the class as a named export.
const { InvocationContext } = azureFunctions;

const BATCH_SIZE = 8;
const NEW_BATCH_THRESHOLD = 4;
const MAX_DEQUEUE_COUNT = 10;
const VISIBILITY_S = 4;
const RENEW_MS = 1_500;
const FAILED_VISIBILITY_S = 1;
const LEASE_SECONDS = 15;

const env = process.env;
const token = env.AFSYNC_STORM_KV_TOKEN ?? "";
const queueService = QueueServiceClient.fromConnectionString(env[STORAGE_CONNECTION] ?? "");
const queueName = env[QUEUE_NAME_ENV] ?? "";
const queue = queueService.getQueueClient(queueName);
const poison = queueService.getQueueClient(`${queueName}-poison`);
const load = functionDepsFromEnv(env, {
  logger: createJsonLineLogger({ write: (line) => process.stderr.write(`${line}\n`) }),
  // What DefaultAzureCredential would hand the SDK after the challenge, and the emulator's CA.
  azure: {
    credential: { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) },
    ca: env.AFSYNC_STORM_KV_CA ?? "",
  },
  leaseSeconds: LEASE_SECONDS,
});
// Waits out a lease a killed worker left behind (it expires after LEASE_SECONDS).
// The drain hides what it folds for the function timeout; scaled down like the host's visibility.
const worker = createQueueWorkerHandler(load, {
  leaseWaitMs: (LEASE_SECONDS + 2) * 1000,
  leasePollMs: 100,
  drainVisibilitySeconds: VISIBILITY_S,
});
const tell = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

// Started warm, as a standby instance: it builds the runtime, says `ready`, and polls only once
// the parent writes `go` (when it has killed the worker before it), so a kill costs no cold start.
let stopping = false;
let go: () => void = () => undefined;
const started = new Promise<void>((resolve) => {
  go = resolve;
});
process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
  if (chunk.includes("go")) go();
});
process.stdin.on("end", () => {
  stopping = true;
  go();
});

let handed = 0;
let running = 0;

async function handle(item: DequeuedMessageItem): Promise<void> {
  const n = ++handed;
  const body = Buffer.from(item.messageText, "base64").toString("utf8");
  let deployment = "";
  try {
    deployment = String((JSON.parse(body) as { deployment?: unknown }).deployment ?? "");
  } catch {
    // The handler rejects it and says why.
  }
  tell({ applying: n, deployment, deployments: [deployment], dequeueCount: item.dequeueCount, redelivered: item.dequeueCount > 1 ? 1 : 0 });
  // Each renewal hands out a new pop receipt; they run one after another, so the last one is current.
  let receipt = item.popReceipt;
  let renewing: Promise<void> = Promise.resolve();
  const renewal = setInterval(() => {
    renewing = renewing.then(async () => {
      try {
        receipt = (await queue.updateMessage(item.messageId, receipt, undefined, VISIBILITY_S)).popReceipt ?? receipt;
      } catch {
        // Storage failed or the message came back already: it is handled again (at least once).
      }
    });
  }, RENEW_MS);
  let why: string | undefined;
  try {
    // The host hands a JSON message over parsed, with its id and dequeue count in the metadata.
    await worker(
      JSON.parse(body),
      new InvocationContext({
        invocationId: `storm-${process.pid}-${n}`,
        functionName: "worker",
        triggerMetadata: { id: item.messageId, dequeueCount: item.dequeueCount },
      }),
    );
  } catch (error) {
    why = error instanceof Error ? error.message : String(error);
  }
  clearInterval(renewal);
  await renewing;
  let settled = "deleted";
  try {
    if (why === undefined) await queue.deleteMessage(item.messageId, receipt);
    else if (item.dequeueCount >= MAX_DEQUEUE_COUNT) {
      // What the host does past maxDequeueCount: the same text to `<queue>-poison`, then delete.
      await poison.sendMessage(item.messageText);
      await queue.deleteMessage(item.messageId, receipt);
      settled = "poisoned";
    } else {
      await queue.updateMessage(item.messageId, receipt, undefined, FAILED_VISIBILITY_S);
      settled = "returned";
    }
  } catch {
    // The receipt is stale or storage failed: the message comes back after its visibility timeout.
    settled = "unsettled";
  }
  tell({
    done: n,
    deployment,
    settled,
    ...(why === undefined ? {} : { why }),
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
}

await load();
tell({ ready: true });
await started;
while (!stopping) {
  if (running >= NEW_BATCH_THRESHOLD) {
    await new Promise((r) => setTimeout(r, 20));
    continue;
  }
  let items: DequeuedMessageItem[] = [];
  try {
    const got = await queue.receiveMessages({ numberOfMessages: BATCH_SIZE - running, visibilityTimeout: VISIBILITY_S });
    items = got.receivedMessageItems;
  } catch (error) {
    tell({ receiveFailed: (error as Error).name });
  }
  if (items.length === 0) {
    await new Promise((r) => setTimeout(r, 25));
    continue;
  }
  for (const item of items) {
    running += 1;
    void handle(item).finally(() => {
      running -= 1;
    });
  }
}
