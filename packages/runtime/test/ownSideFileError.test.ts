import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AfsyncError, ConfigError, RemoteCallError } from "@afsync/core";
import { ownSideFileError } from "@afsync/runtime/bundle/ownSideFileError";

// A side file's copy of core's error classes: the same shape, another class.
class ForeignAfsyncError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errorClass: "user" | "transient",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

describe("ownSideFileError", () => {
  it("re-raises a side file's config error as this bundle's ConfigError: same message and path", () => {
    const foreign = Object.assign(new ForeignAfsyncError("INVALID_CONFIG", "sources.a.type: unknown source type 'x'", "user"), {
      path: "sources.a.type",
    });
    const own = ownSideFileError(foreign);
    assert.ok(own instanceof ConfigError);
    assert.equal(own.message, foreign.message);
    assert.equal(own.path, "sources.a.type");
    assert.equal(own.code, "INVALID_CONFIG");
  });

  it("re-raises a side file's remote call error as this bundle's RemoteCallError: message, class, status and cause", () => {
    const cause = new Error("ECONNREFUSED");
    const foreign = Object.assign(new ForeignAfsyncError("REMOTE_CALL_FAILED", "SQS SendMessageBatch failed", "transient", { cause }), {
      status: 503,
    });
    const own = ownSideFileError(foreign);
    assert.ok(own instanceof RemoteCallError);
    assert.equal(own.message, foreign.message);
    assert.equal(own.errorClass, "transient");
    assert.equal(own.status, 503);
    assert.equal(own.cause, cause);
  });

  it("passes this bundle's own errors and anything else through unchanged", () => {
    for (const error of [new RemoteCallError("x"), new AfsyncError("OTHER", "y"), new TypeError("z"), "text", undefined])
      assert.equal(ownSideFileError(error), error);
    const unknownCode = new ForeignAfsyncError("RUN_LOCKED", "held", "transient");
    assert.equal(ownSideFileError(unknownCode), unknownCode);
  });
});
