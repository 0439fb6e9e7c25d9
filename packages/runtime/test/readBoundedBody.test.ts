import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { readBoundedBody, refuseAndClose } from "@afsync/runtime/http/readBoundedBody";
import { rawHttp } from "@afsync/testing/rawHttp";

const MAX = 256 * 1024;
const FIFTY_MB = 50 * 1024 * 1024;

/** The shared body reader under a 50 MB upload: what the server actually pulled off the socket is counted. */
describe("readBoundedBody", () => {
  let server: Server;
  let port: number;
  let read = 0;
  before(async () => {
    server = createServer(async (req, res) => {
      req.on("data", (chunk: Buffer) => (read += chunk.length));
      const body = await readBoundedBody(req, { maxBytes: MAX, deadlineMs: 1_000 });
      if (body.ok) res.end(`ok ${body.body.length}`);
      else refuseAndClose(res, body.status, { error: body.reason });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reads a body at the limit whole", async () => {
    read = 0;
    const outcome = await rawHttp(
      port,
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX}\r\n\r\n`,
      async ({ send }) => {
        await send(Buffer.alloc(MAX, 0x61));
      },
      { settleMs: 100 },
    );
    assert.equal(outcome.status, 200);
    assert.match(outcome.response, new RegExp(`ok ${MAX}$`));
  });

  it("refuses a declared 50 MB body without reading a byte of it", async () => {
    read = 0;
    const outcome = await rawHttp(port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${FIFTY_MB}\r\n\r\n`, async ({ send, answered }) => {
      for (let sent = 0; sent < FIFTY_MB && !answered(); sent += 64 * 1024) await send(Buffer.alloc(64 * 1024, 0x61));
    });
    assert.equal(outcome.status, 413);
    assert.ok(outcome.closedByServer);
    assert.ok(read < 128 * 1024, `the server read ${read} bytes of the body`);
  });

  it("stops reading a chunked 50 MB body once the running count passes the limit", async () => {
    read = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const outcome = await rawHttp(port, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", async ({ send, answered }) => {
      for (let sent = 0; sent < FIFTY_MB && !answered(); sent += chunk.length) {
        await send(`${chunk.length.toString(16)}\r\n`);
        await send(chunk);
        await send("\r\n");
      }
    });
    assert.equal(outcome.status, 413);
    assert.ok(outcome.closedByServer);
    // What node had already buffered past the limit is read at most: a few socket reads, never the 50 MB.
    assert.ok(read < MAX + 1024 * 1024, `the server read ${read} bytes of the body`);
  });

  it("answers 408 to a body that does not arrive within the deadline", async () => {
    const outcome = await rawHttp(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n", async ({ send }) => send("a"), {
      giveUpMs: 10_000,
    });
    assert.equal(outcome.status, 408);
    assert.ok(outcome.closedByServer);
  });
});
