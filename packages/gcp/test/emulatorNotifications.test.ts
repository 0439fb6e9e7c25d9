import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowKey, type ChangeHint, keyString } from "@afsync/core";
import { type GcpEmulator, type SecretManagerNotification, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { parseGcpEvent } from "../src/events/parseGcpEvent.ts";
import type { GcpSecretManagerSource } from "../src/GcpSecretManagerSource.ts";
import { createGcpSecretManagerSource } from "../src/gcpSourceFactory.ts";
import { adminClient } from "./adminClient.ts";
import { loadGcpSample } from "./gcpSamples.ts";

function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value !== "object" || value === null) return typeof value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, shapeOf(v)]),
  );
}

/**
 * The chain an edge adapter runs, over real parts: an operator writes with the official client,
 * the emulator publishes Secret Manager's notifications, each delivery shape parses to the same
 * hints, the source's naming routes them, and the source reads what Airflow would now see.
 */
describe("Secret Manager notifications → hints → source reads", () => {
  let emu: GcpEmulator;
  let admin: SecretManagerServiceClient;
  let source: GcpSecretManagerSource;
  const deliveries: SecretManagerNotification[] = [];
  const project = () => `projects/${emu.project.id}`;

  before(async () => {
    emu = await startGcpEmulator({ onNotification: (n) => deliveries.push(n) });
    admin = adminClient(emu);
    source = await createGcpSecretManagerSource(
      { project_id: emu.project.id, project_number: emu.project.number, api_endpoint: emu.endpoint },
      { id: "gcp", env: {}, tuning: { concurrency: 4, listPageSize: 100, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } },
    );
    await admin.createSecret({
      parent: project(),
      secretId: "airflow-connections-warehouse",
      secret: { replication: { automatic: {} }, topics: [{ name: `${project()}/topics/airflow-secrets` }] },
    });
  });
  after(async () => {
    await source.close();
    await admin.close();
    await emu.close();
  });

  /** Parses both shapes of each delivery (they must agree) and routes them through the source's naming. */
  function hintsOf(batch: readonly SecretManagerNotification[]): (ChangeHint & { keys: readonly AirflowKey[] })[] {
    return batch.flatMap((n) => {
      const fromPush = parseGcpEvent(n.pushBody);
      assert.deepEqual(parseGcpEvent(n.cloudEvent), fromPush, "push body and CloudEvent give the same hints");
      return fromPush.map((h) => ({ ...h, keys: h.action === "ignore" ? [] : source.keysFor(h.secretId).keys }));
    });
  }

  async function readFor(hints: readonly (ChangeHint & { keys: readonly AirflowKey[] })[]) {
    const keys = new Map<string, AirflowKey>();
    const versions = new Map<string, string>();
    for (const h of hints) {
      if (h.action !== "upsert" && h.action !== "delete") continue;
      for (const k of h.keys) {
        keys.set(keyString(k), k);
        if (h.version !== undefined) versions.set(keyString(k), h.version);
      }
    }
    return source.read([...keys.values()], versions);
  }

  it("a new version: upsert pinned to it, read exactly", async () => {
    deliveries.length = 0;
    await admin.addSecretVersion({
      parent: `${project()}/secrets/airflow-connections-warehouse`,
      payload: { data: Buffer.from("postgres://etl:first@wh:5432/dw") },
    });
    const hints = hintsOf(deliveries);
    assert.deepEqual(
      hints.map((h) => [h.action, h.version, h.keys.map(keyString)]),
      [["upsert", "1", ["conn:warehouse"]]],
    );
    const [read] = await readFor(hints);
    assert.equal(read?.status === "found" && read.value.kind === "connection" ? read.value.connection.password : undefined, "first");
  });

  it("publishes the same shapes as the real samples in events/gcp/", () => {
    const add = deliveries.find((d) => d.eventType === "SECRET_VERSION_ADD");
    assert.ok(add);
    assert.deepEqual(shapeOf(add.pushBody), shapeOf(loadGcpSample("gcp-secretmanager-pubsub-push-version-add.json")));
    assert.deepEqual(shapeOf(add.cloudEvent), shapeOf(loadGcpSample("gcp-secretmanager-cloudevent-version-add.json")));
  });

  it("a burst with duplicates: every delivery parses, one read per key, the newest version wins", async () => {
    deliveries.length = 0;
    const parent = `${project()}/secrets/airflow-connections-warehouse`;
    await admin.addSecretVersion({ parent, payload: { data: Buffer.from("postgres://etl:second@wh:5432/dw") } });
    await admin.addSecretVersion({ parent, payload: { data: Buffer.from("postgres://etl:third@wh:5432/dw") } });
    // At-least-once delivery: Pub/Sub redelivers the first message twice more.
    const burst = [deliveries[0], deliveries[1], deliveries[0], deliveries[0]].filter((d) => d !== undefined);
    const hints = hintsOf(burst);
    assert.equal(hints.length, 4);
    emu.resetCalls();
    const reads = await readFor(hints);
    assert.equal(reads.length, 1);
    assert.equal(emu.calls("AccessSecretVersion"), 2, "one pinned read: the named version and latest");
    assert.equal(reads[0]?.status === "found" ? reads[0].version?.id : undefined, "3");
    assert.equal(
      reads[0]?.status === "found" && reads[0].value.kind === "connection" ? reads[0].value.connection.password : undefined,
      "third",
    );
  });

  it("a destroyed latest version: re-read latest, reported as DESTROYED, not as a deletion", async () => {
    deliveries.length = 0;
    await admin.destroySecretVersion({ name: `${project()}/secrets/airflow-connections-warehouse/versions/3` });
    const hints = hintsOf(deliveries);
    assert.deepEqual(
      hints.map((h) => [h.action, h.version]),
      [["upsert", undefined]],
    );
    const [read] = await readFor(hints);
    assert.equal(read?.status, "invalid");
    assert.match(read?.status === "invalid" ? read.reason : "", /latest version 3 is DESTROYED/);
  });

  it("a deleted secret: delete, and the read confirms it is gone", async () => {
    deliveries.length = 0;
    await admin.deleteSecret({ name: `${project()}/secrets/airflow-connections-warehouse` });
    const hints = hintsOf(deliveries);
    assert.deepEqual(
      hints.map((h) => [h.action, h.keys.map(keyString)]),
      [["delete", ["conn:warehouse"]]],
    );
    const [read] = await readFor(hints);
    assert.equal(read?.status, "missing");
  });

  it("ignores TOPIC_CONFIGURED and secrets outside the prefixes, saying why", async () => {
    deliveries.length = 0;
    await admin.createSecret({
      parent: project(),
      secretId: "payments-api-key",
      secret: { replication: { automatic: {} }, topics: [{ name: `${project()}/topics/airflow-secrets` }] },
    });
    await admin.addSecretVersion({ parent: `${project()}/secrets/payments-api-key`, payload: { data: Buffer.from("k") } });
    const hints = hintsOf(deliveries);
    assert.deepEqual(
      hints.map((h) => h.action),
      ["ignore", "ignore", "upsert"],
    );
    assert.match(hints[0]?.reason ?? "", /TOPIC_CONFIGURED/);
    const outside = source.keysFor(hints[2]?.secretId ?? "");
    assert.deepEqual(outside.keys, []);
    assert.match(outside.ignoredReason ?? "", /payments-api-key/);
  });
});
