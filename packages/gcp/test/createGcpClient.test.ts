import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { describe, it } from "node:test";
import { parseApiEndpoint } from "../src/createGcpClient.ts";

describe("createSecretManagerClient", () => {
  it("uses the same @grpc/grpc-js as google-gax, so its plaintext credentials are the class gax checks for", () => {
    const require = createRequire(import.meta.url);
    const ours = require.resolve("@grpc/grpc-js");
    const gax = dirname(require.resolve("google-gax"));
    const theirs = createRequire(`${gax}/`).resolve("@grpc/grpc-js");
    assert.equal(ours, theirs, "npm must dedupe @grpc/grpc-js (keep the ranges compatible with google-gax's)");
  });

  it("treats only loopback hosts as the local emulator", () => {
    assert.deepEqual(parseApiEndpoint("127.0.0.1:8085"), { host: "127.0.0.1", port: 8085, loopback: true });
    assert.deepEqual(parseApiEndpoint("localhost"), { host: "localhost", loopback: true });
    assert.deepEqual(parseApiEndpoint("[::1]:9000"), { host: "[::1]", port: 9000, loopback: true });
    assert.deepEqual(parseApiEndpoint("secretmanager.europe-west1.rep.googleapis.com:443"), {
      host: "secretmanager.europe-west1.rep.googleapis.com",
      port: 443,
      loopback: false,
    });
  });
});
