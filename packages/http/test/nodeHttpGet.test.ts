import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import type { GetText, TextAnswer } from "../src/GetText.ts";
import { createNodeHttpGet } from "../src/nodeHttpGet.ts";
import { retryingGet } from "../src/retryingFetch.ts";

describe("createNodeHttpGet", () => {
  const seen: IncomingMessage[] = [];
  let connections = 0;
  let base = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req);
    if (req.url === "/plain") return void res.writeHead(200, { "content-type": "application/json", "x-one": "1" }).end('{"a":"é"}');
    if (req.url === "/gzip") return void res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync('{"zipped":true}'));
    if (req.url === "/moved") return void res.writeHead(307, { location: "/plain" }).end();
    return void res.writeHead(404).end("no such page");
  });
  server.on("connection", () => {
    connections += 1;
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("answers the status, the headers and the body as UTF-8 text, and sends the headers it is given", async () => {
    const answer = await createNodeHttpGet()(`${base}/plain`, { authorization: "Bearer t" });
    assert.equal(answer.status, 200);
    assert.equal(answer.text, '{"a":"é"}');
    assert.equal(answer.header("X-One"), "1");
    assert.equal(answer.header("retry-after"), null);
    assert.equal(seen.at(-1)?.headers.authorization, "Bearer t");
    assert.equal(seen.at(-1)?.headers["accept-encoding"], "gzip, deflate", "asks for what fetch asks for");
  });

  it("decodes a gzip body and hands back an error status as an answer, not a rejection", async () => {
    const get = createNodeHttpGet();
    assert.equal((await get(`${base}/gzip`, {})).text, '{"zipped":true}');
    const missing = await get(`${base}/nowhere`, {});
    assert.deepEqual([missing.status, missing.text], [404, "no such page"]);
  });

  it("keeps the connection open between calls", async () => {
    const get = createNodeHttpGet();
    const before = connections;
    for (let i = 0; i < 3; i++) await get(`${base}/plain`, {});
    assert.equal(connections - before, 1);
  });

  it("follows a redirect as fetch does", async () => {
    const answer = await createNodeHttpGet()(`${base}/moved`, {});
    assert.deepEqual([answer.status, answer.text], [200, '{"a":"é"}']);
  });

  it("fails as fetch fails when nothing answers: TypeError 'fetch failed' with the cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(createNodeHttpGet()(`http://127.0.0.1:${port}/x`, {}), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "fetch failed");
      assert.match(String((error.cause as Error).message), /ECONNREFUSED/);
      return true;
    });
  });
});

describe("retryingGet", () => {
  it("retries 5xx and network failures with the fetch policy and hands back the final answer", async () => {
    const script: (number | Error)[] = [503, new TypeError("fetch failed"), 200];
    const get: GetText = async () => {
      const next = script.shift() ?? 200;
      if (next instanceof Error) throw next;
      return { status: next, header: () => null, text: `${next}` } satisfies TextAnswer;
    };
    const retries: string[] = [];
    const answer = await retryingGet(get, { sleep: async () => {}, onRetry: (info) => void retries.push(info.reason) })(
      "http://127.0.0.1/x",
      {},
    );
    assert.equal(answer.text, "200");
    assert.deepEqual(retries, ["HTTP 503", "fetch failed"]);
  });
});
