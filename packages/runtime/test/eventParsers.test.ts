import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAwsEvent } from "@afsync/aws/events/parseAwsEvent";
import { type EventParser, UnrecognizedEventError } from "@afsync/core";
import { loadEventSamples } from "@afsync/testing/loadEventSamples";
import { EventParserRegistry } from "../src/events/EventParserRegistry.ts";
import { eventParsers } from "../src/events/eventParsers.ts";

const vaultParser: EventParser = {
  provider: "vault",
  expects: "a Vault event notification",
  detect: (event) => typeof event === "object" && event !== null && "vault_event" in event,
  parse: () => [{ provider: "vault", secretId: "secret/data/x", action: "upsert" }],
};

describe("eventParsers", () => {
  it("routes every AWS sample to the AWS parser, giving what that parser gives", () => {
    const samples = loadEventSamples("aws");
    assert.ok(samples.length > 0);
    for (const { name, event } of samples) assert.deepEqual(eventParsers.parse(event), parseAwsEvent(event), name);
    assert.deepEqual(
      eventParsers.parse(samples.map((s) => s.event)),
      samples.flatMap((s) => parseAwsEvent(s.event)),
    );
  });

  it("refuses an event no parser recognises, saying what each registered parser expects", () => {
    assert.throws(
      () => eventParsers.parse({ hello: "world" }),
      (error: unknown) => {
        assert.ok(error instanceof UnrecognizedEventError);
        assert.match(error.message, /^event: not an event any provider afsync knows sends \(expected aws: an EventBridge event/);
        return true;
      },
    );
  });
});

describe("EventParserRegistry", () => {
  it("takes a provider in one registration and parses a mixed batch event by event, naming the one it cannot read", () => {
    const aws = loadEventSamples("aws")[0];
    assert.ok(aws !== undefined);
    const registry = new EventParserRegistry().register(eventParsers.detect(aws.event) as EventParser).register(vaultParser);
    assert.deepEqual(registry.providers, ["aws", "vault"]);
    const hints = registry.parse([aws.event, { vault_event: true }]);
    assert.deepEqual(
      hints.map((h) => h.provider),
      [...parseAwsEvent(aws.event).map((h) => h.provider), "vault"],
    );
    assert.throws(() => registry.parse([aws.event, 42]), /^UnrecognizedEventError: \[1\]: not an event/);
  });

  it("refuses a second parser for the same provider", () => {
    assert.throws(() => new EventParserRegistry().register(vaultParser).register(vaultParser), /registered already/);
  });
});
