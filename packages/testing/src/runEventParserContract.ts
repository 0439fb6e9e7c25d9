import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AfsyncError, type ChangeHint, type EventParser } from "@afsync/core";
import { loadEventSamples } from "./loadEventSamples.ts";

/** What a sample must parse to: one hint per entry, compared on these fields. */
export type ExpectedHint = Pick<ChangeHint, "provider" | "secretId" | "action" | "version">;

export interface EventParserContractOptions {
  /** The folder under `events/` holding the provider's samples (`aws`, `azure`, `gcp`, `vault`). */
  readonly samples: string;
  /**
   * For each sample file, the hints it must give, or `{ refused }` for a sample that is kept as
   * evidence of a shape afsync must turn away (a decoded payload, another service's message): it
   * is not claimed, or refused with afsync's own error matching `refused`. Every sample must be
   * listed, and only samples.
   */
  readonly expected: Readonly<Record<string, readonly ExpectedHint[] | { readonly refused: RegExp }>>;
}

const ACTIONS = new Set(["upsert", "delete", "notice", "ignore"]);
const HINT_FIELDS = new Set(["provider", "sourceId", "secretId", "version", "action", "reason", "keys"]);

/**
 * The contract every provider's event parser meets, over every real sample in
 * `events/<provider>/`: the registry's shape detector claims each sample; parsing gives exactly the
 * expected hints, well-formed (a known action, a reason for whatever is not acted on, no field
 * beyond a ChangeHint's: a hint never carries a value) and the same every time. Negative cases are
 * derived from the samples: with any one top-level field removed, a sample is either not claimed
 * or is parsed / refused with afsync's own error, never a crash; and plain non-events are not claimed.
 */
export function runEventParserContract(parser: EventParser, options: EventParserContractOptions): void {
  const samples = loadEventSamples(options.samples);

  describe(`event parser contract: ${parser.provider} (events/${options.samples}/)`, () => {
    it("has an expectation for every sample and a sample for every expectation", () => {
      assert.ok(samples.length > 0, `events/${options.samples}/ holds no sample`);
      assert.deepEqual(
        samples.map((s) => s.name),
        Object.keys(options.expected).sort(),
      );
    });

    for (const sample of samples) {
      const expected = options.expected[sample.name];
      if (expected !== undefined && "refused" in expected) {
        it(`turns away ${sample.name}, saying why`, () => {
          if (!parser.detect(sample.event)) return;
          assert.throws(
            () => parser.parse(sample.event),
            (e: unknown) => e instanceof AfsyncError && expected.refused.test(e.message),
          );
        });
        continue;
      }
      it(`detects and parses ${sample.name}`, () => {
        assert.equal(parser.detect(sample.event), true, "the shape detector claims the sample");
        const hints = parser.parse(sample.event);
        assert.deepEqual(hints.map(essentials), hintsExpected(expected) ?? [], "the hints");
        for (const hint of hints) assertWellFormed(hint);
        assert.deepEqual(parser.parse(structuredClone(sample.event)), hints, "parsing is deterministic");
      });
    }

    it("parses a batch of every sample to the hints of each, in order", () => {
      const accepted = samples.filter((s) => hintsExpected(options.expected[s.name]) !== undefined);
      const batch = accepted.map((s) => s.event);
      if (!parser.detect(batch)) return; // the provider sends no batches; the registry parses one by one
      assert.deepEqual(
        parser.parse(batch).map(essentials),
        accepted.flatMap((s) => hintsExpected(options.expected[s.name]) ?? []),
      );
    });

    it("does not claim values that are no event at all", () => {
      for (const value of [null, undefined, 42, "event", {}, { foo: "bar" }])
        assert.equal(parser.detect(value), false, JSON.stringify(value));
    });

    it("never crashes on a sample missing any one top-level field: not claimed, parsed, or refused with afsync's error", () => {
      for (const sample of samples) {
        if (typeof sample.event !== "object" || sample.event === null || Array.isArray(sample.event)) continue;
        for (const field of Object.keys(sample.event)) {
          const { [field]: _removed, ...rest } = sample.event as Record<string, unknown>;
          if (!parser.detect(rest)) continue;
          try {
            for (const hint of parser.parse(rest)) assertWellFormed(hint);
          } catch (error) {
            assert.ok(error instanceof AfsyncError, `${sample.name} without ${field}: ${String(error)}`);
          }
        }
      }
    });
  });
}

function hintsExpected(expected: readonly ExpectedHint[] | { readonly refused: RegExp } | undefined): readonly ExpectedHint[] | undefined {
  return expected === undefined || "refused" in expected ? undefined : expected;
}

function essentials(hint: ChangeHint): ExpectedHint {
  return {
    provider: hint.provider,
    secretId: hint.secretId,
    action: hint.action,
    ...(hint.version !== undefined ? { version: hint.version } : {}),
  };
}

function assertWellFormed(hint: ChangeHint): void {
  assert.ok(typeof hint.provider === "string" && hint.provider !== "", "a hint names its provider");
  assert.equal(typeof hint.secretId, "string");
  assert.ok(ACTIONS.has(hint.action), `unknown action ${hint.action}`);
  if (hint.action === "notice" || hint.action === "ignore") assert.ok(hint.reason, `a ${hint.action} hint says why`);
  for (const field of Object.keys(hint)) assert.ok(HINT_FIELDS.has(field), `a hint carries only hint fields, not ${field}`);
}
