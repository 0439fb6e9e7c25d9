import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import { UnrecognizedEventError } from "@afsync/core";
import { isVaultEvent, parseVaultEvent } from "../src/events/parseVaultEvent.ts";
import { loadVaultSample, vaultEventSampleNames } from "./vaultSamples.ts";

type Expected = Pick<ChangeHint, "provider" | "secretId" | "action"> & { version?: string };

const EXPECTED: Record<string, Expected> = {
  "vault-kv-v2-data-write.json": { provider: "vault", secretId: "secret/foo", action: "upsert", version: "1" },
  // 1.13: the path has no mount ("data/foo"); the mount comes from plugin_info.
  "vault-kv-v2-data-write-v1.13.json": { provider: "vault", secretId: "secret/foo", action: "upsert", version: "1" },
  // The path names the endpoint (secret-v2/destroy/my-secret); the current version 3 is among the destroyed.
  "vault-kv-v2-destroy.json": { provider: "vault", secretId: "secret-v2/my-secret", action: "delete" },
};

function essentials(hints: ChangeHint[]): Expected[] {
  return hints.map((h) => ({
    provider: h.provider,
    secretId: h.secretId,
    action: h.action,
    ...(h.version !== undefined ? { version: h.version } : {}),
  }));
}

/** A sample with its event type, metadata or envelope changed: the cases Vault documents but no sample shows. */
function variant(sample: string, patch: (event: { data: Record<string, unknown>; metadata: Record<string, unknown> }) => void): unknown {
  const event = structuredClone(loadVaultSample(sample)) as { data: Record<string, unknown> };
  patch({ data: event.data, metadata: (event.data.event as { metadata: Record<string, unknown> }).metadata });
  return event;
}

const WRITE = "vault-kv-v2-data-write.json";

describe("parseVaultEvent", () => {
  it("covers every Vault event sample in events/vault/", () => {
    assert.deepEqual(vaultEventSampleNames(), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`maps ${name} to ${expected.action} ${expected.secretId}`, () => {
      const sample = loadVaultSample(name);
      assert.ok(isVaultEvent(sample));
      assert.deepEqual(essentials(parseVaultEvent(sample)), [expected]);
    });
  }

  it("turns each KV event type into the right action", () => {
    const cases: [string, Record<string, string>, ChangeHint["action"]][] = [
      ["kv-v2/data-patch", { path: "secret/data/foo", data_path: "secret/data/foo", current_version: "4" }, "upsert"],
      ["kv-v2/undelete", { path: "secret/undelete/foo", data_path: "secret/data/foo", undeleted_versions: "[4]" }, "upsert"],
      ["kv-v2/delete", { path: "secret/data/foo", current_version: "4", deleted_versions: "[4]" }, "delete"],
      ["kv-v2/delete", { path: "secret/delete/foo", current_version: "4", deleted_versions: "[1,2]" }, "ignore"],
      ["kv-v2/data-delete", { path: "secret/data/foo" }, "delete"],
      ["kv-v2/metadata-delete", { path: "secret/metadata/foo" }, "delete"],
      ["kv-v2/metadata-write", { path: "secret/metadata/foo", data_path: "secret/data/foo" }, "ignore"],
      ["kv-v2/config-write", { path: "secret/config", data_path: "secret/config" }, "ignore"],
    ];
    for (const [type, metadata, action] of cases) {
      const event = variant(WRITE, (e) => {
        e.data.event_type = type;
        for (const k of Object.keys(e.metadata)) delete e.metadata[k];
        Object.assign(e.metadata, { modified: "true", operation: type.slice(6) }, metadata);
      });
      const [hint] = parseVaultEvent(event);
      assert.equal(hint?.action, action, type);
      if (action !== "ignore") assert.equal(hint?.secretId, "secret/foo", type);
      if (action === "ignore") assert.ok(hint?.reason, `${type} says why it is ignored`);
    }
  });

  it("reads KV v1 writes and deletes on a v1 mount", () => {
    const v1 = (type: string) =>
      variant(WRITE, (e) => {
        e.data.event_type = type;
        e.data.plugin_info = { mount_class: "secret", mount_accessor: "kv_1", mount_path: "kv/", plugin: "kv", version: "1" };
        for (const k of Object.keys(e.metadata)) delete e.metadata[k];
        Object.assign(e.metadata, { modified: "true", operation: type.slice(6), path: "kv/connections/db" });
      });
    assert.deepEqual(essentials(parseVaultEvent(v1("kv-v1/write"))), [
      { provider: "vault", secretId: "kv/connections/db", action: "upsert" },
    ]);
    assert.equal(parseVaultEvent(v1("kv-v1/delete"))[0]?.action, "delete");
  });

  it("puts the Enterprise namespace in front of the id", () => {
    const event = variant(WRITE, (e) => {
      e.data.namespace = "ns1/team/";
    });
    assert.equal(parseVaultEvent(event)[0]?.secretId, "ns1/team/secret/foo");
  });

  it("ignores events from other plugins and events that modified nothing, saying why", () => {
    const other = variant(WRITE, (e) => {
      e.data.event_type = "database/rotate";
    });
    assert.match(parseVaultEvent(other)[0]?.reason ?? "", /not from a KV secrets engine/);
    const unmodified = variant(WRITE, (e) => {
      e.metadata.modified = "false";
    });
    assert.equal(parseVaultEvent(unmodified)[0]?.action, "ignore");
  });

  it("parses an array of events, naming the index of a bad one", () => {
    assert.equal(parseVaultEvent([loadVaultSample(WRITE), loadVaultSample("vault-kv-v2-destroy.json")]).length, 2);
    assert.throws(() => parseVaultEvent([loadVaultSample(WRITE), 42]), /^UnrecognizedEventError: \[1\]: expected a JSON object/);
  });

  describe("rejects malformed events with an error naming the field", () => {
    const cases: [string, unknown, RegExp][] = [
      ["not an object", "kv-v2/data-write", /^event: expected a JSON object/],
      ["no data", { id: "x", type: "*" }, /^event\.data: missing or not an object/],
      [
        "event_type missing",
        variant(WRITE, (e) => delete e.data.event_type),
        /^event\.data\.event_type: missing or not a string \(got nothing\)/,
      ],
      [
        "event_type not a string",
        variant(WRITE, (e) => Object.assign(e.data, { event_type: 7 })),
        /event_type: missing or not a string \(got a number\)/,
      ],
      [
        "metadata not an object",
        variant(WRITE, (e) => Object.assign(e.data, { event: { id: "x", metadata: [] } })),
        /^event\.data\.event\.metadata: missing/,
      ],
      [
        "metadata value a number",
        variant(WRITE, (e) => Object.assign(e.metadata, { current_version: 1 })),
        /metadata\.current_version: expected a string .* got a number/,
      ],
      [
        "current_version not a number",
        variant(WRITE, (e) => Object.assign(e.metadata, { current_version: "latest" })),
        /current_version: expected a version number/,
      ],
      [
        "no mount_path",
        variant(WRITE, (e) => Object.assign(e.data, { plugin_info: { plugin: "kv" } })),
        /plugin_info\.mount_path: missing/,
      ],
      [
        "no path",
        variant(WRITE, (e) => {
          delete e.metadata.path;
          delete e.metadata.data_path;
        }),
        /metadata\.path: missing/,
      ],
      [
        "version list not a JSON array",
        variant("vault-kv-v2-destroy.json", (e) => Object.assign(e.metadata, { destroyed_versions: "2,3" })),
        /destroyed_versions: expected a JSON array of version numbers as a string, like "\[2,3\]"/,
      ],
    ];
    for (const [name, event, message] of cases) {
      it(name, () => {
        assert.throws(
          () => parseVaultEvent(event),
          (err: Error) => err instanceof UnrecognizedEventError && err.code === "UNRECOGNIZED_EVENT" && message.test(err.message),
        );
      });
    }
  });
});
