import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials, status } from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";
import { type GcpEmulator, type SecretManagerNotification, startGcpEmulator } from "../src/gcp/startGcpEmulator.ts";

function clientFor(emu: GcpEmulator): SecretManagerServiceClient {
  // universeDomain + a pass-through auth client: without them google-gax probes the metadata server.
  return new SecretManagerServiceClient({
    apiEndpoint: "127.0.0.1",
    port: emu.port,
    sslCreds: credentials.createInsecure(),
    universeDomain: "googleapis.com",
    authClient: new PassThroughClient(),
  });
}

async function grpcCode(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

const NO_RETRY = { retry: null } as unknown as Record<string, never>;

describe("GCP Secret Manager emulator (official client over gRPC)", () => {
  let emu: GcpEmulator;
  let client: SecretManagerServiceClient;
  const seen: SecretManagerNotification[] = [];
  const parent = () => `projects/${emu.project.id}`;
  const topic = () => `projects/${emu.project.id}/topics/secrets`;

  before(async () => {
    emu = await startGcpEmulator({ onNotification: (n) => seen.push(n) });
    client = clientFor(emu);
  });
  after(async () => {
    await client.close();
    await emu.close();
  });

  it("creates, adds versions, and serves latest and exact versions, naming the project by number", async () => {
    await client.createSecret({
      parent: parent(),
      secretId: "app-db",
      secret: { replication: { automatic: {} }, topics: [{ name: topic() }] },
    });
    await client.addSecretVersion({ parent: `${parent()}/secrets/app-db`, payload: { data: Buffer.from("one") } });
    await client.addSecretVersion({ parent: `${parent()}/secrets/app-db`, payload: { data: Buffer.from("two") } });
    const [latest] = await client.accessSecretVersion({ name: `${parent()}/secrets/app-db/versions/latest` });
    assert.equal(latest.name, `projects/${emu.project.number}/secrets/app-db/versions/2`);
    assert.equal(Buffer.from(latest.payload?.data ?? "").toString(), "two");
    const [first] = await client.accessSecretVersion({ name: `projects/${emu.project.number}/secrets/app-db/versions/1` });
    assert.equal(Buffer.from(first.payload?.data ?? "").toString(), "one");
    assert.equal(await grpcCode(client.accessSecretVersion({ name: `${parent()}/secrets/app-db/versions/9` }, NO_RETRY)), status.NOT_FOUND);
    assert.equal(
      await grpcCode(client.accessSecretVersion({ name: `${parent()}/secrets/nope/versions/latest` }, NO_RETRY)),
      status.NOT_FOUND,
    );
  });

  it("refuses disabled and destroyed versions with FAILED_PRECONDITION; latest stays the newest version", async () => {
    const name = `${parent()}/secrets/app-db/versions/2`;
    await client.disableSecretVersion({ name });
    const latest = `${parent()}/secrets/app-db/versions/latest`;
    assert.equal(await grpcCode(client.accessSecretVersion({ name: latest }, NO_RETRY)), status.FAILED_PRECONDITION);
    const [meta] = await client.getSecretVersion({ name: latest });
    assert.equal(meta.state, "DISABLED");
    await client.enableSecretVersion({ name });
    await client.destroySecretVersion({ name });
    assert.equal(await grpcCode(client.accessSecretVersion({ name: latest }, NO_RETRY)), status.FAILED_PRECONDITION);
    assert.equal(await grpcCode(client.enableSecretVersion({ name })), status.FAILED_PRECONDITION, "DESTROYED is final");
  });

  it("schedules destruction (disables) when the secret has a version_destroy_ttl", async () => {
    await client.createSecret({
      parent: parent(),
      secretId: "delayed",
      secret: { replication: { automatic: {} }, topics: [{ name: topic() }], versionDestroyTtl: { seconds: 86400 } },
    });
    await client.addSecretVersion({ parent: `${parent()}/secrets/delayed`, payload: { data: Buffer.from("v") } });
    const [v] = await client.destroySecretVersion({ name: `${parent()}/secrets/delayed/versions/1` });
    assert.equal(v.state, "DISABLED");
    assert.ok(v.scheduledDestroyTime);
    assert.equal(seen.at(-1)?.eventType, "SECRET_VERSION_DESTROY_SCHEDULED");
  });

  it("publishes every write to the secret's topics in both delivery shapes", async () => {
    const types = seen
      .filter((n) => n.message.attributes.secretId?.endsWith("/app-db") || n.eventType === "TOPIC_CONFIGURED")
      .map((n) => n.eventType);
    assert.deepEqual(types.slice(0, 8), [
      "TOPIC_CONFIGURED",
      "SECRET_CREATE",
      "SECRET_VERSION_ADD",
      "SECRET_VERSION_ADD",
      "SECRET_VERSION_DISABLE",
      "SECRET_VERSION_ENABLE",
      "SECRET_VERSION_DESTROY",
      "TOPIC_CONFIGURED",
    ]);
    const add = seen.find((n) => n.eventType === "SECRET_VERSION_ADD");
    assert.ok(add);
    assert.deepEqual(Object.keys(add.message.attributes).sort(), ["dataFormat", "eventType", "secretId", "timestamp", "versionId"]);
    assert.equal(add.message.attributes.secretId, `projects/${emu.project.number}/secrets/app-db`);
    assert.equal(add.message.attributes.versionId, `projects/${emu.project.number}/secrets/app-db/versions/1`);
    const resource = JSON.parse(Buffer.from(add.message.data ?? "", "base64").toString("utf8"));
    assert.equal(resource.state, "ENABLED");
    assert.equal(typeof resource.createTime, "string", "proto3 JSON: RFC 3339 times");
    assert.ok(!JSON.stringify(add).includes(Buffer.from("one").toString("base64")), "notifications never carry the value");
    assert.deepEqual(add.pushBody.message.attributes, add.message.attributes);
    assert.equal(add.pushBody.message.message_id, add.message.messageId);
    assert.equal(add.cloudEvent.type, "google.cloud.pubsub.topic.v1.messagePublished");
    assert.equal(add.cloudEvent.source, `//pubsub.googleapis.com/${topic()}`);
    assert.deepEqual(add.cloudEvent.data.message, add.message);
    const configured = seen.find((n) => n.eventType === "TOPIC_CONFIGURED");
    assert.deepEqual(configured?.message.attributes, { eventType: "TOPIC_CONFIGURED" });
    assert.equal(configured?.message.data, undefined);
    assert.deepEqual(emu.notifications, seen);
  });

  it("deletes a secret (SECRET_DELETE) and then answers NOT_FOUND", async () => {
    await client.deleteSecret({ name: `${parent()}/secrets/app-db` });
    assert.equal(seen.at(-1)?.eventType, "SECRET_DELETE");
    assert.equal(await grpcCode(client.getSecret({ name: `${parent()}/secrets/app-db` })), status.NOT_FOUND);
    emu.fireRotation("delayed");
    assert.equal(seen.at(-1)?.eventType, "SECRET_ROTATE");
  });

  it("lists with a name filter, in pages", async () => {
    for (let i = 0; i < 7; i++) emu.seedSecret({ secretId: `list-a-${i}`, versions: ["x"] });
    emu.seedSecret({ secretId: "list-b-0", versions: ["x"] });
    emu.resetCalls();
    const pages: number[] = [];
    type ListRequest = { parent: string; filter: string; pageSize: number; pageToken?: string };
    let request: ListRequest | null = {
      parent: parent(),
      filter: "name:list-a-",
      pageSize: 3,
    };
    const names: string[] = [];
    while (request) {
      const current: ListRequest = request;
      const [secrets, next]: [{ name?: string | null }[], { pageToken?: string | null } | null, unknown] = await client.listSecrets(
        current,
        {
          autoPaginate: false,
        },
      );
      pages.push(secrets.length);
      names.push(...secrets.map((s) => s.name ?? ""));
      request = next?.pageToken ? { ...current, pageToken: next.pageToken } : null;
    }
    assert.deepEqual(pages, [3, 3, 1]);
    assert.ok(names.every((n) => n.includes("/secrets/list-a-")));
    assert.equal(emu.calls("ListSecrets"), 3);
    const [both] = await client.listSecrets({ parent: parent(), filter: 'name:list-a-6 OR name:"list-b-"' }, { autoPaginate: false });
    assert.equal(both.length, 2);
    assert.equal(
      await grpcCode(client.listSecrets({ parent: parent(), filter: "labels.env=prod" }, { autoPaginate: false })),
      status.INVALID_ARGUMENT,
    );
    assert.equal(
      await grpcCode(client.listSecrets({ parent: "projects/someone-else" }, { autoPaginate: false })),
      status.PERMISSION_DENIED,
    );
    assert.equal(await grpcCode(client.createSecret({ parent: parent(), secretId: "bad.id", secret: {} })), status.INVALID_ARGUMENT);
  });

  it("injects faults per method and counts every call", async () => {
    emu.resetCalls();
    emu.inject({ status: 429, times: 1, operationId: "AccessSecretVersion" });
    emu.inject({ status: 503, times: 1, operationId: "AccessSecretVersion" });
    const name = `${parent()}/secrets/list-b-0/versions/latest`;
    assert.equal(await grpcCode(client.accessSecretVersion({ name }, NO_RETRY)), status.RESOURCE_EXHAUSTED);
    assert.equal(await grpcCode(client.accessSecretVersion({ name }, NO_RETRY)), status.UNAVAILABLE);
    assert.equal(await grpcCode(client.accessSecretVersion({ name }, NO_RETRY)), undefined);
    assert.equal(emu.calls("AccessSecretVersion"), 3);
  });
});

describe("GCP Secret Manager emulator quotas", () => {
  it("answers RESOURCE_EXHAUSTED past the per-minute quota and refills the next minute", async () => {
    const emu = await startGcpEmulator({ quotas: { readPerMinute: 2, accessPerMinute: 1 } });
    const client = clientFor(emu);
    try {
      emu.seedSecret({ secretId: "q", versions: ["x"] });
      const list = () => client.listSecrets({ parent: `projects/${emu.project.id}` }, { autoPaginate: false, ...NO_RETRY });
      assert.equal(await grpcCode(list()), undefined);
      assert.equal(await grpcCode(list()), undefined);
      assert.equal(await grpcCode(list()), status.RESOURCE_EXHAUSTED);
      const access = () => client.accessSecretVersion({ name: `projects/${emu.project.id}/secrets/q/versions/latest` }, NO_RETRY);
      assert.equal(await grpcCode(access()), undefined, "access has its own quota");
      assert.equal(await grpcCode(access()), status.RESOURCE_EXHAUSTED);
      emu.advanceTime(60_000);
      assert.equal(await grpcCode(list()), undefined);
      assert.equal(await grpcCode(access()), undefined);
    } finally {
      await client.close();
      await emu.close();
    }
  });
});
