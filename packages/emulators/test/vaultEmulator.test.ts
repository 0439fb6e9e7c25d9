import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { startVaultEmulator, type VaultEmulator, type VaultEventEnvelope } from "../src/vault/startVaultEmulator.ts";

const SAMPLES = new URL("../../../events/vault/", import.meta.url);
const sample = (name: string) => JSON.parse(readFileSync(new URL(name, SAMPLES), "utf8")) as Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: Vault's JSON bodies have many shapes; the tests assert field by field.
type Json = any;

/** The object's key structure (nested objects by their keys), to compare a response's shape with Vault's docs. */
function shape(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return typeof value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, shape(v)]),
  );
}

describe("Vault emulator: KV v2 over Vault's HTTP API", () => {
  let emu: VaultEmulator;
  const events: VaultEventEnvelope[] = [];
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${emu.url}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": emu.rootToken, ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, Json>) : null };
  };

  before(async () => {
    emu = await startVaultEmulator({ mounts: { secret: 2, kv: 1 }, namespaces: ["ns1"] });
    emu.onEvent((e) => events.push(e));
  });
  after(async () => {
    await emu.close();
  });

  it("answers reads, metadata and LIST in the shapes of Vault's API docs", async () => {
    await api("POST", "secret/data/foo", { data: { foo: "bar" } });
    await api("POST", "secret/data/foo/child", { data: { a: "b" } });
    const read = await api("GET", "secret/data/foo");
    assert.equal(read.status, 200);
    assert.deepEqual(read.body?.data.data, { foo: "bar" });
    // custom_metadata is null until set, an object in the doc sample: compare the rest.
    const withoutCustom = (v: unknown) => {
      const s = shape(v) as { data: { metadata?: Record<string, unknown> } & Record<string, unknown> };
      if (s.data.metadata) delete s.data.metadata.custom_metadata;
      delete (s.data as Record<string, unknown>).custom_metadata;
      return s;
    };
    assert.deepEqual(
      withoutCustom({ data: { ...read.body?.data, data: { foo: "" } } }),
      withoutCustom(sample("vault-kv-v2-read-response.json")),
    );
    const metadata = await api("GET", "secret/metadata/foo");
    const m = structuredClone(sample("vault-kv-v2-metadata-response.json")) as { data: { versions: Record<string, unknown> } };
    m.data.versions = { "1": m.data.versions["1"] };
    assert.deepEqual(withoutCustom(metadata.body), withoutCustom(m));
    const list = await api("GET", "secret/metadata/?list=true");
    assert.deepEqual(list.body, sample("vault-kv-v2-list-response.json"), "a name can be a secret and a folder");
    assert.equal((await api("GET", "secret/metadata/nothing/here?list=true")).status, 404);
  });

  it("keeps versions: soft delete, undelete, destroy and metadata delete, each emitting its event", async () => {
    events.length = 0;
    await api("POST", "secret/data/life", { data: { v: "1" } });
    await api("PATCH", "secret/data/life", { data: { w: "2" } }, { "Content-Type": "application/merge-patch+json" });
    assert.deepEqual((await api("GET", "secret/data/life")).body?.data.data, { v: "1", w: "2" });
    assert.equal((await api("GET", "secret/data/life?version=1")).body?.data.data.v, "1");
    await api("DELETE", "secret/data/life");
    const deleted = await api("GET", "secret/data/life");
    assert.equal(deleted.status, 404);
    assert.equal(deleted.body?.data.data, null);
    assert.notEqual(deleted.body?.data.metadata.deletion_time, "");
    await api("POST", "secret/undelete/life", { versions: [2] });
    assert.equal((await api("GET", "secret/data/life")).status, 200);
    await api("PUT", "secret/destroy/life", { versions: [2] });
    assert.equal((await api("GET", "secret/data/life")).body?.data.metadata.destroyed, true);
    await api("DELETE", "secret/metadata/life");
    assert.equal((await api("GET", "secret/metadata/life")).status, 404);
    assert.deepEqual(
      events.map((e) => `${e.data.event_type} ${e.data.event.metadata.path}`),
      [
        "kv-v2/data-write secret/data/life",
        "kv-v2/data-patch secret/data/life",
        "kv-v2/data-delete secret/data/life",
        "kv-v2/undelete secret/undelete/life",
        "kv-v2/destroy secret/destroy/life",
        "kv-v2/metadata-delete secret/metadata/life",
      ],
    );
    assert.equal(events[4]?.data.event.metadata.destroyed_versions, "[2]");
  });

  it("emits events in the envelope of Vault 1.15+ (datacontentype sic, type '*', string metadata)", async () => {
    events.length = 0;
    await api("POST", "secret/data/foo", { data: { foo: "baz" } });
    const [event] = events;
    const real = sample("vault-kv-v2-data-write.json");
    assert.deepEqual(Object.keys(event ?? {}).sort(), Object.keys(real).sort());
    assert.deepEqual(Object.keys(event?.data.event.metadata ?? {}).sort(), Object.keys((real.data as Json).event.metadata).sort());
    assert.ok(Object.values(event?.data.event.metadata ?? {}).every((v) => typeof v === "string"));
    assert.equal(event?.datacontentype, "application/cloudevents");
    assert.equal(event?.data.event.metadata.current_version, "2");
  });

  it("refuses a write whose check-and-set does not match", async () => {
    const r = await api("POST", "secret/data/cas", { data: { a: "1" }, options: { cas: 5 } });
    assert.equal(r.status, 400);
    assert.match(r.body?.errors[0], /check-and-set/);
  });

  it("serves a KV v1 mount: write, read, LIST, delete", async () => {
    events.length = 0;
    assert.equal((await api("POST", "kv/connections/db", { conn_uri: "postgres://h/db" })).status, 204);
    assert.deepEqual((await api("GET", "kv/connections/db")).body?.data, { conn_uri: "postgres://h/db" });
    assert.deepEqual((await api("GET", "kv/connections?list=true")).body?.data.keys, ["db"]);
    await api("DELETE", "kv/connections/db");
    assert.equal((await api("GET", "kv/connections/db")).status, 404);
    assert.deepEqual(
      events.map((e) => e.data.event_type),
      ["kv-v1/write", "kv-v1/delete"],
    );
  });

  it("checks tokens and namespaces", async () => {
    assert.equal((await api("GET", "secret/data/foo", undefined, { "X-Vault-Token": "nope" })).status, 403);
    assert.equal((await api("GET", "secret/data/foo", undefined, { "X-Vault-Namespace": "missing" })).status, 404);
    emu.seed("secret/only-ns1", { a: "1" }, { namespace: "ns1" });
    assert.equal((await api("GET", "secret/data/only-ns1", undefined, { "X-Vault-Namespace": "ns1" })).status, 200);
    assert.equal((await api("GET", "secret/data/only-ns1")).status, 404, "namespaces are separate");
    const nsToken = emu.issueToken({ namespace: "ns1" });
    assert.equal(
      (await api("GET", "secret/data/foo", undefined, { "X-Vault-Token": nsToken })).status,
      403,
      "a child namespace's token cannot read the root",
    );
    const ttl = emu.issueToken({ ttlSeconds: 10 });
    emu.advanceTime(11_000);
    assert.equal((await api("GET", "secret/data/foo", undefined, { "X-Vault-Token": ttl })).status, 403, "an expired token is refused");
  });

  it("counts calls per operation and injects faults by operation", async () => {
    emu.resetCalls();
    emu.inject({ status: 503, operationId: "kv-v2/read" });
    assert.equal((await api("GET", "secret/data/foo")).status, 503);
    assert.equal((await api("GET", "secret/data/foo")).status, 200);
    await api("GET", "secret/metadata/foo");
    await api("GET", "secret/metadata/?list=true");
    assert.deepEqual(emu.calls(), { "kv-v2/read": 2, "kv-v2/metadata-read": 1, "kv-v2/list": 1 });
  });
});
