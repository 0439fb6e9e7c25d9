import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertNoSecretLeak } from "../src/assertNoSecretLeak.ts";

describe("assertNoSecretLeak", () => {
  it("finds a secret raw, URI-quoted, JSON-escaped or base64, without printing it", () => {
    const secret = 'p@ss/w"rd';
    for (const text of [
      `x ${secret} y`,
      `postgres://u:${encodeURIComponent(secret)}@h`,
      JSON.stringify({ p: secret }),
      Buffer.from(secret).toString("base64"),
    ]) {
      assert.throws(
        () => assertNoSecretLeak(["clean", text], [secret]),
        (error: Error) => /sentinel #0 leaked into text #1/.test(error.message) && !error.message.includes(secret),
      );
    }
  });

  it("finds a sentinel cut short by one character at either end, or lower-cased (the pasted-secret leak)", () => {
    const secret = "Pasted-Secret-9x";
    for (const text of [
      `schema: ${secret.slice(1)}`,
      `x ${secret.slice(0, -1)}`,
      `scheme ${secret.toLowerCase()}://h`,
      `//${encodeURIComponent(secret.slice(1))}`,
    ]) {
      assert.throws(
        () => assertNoSecretLeak([text], [secret]),
        (error: Error) => /sentinel #0 leaked into text #0/.test(error.message) && !error.message.includes(secret.slice(2, -2)),
        text,
      );
    }
    assertNoSecretLeak(["short ones are only found whole: bcde"], ["abcdef"]);
  });

  it("passes clean texts and refuses sentinels too short to search for", () => {
    assertNoSecretLeak(["password=***", "hash:3f2a1b"], ["hunter2-long"]);
    assert.throws(() => assertNoSecretLeak(["x"], ["ab"]), /too short/);
  });
});
