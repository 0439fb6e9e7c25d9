import assert from "node:assert/strict";
import { AfsyncError } from "@afsync/core";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { SENTINEL } from "./fuzzInputs.ts";

/**
 * Runs a parser on fuzzed input. It may succeed or refuse; a refusal must be one of afsync's own
 * errors (an `AfsyncError` with a stable code), say what is wrong and where (`names`), and carry
 * no planted value. Returns the message, or undefined when the input was accepted.
 */
export function expectClassifiedOrAccepted(run: () => unknown, names: RegExp): string | undefined {
  let message: string | undefined;
  try {
    run();
  } catch (error) {
    if (!(error instanceof AfsyncError))
      assert.fail(`unclassified ${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message).slice(0, 200)}`);
    assert.match(error.code, /^[A-Z][A-Z_]+$/, "a stable error code");
    message = error.message;
    assert.ok(message.trim().length > 0, "an empty error message");
    assert.match(message, names, "the message names what is wrong and where");
  }
  if (message !== undefined) assertNoSecretLeak([message], [SENTINEL]);
  return message;
}
