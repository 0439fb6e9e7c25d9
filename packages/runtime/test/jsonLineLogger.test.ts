import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "@afsync/core";
import { createJsonLineLogger } from "../src/log/RedactingLogger.ts";

describe("createJsonLineLogger", () => {
  it("writes one JSON object per line and masks secret-looking fields at any depth, but not secret ids", () => {
    const lines: string[] = [];
    const logger = createJsonLineLogger({ write: (l) => lines.push(l), base: { fn: "worker" } });
    logger.log("info", "x", { secretId: "airflow/connections/db", nested: [{ password: "hunter22", token: "t0k3n" }], count: 2 });
    assert.deepEqual(JSON.parse(lines[0] ?? ""), {
      level: "info",
      message: "x",
      fn: "worker",
      secretId: "airflow/connections/db",
      nested: [{ password: "***", token: "***" }],
      count: 2,
    });
  });

  it("logs an error by name, code and message, without its stack, and drops levels below the minimum", () => {
    const lines: string[] = [];
    const logger = createJsonLineLogger({ write: (l) => lines.push(l), level: "warn" });
    logger.log("info", "dropped");
    logger.log("error", "failed", { error: new ConfigError("a.b", "bad") });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0] ?? "").error, { name: "ConfigError", message: "a.b: bad", code: "INVALID_CONFIG" });
  });
});
