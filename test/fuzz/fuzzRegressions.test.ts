import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { parseLocalFilesystemFile } from "@afsync/core/formats/localFilesystemFile";
import { optionsRegistry } from "@afsync/runtime/compose/optionsRegistry";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
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
    assert.match(message ?? "", /EventBridge event a 200017-character string not shaped like a name from a 17-character string/);
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

describe("fuzz regressions: values, files and config", () => {
  it("a config whose type names an Object.prototype member is a ConfigError, not a TypeError (seed 1)", () => {
    const registry = optionsRegistry();
    for (const type of ["constructor", "__proto__", "toString"]) {
      const message = expectClassifiedOrAccepted(
        () =>
          parseConfig(
            { sources: { s: { type } }, deployments: { d: { target: { type: "env-file", path: ".env" }, sources: ["s"] } } },
            registry,
          ),
        /sources\.s\.type: unknown source type/,
      );
      assert.ok(message);
    }
  });

  it("JSON nested deeper than Python's json module reads is a file problem, not a stack overflow (seed 3)", () => {
    const text = `{"a": ${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const { problems } = parseLocalFilesystemFile(text, "json", "variable");
    assert.match(problems[0]?.message ?? "", /nested deeper than 990 levels/);
    assert.ok(expectClassifiedOrAccepted(() => parseConnectionValue(`{"extra": ${"[".repeat(5000)}${"]".repeat(5000)}}`), /nested deeper/));
  });

  it("a YAML syntax error never quotes the line it stumbled on (seed 1313)", () => {
    const { problems } = parseLocalFilesystemFile(`a: 1\norders_api http://svc:${SENTINEL}@h\nb: [`, "yaml", "connection");
    assert.ok(problems.length > 0);
    assertNoSecretLeak(
      problems.map((p) => p.message),
      [SENTINEL],
    );
  });

  it("config values, unknown source ids and types are described unless they read as a name (seeds 1313, 2)", () => {
    const registry = optionsRegistry();
    const message = expectClassifiedOrAccepted(
      () =>
        parseConfig(
          {
            sources: { s: { type: `x://u:${SENTINEL}@h` } },
            deployments: { d: { target: { type: "env-file", path: ".env" }, sources: [SENTINEL, SENTINEL] } },
          },
          registry,
        ),
      /unknown source type a \d+-character string/,
    );
    assert.match(message ?? "", /source a \d+-character string not shaped like a name is listed twice/);
    const enumMessage = expectClassifiedOrAccepted(
      () =>
        parseConfig(
          { sources: {}, deployments: { d: { target: { type: "env-file", path: ".env" }, sources: [], deletion: SENTINEL } } },
          registry,
        ),
      /deployments\.d\.deletion: expected one of "retain", "delete", found a 17-character string/,
    );
    assert.ok(enumMessage);
  });

  it("a key that swallowed a value (a lost line break or quote) is described, not shown (seeds 1, 2)", () => {
    const message = expectClassifiedOrAccepted(
      () => parseConnectionValue(`{"host": "h", "passw${SENTINEL}ord": 1}`),
      /unexpected key a \d+-character string/,
    );
    assert.ok(message);
    const { problems } = parseLocalFilesystemFile(`c:\n  host${SENTINEL}  password: 1\n`, "yaml", "connection");
    assert.match(problems[0]?.message ?? "", /illegal keys: a \d+-character string/);
    assertNoSecretLeak(
      problems.map((p) => p.message),
      [SENTINEL],
    );
  });
});
