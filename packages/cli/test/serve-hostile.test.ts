import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "@afsync/core";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { HttpLimits } from "@afsync/runtime/http/HttpLimits";
import { signWebhookBody, WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";
import { rawHttp } from "@afsync/testing/rawHttp";
import { createServeHttpServer } from "../src/serve/createServeHttpServer.ts";
import { exposureWarning, isLoopbackHost } from "../src/serve/exposureWarning.ts";
import { ServeStatus } from "../src/serve/ServeStatus.ts";
import { SyncCoordinator } from "../src/serve/SyncCoordinator.ts";

// Short limits so a slow client is cut off within seconds; the sizes are the real defaults.
const LIMITS: HttpLimits = {
  maxBodyBytes: 256 * 1024,
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
  bodyDeadlineMs: 1_000,
  maxConnections: 64,
};
const SECRET = "serve-hostile-secret";
const FIFTY_MB = 50 * 1024 * 1024;
const now = () => Math.floor(Date.now() / 1000);

describe("serve HTTP under hostile input", () => {
  let server: Server;
  let port: number;
  let base: string;
  const triggers: Trigger[] = [];
  let coordinator: SyncCoordinator;

  before(async () => {
    const source = new InMemorySecretSource("files");
    source.setVariable("plain", "value-hostile-1");
    const target = new InMemoryDeploymentTarget({ type: "memory", describe: "mem://dev" });
    const engine = new SyncEngine({
      clock: new FixedClock(),
      hasher: createTestHasher(),
      logger: silentLogger,
      state: new InMemoryStateStore(),
    });
    const binding = { id: "dev", target, sources: [source], deletion: "retain" as const, adopt: false, include: ["*"], exclude: [] };
    const status = new ServeStatus(new Date(), [{ id: "dev", target: "memory mem://dev" }], {
      configPath: "afsync.yaml",
      webhook: true,
      watching: [],
      reconcileEveryMs: 60_000,
    });
    coordinator = new SyncCoordinator({
      sync: (trigger) => {
        triggers.push(trigger);
        return engine.sync([binding], trigger);
      },
      status,
      now: () => new Date(),
      logger: silentLogger,
    });
    server = createServeHttpServer({
      status,
      coordinator,
      verifier: new WebhookVerifier(SECRET),
      sources: new Map([[source.id, source]]),
      now: () => new Date(),
      logger: silentLogger,
      limits: LIMITS,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Every test ends here: nothing ran, and the server still answers. */
  async function assertNothingRanAndStillUp(): Promise<void> {
    await coordinator.idle();
    assert.equal(triggers.length, 0, "no sync was triggered");
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
  }

  it("answers 413 to a declared 50 MB body before a byte of it is sent, and closes the connection", async () => {
    const head = `POST /hooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${FIFTY_MB}\r\nX-Afsync-Signature: t=1,v1=${"0".repeat(64)}\r\n\r\n`;
    const outcome = await rawHttp(port, head);
    assert.equal(outcome.status, 413);
    assert.equal(outcome.bodyBytesWritten, 0);
    assert.ok(outcome.closedByServer, "the server closes the connection instead of reading the rest");
    await assertNothingRanAndStillUp();
  });

  it("answers 413 to a chunked 50 MB body as soon as the running count passes the limit, without reading the rest", async () => {
    const head = "POST /hooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const outcome = await rawHttp(port, head, async ({ send, answered }) => {
      for (let sent = 0; sent < FIFTY_MB && !answered(); sent += chunk.length) {
        await send(`${chunk.length.toString(16)}\r\n`);
        await send(chunk);
        await send("\r\n");
      }
    });
    assert.equal(outcome.status, 413);
    assert.ok(outcome.closedByServer);
    // The limit is 256 KiB; what the client got written beyond it sat in socket buffers, unread.
    assert.ok(outcome.bodyBytesWritten < FIFTY_MB / 4, `the client could write ${outcome.bodyBytesWritten} bytes before the answer`);
    await assertNothingRanAndStillUp();
  });

  it("cuts off clients sending their headers a byte a second (several at once), and stays up", async () => {
    const slow = () =>
      rawHttp(
        port,
        "P",
        async ({ send, answered }) => {
          for (const byte of "OST /hooks/generic HTTP/1.1\r\nHost: x\r\n") {
            if (answered()) return;
            await new Promise((r) => setTimeout(r, 1_000));
            await send(byte);
          }
        },
        { giveUpMs: 10_000 },
      );
    const outcomes = await Promise.all([slow(), slow(), slow()]);
    for (const outcome of outcomes) {
      assert.ok(outcome.closedByServer, "a slow header sender is disconnected");
      assert.ok(outcome.status === null || outcome.status === 408, `status ${outcome.status}`);
    }
    await assertNothingRanAndStillUp();
  });

  it("answers 408 to a body sent a byte a second, and runs nothing", async () => {
    const body = JSON.stringify({ source: "files" });
    const head = `POST /hooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-Afsync-Signature: ${signWebhookBody(SECRET, body, now())}\r\n\r\n`;
    const outcome = await rawHttp(
      port,
      head,
      async ({ send, answered }) => {
        for (const byte of body) {
          if (answered()) return;
          await send(byte);
          await new Promise((r) => setTimeout(r, 1_000));
        }
      },
      { giveUpMs: 10_000 },
    );
    assert.equal(outcome.status, 408);
    assert.ok(outcome.closedByServer);
    await assertNothingRanAndStillUp();
  });

  it("answers 404 to any method on an unknown path, and 405 with Allow only on a known path", async () => {
    assert.equal((await fetch(`${base}/nope`, { method: "POST", body: "{}" })).status, 404);
    assert.equal((await fetch(`${base}/hooks/generic/x`, { method: "POST", body: "{}" })).status, 404);
    assert.equal((await fetch(`${base}/nope`, { method: "DELETE" })).status, 404);
    const get = await fetch(`${base}/hooks/generic`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    const post = await fetch(`${base}/status.json`, { method: "POST", body: "{}" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await assertNothingRanAndStillUp();
  });

  it("refuses unsigned, wrongly signed, stale and replayed deliveries of a valid body", async () => {
    const body = JSON.stringify({ source: "files", keys: ["var:plain"] });
    const post = (signature?: string) =>
      fetch(`${base}/hooks/generic`, { method: "POST", body, headers: signature === undefined ? {} : { "x-afsync-signature": signature } });
    assert.equal((await post()).status, 401);
    assert.equal((await post("garbage")).status, 401);
    assert.equal((await post(signWebhookBody("wrong", body, now()))).status, 401);
    assert.equal((await post(signWebhookBody(SECRET, body, now() - 3600))).status, 409);
    assert.equal((await post(signWebhookBody(SECRET, body, now() + 3600))).status, 409);
    // A replay of a delivery that was once accepted is the only accepted-then-refused case; it
    // would run something, so it is proven in serve-http.test.ts, not here.
    await assertNothingRanAndStillUp();
  });

  it("answers 400 to signed malformed JSON and a key list over the cap, naming the field", async () => {
    const post = (body: string) =>
      fetch(`${base}/hooks/generic`, { method: "POST", body, headers: { "x-afsync-signature": signWebhookBody(SECRET, body, now()) } });
    for (const bad of ["{", "[]", "null", '{"source":"files","keys":[]}', '{"source":"files","extra":1}', "\u0000\u00ff"]) {
      const res = await post(bad);
      assert.equal(res.status, 400, bad);
    }
    const huge = JSON.stringify({ source: "files", keys: Array.from({ length: 10_001 }, (_, i) => `var:k${i}`) });
    const res = await post(huge);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /keys/);
    // Over the byte limit even when signed: refused before the signature is checked.
    const tooBig = JSON.stringify({ source: "files", keys: Array.from({ length: 10_000 }, (_, i) => `var:${"k".repeat(30)}${i}`) });
    assert.equal((await post(tooBig)).status, 413);
    await assertNothingRanAndStillUp();
  });

  it("answers the status routes' abuse (bodies, HEAD, query junk) without running anything", async () => {
    assert.equal((await fetch(`${base}/status.json?x=${"a".repeat(4000)}`)).status, 200);
    assert.equal((await fetch(`${base}/`, { method: "HEAD" })).status, 200);
    assert.equal((await fetch(`${base}/healthz`, { method: "PUT", body: "x".repeat(1024) })).status, 405);
    // Headers beyond node's 16 KiB limit are refused by node itself (431).
    const big = await rawHttp(port, `GET /status.json HTTP/1.1\r\nHost: x\r\nX-Junk: ${"a".repeat(32 * 1024)}\r\n\r\n`);
    assert.equal(big.status, 431);
    await assertNothingRanAndStillUp();
  });
});

describe("serve's bind address", () => {
  it("treats only loopback addresses as private", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) assert.ok(isLoopbackHost(host), host);
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.internal"]) assert.ok(!isLoopbackHost(host), host);
  });

  it("warns that the unauthenticated status page is exposed on a non-loopback bind, and not on loopback", () => {
    assert.equal(exposureWarning("127.0.0.1"), null);
    assert.match(exposureWarning("0.0.0.0") ?? "", /every network interface.*status page.*unauthenticated/s);
    assert.match(exposureWarning("10.0.0.5") ?? "", /10\.0\.0\.5/);
  });
});
