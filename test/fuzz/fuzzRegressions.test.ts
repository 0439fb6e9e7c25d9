import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { expectClassifiedOrAccepted } from "./classifiedRejection.ts";
import { SENTINEL } from "./fuzzInputs.ts";

// Inputs the fuzz suite (seed 1313) found, kept so the fix stays. Each once put what the event
// carried (up to 200 KB of it) into the rejection message.
const huge = `${SENTINEL}${"x".repeat(200_000)}`;
const NAMES_WHERE = /^\[\d+\]|\b(event|type|eventType)\b/;

describe("fuzz regressions: a refused event's message describes an unknown name, never quotes it", () => {
  it("EventBridge detail-type and source", () => {
    const message = expectClassifiedOrAccepted(
      () => eventParsers.parse({ version: "0", "detail-type": huge, source: SENTINEL, detail: {} }),
      NAMES_WHERE,
    );
    assert.match(message ?? "", /EventBridge event a 200015-character string not shaped like a name from a 15-character string/);
  });

  it("a CloudTrail record's eventSource", () => {
    assert.ok(expectClassifiedOrAccepted(() => eventParsers.parse({ eventSource: SENTINEL, eventName: "x" }), NAMES_WHERE));
  });

  it("an Event Grid eventType", () => {
    const event = [{ id: "1", topic: "t", subject: "s", eventType: huge, data: {}, dataVersion: "1", eventTime: "2024-01-01T00:00:00Z" }];
    assert.ok(expectClassifiedOrAccepted(() => eventParsers.parse(event), NAMES_WHERE));
  });

  it("a CloudEvent type given as an object holding a value", () => {
    const event = { specversion: "1.0", type: { value: SENTINEL }, source: "s", id: "1", data: {} };
    assert.ok(expectClassifiedOrAccepted(() => eventParsers.parse(event), NAMES_WHERE));
  });

  it("a known name is still quoted", () => {
    assert.match(
      expectClassifiedOrAccepted(
        () => eventParsers.parse({ version: "0", "detail-type": "EC2 Instance State-change Notification", source: "aws.ec2", detail: {} }),
        NAMES_WHERE,
      ) ?? "",
      /EventBridge event "EC2 Instance State-change Notification" from "aws\.ec2"/,
    );
  });
});
