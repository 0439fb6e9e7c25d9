import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeSyncMessage } from "../src/edge/decodeSyncMessage.ts";
import { parseWebhookBody } from "../src/webhook/parseWebhookBody.ts";
import { zodDecodeSyncMessage, zodParseWebhookBody } from "./support/zodEdgeDecoders.ts";

// The hand-written edge decoders against the zod schemas they replaced (support/zodEdgeDecoders.ts):
// for any body, the same answer (accepted with the same value, or refused with the same reason).
// Bodies are drawn near the valid shape (each field valid, wrong-typed, empty, missing or extra)
// so that every branch is reached, plus arbitrary JSON and text.
const RUNS = Number(process.env.AFSYNC_FUZZ_RUNS ?? 2000);

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constant(""),
  fc.string(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 2 }),
);
const name = fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) }, { weight: 1, arbitrary: junk });
/** A record whose optional fields may be missing (its required ones, rarely), and which may carry an unknown field. */
function shaped(fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = Object.keys(fields)): fc.Arbitrary<unknown> {
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.record({ extra: junk, value: fc.string() }, { requiredKeys: [] }) },
  );
  const known = fc.oneof(
    { weight: 8, arbitrary: fc.record(fields, { requiredKeys: required }) },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  );
  return fc
    .tuple(known, extra)
    .map(([known, more]) => ({ ...known, ...(more ?? {}) }))
    .chain((v) => fc.oneof({ weight: 12, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: junk }));
}

const key = shaped({ kind: fc.oneof(fc.constantFrom("connection", "variable"), junk), id: name });
const hint = shaped(
  {
    provider: name,
    sourceId: name,
    secretId: name,
    version: name,
    action: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("upsert", "delete", "notice", "ignore") }, { weight: 1, arbitrary: junk }),
    reason: fc.oneof(fc.string(), junk),
    keys: fc.oneof(fc.array(key, { maxLength: 3 }), junk),
  },
  ["provider", "secretId", "action"],
);
const trigger = fc.oneof(
  shaped({ kind: fc.constant("full") }),
  shaped({
    kind: fc.constant("hints"),
    hints: fc.oneof({ weight: 4, arbitrary: fc.array(hint, { maxLength: 3 }) }, { weight: 1, arbitrary: junk }),
  }),
  shaped({ kind: junk }),
);
const fingerprint = fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.stringMatching(/^[0-9a-fA-F]{63,65}$/), junk);
const syncMessage = shaped(
  {
    v: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.oneof(fc.constant(2), fc.constant("1"), junk) }),
    deployment: name,
    trigger,
    origin: name,
    fanout: shaped({ fingerprint, at: name }),
  },
  ["v", "deployment", "trigger", "origin"],
);

const keyText = fc.oneof(fc.constantFrom("conn:db", "var:x", "db", "conn:", "var:"), fc.string({ maxLength: 6 }), junk);
const webhookBody = shaped(
  {
    source: name,
    keys: fc.oneof(
      { weight: 4, arbitrary: fc.array(keyText, { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant(Array.from({ length: 10_001 }, () => "var:x")) },
      { weight: 1, arbitrary: junk },
    ),
  },
  ["source"],
);

/** A body: a drawn value as JSON, arbitrary JSON, or text that is not JSON. */
function bodies(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: value.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string() },
  );
}

describe("the hand-written edge decoders", () => {
  it("decodeSyncMessage answers as the zod schema did, for any body", () => {
    fc.assert(
      fc.property(bodies(syncMessage), (body) => {
        assert.deepEqual(decodeSyncMessage(body), zodDecodeSyncMessage(body));
      }),
      { numRuns: RUNS },
    );
  });

  it("parseWebhookBody answers as the zod schema did, for any body", () => {
    fc.assert(
      fc.property(bodies(webhookBody), (body) => {
        assert.deepEqual(parseWebhookBody(body), zodParseWebhookBody(body));
      }),
      { numRuns: RUNS },
    );
  });

  it("answers as the zod schemas did for an own __proto__ key, which JSON.parse keeps as a field", () => {
    for (const body of ['{"v":1,"deployment":"d","trigger":{"kind":"full"},"origin":"o","__proto__":{}}', '{"source":"s","__proto__":1}']) {
      assert.deepEqual(decodeSyncMessage(body), zodDecodeSyncMessage(body), body);
      assert.deepEqual(parseWebhookBody(body), zodParseWebhookBody(body), body);
    }
  });

  it("accepts the valid shapes the generators are built around (the comparison is not only of refusals)", () => {
    const acceptedOf = (gen: fc.Arbitrary<string>, ok: (body: string) => boolean) =>
      fc.sample(gen, { numRuns: 1000, seed: 14 }).filter(ok).length;
    assert.ok(acceptedOf(bodies(syncMessage), (b) => decodeSyncMessage(b).ok) >= 20, "sync messages drawn valid");
    assert.ok(acceptedOf(bodies(webhookBody), (b) => parseWebhookBody(b).ok) >= 20, "webhook bodies drawn valid");
  });
});
