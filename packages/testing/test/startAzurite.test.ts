import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startAzurite } from "../src/startAzurite.ts";

describe("startAzurite", () => {
  it("starts queue and blob on loopback with free ports, and stops them", async () => {
    const azurite = await startAzurite();
    try {
      assert.match(azurite.queueUrl ?? "", /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      assert.match(azurite.blobUrl ?? "", /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      assert.notEqual(azurite.queueUrl, azurite.blobUrl);
      const res = await fetch(`${azurite.queueUrl}?comp=list`);
      assert.equal(res.status, 403, "Azurite answers (an unsigned request is refused)");
      await res.body?.cancel();
      assert.match(azurite.connectionString, /QueueEndpoint=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1;/);
    } finally {
      await azurite.stop();
    }
    await assert.rejects(fetch(`${azurite.queueUrl}?comp=list`), "the port is closed after stop");
  });

  it("starts only the services asked for", async () => {
    const azurite = await startAzurite(["blob"]);
    try {
      assert.equal(azurite.queueUrl, undefined);
      assert.ok(azurite.blobUrl);
      assert.doesNotMatch(azurite.connectionString, /QueueEndpoint/);
    } finally {
      await azurite.stop();
    }
  });
});
