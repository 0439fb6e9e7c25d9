import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import { UnrecognizedEventError } from "@afsync/core";
import { parseGcpEvent } from "../src/events/parseGcpEvent.ts";
import { gcpSampleNames, loadGcpSample } from "./gcpSamples.ts";

type Expected = Pick<ChangeHint, "secretId" | "action" | "version"> | { readonly refused: RegExp };

/** What every sample in events/gcp/ must give: its hints, or a refusal that says why. */
const EXPECTED: Record<string, Expected> = {
  "gcp-pubsub-cloudevent-messagepublished-example.json": {
    refused: /event\.data: message\.attributes\.eventType is missing|eventType is missing/,
  },
  "gcp-secretmanager-cloudevent-version-add.json": {
    secretId: "projects/827585297303/secrets/test-secret",
    action: "upsert",
    version: "2",
  },
  "gcp-secretmanager-pubsub-push-secret-create.json": { secretId: "projects/1019248048664/secrets/key-logistic", action: "ignore" },
  "gcp-secretmanager-pubsub-push-secret-rotate.json": { secretId: "projects/1019248048664/secrets/key-logistic", action: "notice" },
  "gcp-secretmanager-pubsub-push-topic-configured.json": { secretId: "", action: "ignore" },
  "gcp-secretmanager-pubsub-push-version-add.json": {
    secretId: "projects/827585297303/secrets/test-secret",
    action: "upsert",
    version: "2",
  },
  "gcp-secretmanager-secret-resource-decoded.json": { refused: /not a Pub\/Sub delivery/ },
};

function essentials(hints: ChangeHint[]) {
  return hints.map((h) => ({ secretId: h.secretId, action: h.action, ...(h.version !== undefined ? { version: h.version } : {}) }));
}

function pushWith(attributes: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const push = structuredClone(loadGcpSample("gcp-secretmanager-pubsub-push-version-add.json"));
  (push.message as Record<string, unknown>).attributes = attributes;
  Object.assign(push.message as Record<string, unknown>, extra);
  return push;
}

const SECRET = "projects/827585297303/secrets/airflow-connections-db";

describe("parseGcpEvent", () => {
  it("covers every GCP sample in events/gcp/", () => {
    assert.deepEqual(gcpSampleNames(), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    if ("refused" in expected) {
      it(`refuses ${name}, saying why`, () => {
        assert.throws(
          () => parseGcpEvent(loadGcpSample(name)),
          (e: unknown) => e instanceof UnrecognizedEventError && expected.refused.test(e.message),
        );
      });
      continue;
    }
    it(`maps ${name} to ${expected.action} ${expected.secretId || "(no secret)"}`, () => {
      const hints = parseGcpEvent(loadGcpSample(name));
      assert.deepEqual(essentials(hints), [expected]);
      assert.ok(hints.every((h) => h.provider === "gcp-secret-manager"));
      assert.ok(hints[0]?.reason, "every hint says why");
    });
  }

  it("reads the push body and the CloudEvent of one message alike", () => {
    const push = loadGcpSample("gcp-secretmanager-pubsub-push-version-add.json");
    const cloudEvent = loadGcpSample("gcp-secretmanager-cloudevent-version-add.json");
    assert.deepEqual(parseGcpEvent(push), parseGcpEvent(cloudEvent));
    // Binary-mode CloudEvents put the envelope in ce-* headers: the body is the push body's shape.
    assert.deepEqual(parseGcpEvent((cloudEvent as { data: unknown }).data), parseGcpEvent(push));
  });

  const actions: [string, ChangeHint["action"], string | undefined][] = [
    ["SECRET_VERSION_ADD", "upsert", "7"],
    ["SECRET_VERSION_ENABLE", "upsert", "7"],
    ["SECRET_VERSION_DISABLE", "upsert", undefined],
    ["SECRET_VERSION_DESTROY", "upsert", undefined],
    ["SECRET_VERSION_DESTROY_SCHEDULED", "upsert", undefined],
    ["SECRET_DELETE", "delete", undefined],
    ["SECRET_ROTATE", "notice", undefined],
    ["SECRET_UPDATE", "ignore", undefined],
    ["SECRET_CREATE", "ignore", undefined],
    ["SOMETHING_NEW", "ignore", undefined],
  ];
  for (const [eventType, action, version] of actions) {
    it(`maps ${eventType} to ${action}${version ? " pinned to the version" : ""}`, () => {
      const [hint] = parseGcpEvent(pushWith({ eventType, secretId: SECRET, versionId: `${SECRET}/versions/7`, dataFormat: "JSON_API_V1" }));
      assert.equal(hint?.action, action);
      assert.equal(hint?.version, version);
      assert.equal(hint?.secretId, SECRET);
      if (eventType.startsWith("SECRET_VERSION_D")) assert.match(hint?.reason ?? "", /version 7 .*re-read what latest now is/);
    });
  }

  it("does not pin to a versionId of another secret", () => {
    const [hint] = parseGcpEvent(
      pushWith({ eventType: "SECRET_VERSION_ADD", secretId: SECRET, versionId: "projects/1/secrets/other/versions/3" }),
    );
    assert.equal(hint?.action, "upsert");
    assert.equal(hint?.version, undefined);
  });

  it("parses an array of deliveries, naming the failing index", () => {
    const push = loadGcpSample("gcp-secretmanager-pubsub-push-version-add.json");
    assert.equal(parseGcpEvent([push, push]).length, 2);
    assert.throws(() => parseGcpEvent([push, { message: 3 }]), /\[1\]\.message: expected an object, got number/);
  });

  describe("malformed input: a clear error naming what and where", () => {
    const cases: [string, unknown, RegExp][] = [
      ["not an object", "SECRET_VERSION_ADD", /event: expected a JSON object, got string/],
      ["no message", { subscription: "s" }, /not a Pub\/Sub delivery/],
      ["message an array", { message: [] }, /event\.message: expected an object, got an array/],
      ["no attributes", { message: { data: "" } }, /event\.message\.attributes: missing/],
      ["attributes a string", { message: { attributes: "x" } }, /message\.attributes: expected an object, got string/],
      [
        "an attribute a number",
        pushWith({ eventType: "SECRET_VERSION_ADD", secretId: 5 }),
        /attributes\.secretId: expected a string .* got number/,
      ],
      ["no eventType", pushWith({ secretId: SECRET }), /eventType is missing/],
      ["no secretId", pushWith({ eventType: "SECRET_VERSION_ADD" }), /secretId is missing on a "SECRET_VERSION_ADD"/],
      [
        "a secretId that is no resource name",
        pushWith({ eventType: "SECRET_DELETE", secretId: "airflow-connections-db" }),
        /secretId is not a secret resource name/,
      ],
      [
        "data not a string",
        pushWith({ eventType: "SECRET_DELETE", secretId: SECRET }, { data: { a: 1 } }),
        /message\.data: expected a base64 string, got object/,
      ],
      [
        "another CloudEvent type",
        { specversion: "1.0", type: "google.cloud.storage.object.v1.finalized", data: {} },
        /event\.type: .*google\.cloud\.storage/,
      ],
      [
        "a CloudEvent without data",
        { specversion: "1.0", type: "google.cloud.pubsub.topic.v1.messagePublished" },
        /event\.data: expected the MessagePublishedData object, got undefined/,
      ],
    ];
    for (const [what, input, message] of cases) {
      it(`refuses ${what}`, () => {
        assert.throws(
          () => parseGcpEvent(input),
          (e: unknown) => e instanceof UnrecognizedEventError && message.test(e.message),
        );
      });
    }

    it("never quotes attribute values it refuses", () => {
      const marker = "s3ntinel-attr-value";
      assert.throws(
        () => parseGcpEvent(pushWith({ eventType: "SECRET_DELETE", secretId: marker })),
        (e: unknown) => e instanceof Error && !e.message.includes(marker),
      );
    });
  });
});
