import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { createLineLogger } from "../src/log/RedactingLogger.ts";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe("createLineLogger", () => {
  it("writes one line per event with time, level, message and fields, masking sensitive field names", () => {
    const out = capture();
    const logger = createLineLogger(out.stream, { now: () => new Date("2026-01-02T03:04:05.000Z") });
    logger.log("info", "deployment synced", {
      deployment: "dev",
      writes: 2,
      password: "never-shown",
      api_token: "never-either",
      note: "two words",
    });
    assert.equal(
      out.text(),
      '2026-01-02T03:04:05.000Z INFO  deployment synced deployment=dev writes=2 password=*** api_token=*** note="two words"\n',
    );
  });

  it("drops events below the minimum level", () => {
    const out = capture();
    const logger = createLineLogger(out.stream, { minLevel: "warn" });
    logger.log("info", "quiet");
    logger.log("debug", "quieter");
    logger.log("error", "loud");
    assert.equal(out.text().split("\n").filter(Boolean).length, 1);
    assert.match(out.text(), /ERROR loud/);
  });
});
