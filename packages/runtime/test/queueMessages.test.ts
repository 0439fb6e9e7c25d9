import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeSyncMessage } from "../src/edge/decodeSyncMessage.ts";
import { encodeSyncMessage, type SyncMessage } from "../src/edge/SyncMessage.ts";
import { toFifoEntry } from "../src/edge/SyncQueue.ts";
import { coalesceMessages } from "../src/worker/coalesceMessages.ts";

const hinted: SyncMessage = {
  v: 1,
  deployment: "prod",
  trigger: {
    kind: "hints",
    hints: [
      {
        provider: "aws-ssm",
        sourceId: "ssm",
        secretId: "/airflow/connections/db",
        action: "upsert",
        keys: [{ kind: "connection", id: "db" }],
      },
    ],
  },
  origin: "event:abc",
};

describe("SyncMessage", () => {
  it("decodes what it encodes", () => {
    assert.deepEqual(decodeSyncMessage(encodeSyncMessage(hinted)), { ok: true, message: hinted });
  });

  it("rejects a body that is not JSON without echoing it", () => {
    const out = decodeSyncMessage("password=hunter2");
    assert.equal(out.ok, false);
    assert.ok(!out.ok && !out.reason.includes("hunter2"));
  });

  it("rejects an unknown version, an unknown field and an empty hint list, naming the field", () => {
    const v2 = decodeSyncMessage(JSON.stringify({ ...hinted, v: 2 }));
    assert.ok(!v2.ok && v2.reason.includes("at v"));
    const extra = decodeSyncMessage(JSON.stringify({ ...hinted, value: "s3cr3t" }));
    assert.ok(!extra.ok && !extra.reason.includes("s3cr3t"));
    const empty = decodeSyncMessage(JSON.stringify({ ...hinted, trigger: { kind: "hints", hints: [] } }));
    assert.ok(!empty.ok && empty.reason.includes("trigger.hints"));
  });
});

describe("toFifoEntry", () => {
  it("groups by Deployment and derives the dedup id from origin and Deployment only", () => {
    const a = toFifoEntry(hinted);
    const b = toFifoEntry({ ...hinted, trigger: { kind: "full" } });
    const other = toFifoEntry({ ...hinted, deployment: "dev" });
    assert.equal(a.groupId, "prod");
    assert.equal(a.deduplicationId, b.deduplicationId);
    assert.notEqual(a.deduplicationId, other.deduplicationId);
    assert.match(a.deduplicationId, /^[0-9a-f]{64}$/);
  });

  it("hashes a Deployment id SQS would not accept as a group id", () => {
    const entry = toFifoEntry({ ...hinted, deployment: "prod eu ✓" });
    assert.match(entry.groupId, /^d-[0-9a-f]{64}$/);
  });
});

describe("coalesceMessages", () => {
  const record = (messageId: string, message: SyncMessage | string) => ({
    messageId,
    body: typeof message === "string" ? message : encodeSyncMessage(message),
  });

  it("merges one Deployment's hints into one run without duplicates", () => {
    const batch = coalesceMessages([
      record("1", hinted),
      record("2", { ...hinted, origin: "event:def" }),
      record("3", { ...hinted, deployment: "dev" }),
    ]);
    assert.deepEqual(
      batch.work.map((w) => [w.deployment, w.messageIds, w.trigger.kind === "hints" ? w.trigger.hints.length : "full"]),
      [
        ["prod", ["1", "2"], 1],
        ["dev", ["3"], 1],
      ],
    );
  });

  it("lets a full reconciliation absorb the hints of the same Deployment", () => {
    const batch = coalesceMessages([record("1", hinted), record("2", { ...hinted, trigger: { kind: "full" }, origin: "schedule:x" })]);
    assert.deepEqual(batch.work[0]?.trigger, { kind: "full" });
    assert.deepEqual(batch.work[0]?.messageIds, ["1", "2"]);
  });

  it("sets malformed messages apart and keeps the rest", () => {
    const batch = coalesceMessages([record("1", "{"), record("2", hinted)]);
    assert.deepEqual(
      batch.malformed.map((m) => m.messageId),
      ["1"],
    );
    assert.equal(batch.work.length, 1);
  });
});
