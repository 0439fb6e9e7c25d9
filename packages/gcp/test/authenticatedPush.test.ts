import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { parseGcpEvent } from "../src/events/parseGcpEvent.ts";
import { verifyPubSubPushToken } from "../src/events/verifyPubSubPushToken.ts";
import { adminClient } from "./adminClient.ts";
import { GOOGLE_CERTS, PUSH_AUDIENCE, PUSH_SERVICE_ACCOUNT, pushTokenClaims, signGoogleToken } from "./localGoogleKeys.ts";

/**
 * Deliveries over real HTTP, as Pub/Sub makes them: the emulator POSTs each notification to a
 * loopback endpoint that verifies the push token before it parses anything. The endpoint is the
 * few lines a push handler owes (the functions app's will add the queue); what it proves is that
 * an unauthenticated or forged push is refused (a nack) and never turns into a hint.
 */
describe("authenticated Pub/Sub push over HTTP", () => {
  let emu: GcpEmulator;
  let server: Server;
  let url: string;
  const accepted: ChangeHint[] = [];
  const refusals: string[] = [];

  before(async () => {
    emu = await startGcpEmulator();
    server = createServer(async (req, res) => {
      const verdict = await verifyPubSubPushToken(req.headers.authorization, {
        audience: PUSH_AUDIENCE,
        serviceAccountEmail: PUSH_SERVICE_ACCOUNT,
        certs: GOOGLE_CERTS,
      });
      if (!verdict.ok) {
        refusals.push(verdict.reason);
        res.writeHead(verdict.reason.includes("not authenticated") ? 401 : 403).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      accepted.push(...parseGcpEvent(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await emu.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function writeOneVersion(secretId: string): Promise<void> {
    const admin = adminClient(emu);
    const parent = `projects/${emu.project.id}`;
    await admin.createSecret({
      parent,
      secretId,
      secret: { replication: { automatic: {} }, topics: [{ name: `${parent}/topics/airflow` }] },
    });
    await admin.addSecretVersion({ parent: `${parent}/secrets/${secretId}`, payload: { data: Buffer.from("v") } });
    await admin.close();
  }

  it("acknowledges an authenticated push and turns it into hints, in both delivery shapes", async () => {
    const authorization = () => `Bearer ${signGoogleToken(pushTokenClaims())}`;
    const push = emu.deliverTo({ url, shape: "push", authorization });
    const eventarc = emu.deliverTo({ url, shape: "cloudevent", authorization });
    await writeOneVersion("airflow-connections-pushed");
    await Promise.all([push.settled(), eventarc.settled()]);
    push.stop();
    eventarc.stop();
    assert.deepEqual(
      push.results.map((r) => [r.eventType, r.status, r.acked]),
      [
        ["TOPIC_CONFIGURED", 204, true],
        ["SECRET_CREATE", 204, true],
        ["SECRET_VERSION_ADD", 204, true],
      ],
    );
    assert.ok(eventarc.results.every((r) => r.acked));
    const adds = accepted.filter((h) => h.action === "upsert");
    assert.equal(adds.length, 2, "one upsert per delivery shape");
    assert.deepEqual(
      adds.map((h) => [h.secretId, h.version]),
      [
        [`projects/${emu.project.number}/secrets/airflow-connections-pushed`, "1"],
        [`projects/${emu.project.number}/secrets/airflow-connections-pushed`, "1"],
      ],
    );
  });

  it("refuses an unauthenticated push and forged tokens: nacked, nothing parsed", async () => {
    accepted.length = 0;
    refusals.length = 0;
    const subscriptions = [
      emu.deliverTo({ url, shape: "push" }),
      emu.deliverTo({
        url,
        shape: "push",
        authorization: () => `Bearer ${signGoogleToken(pushTokenClaims({ aud: "https://other.example.com/" }))}`,
      }),
      emu.deliverTo({
        url,
        shape: "push",
        authorization: () => `Bearer ${signGoogleToken(pushTokenClaims({ email: "someone@else.iam.gserviceaccount.com" }))}`,
      }),
    ];
    await writeOneVersion("airflow-connections-forged");
    for (const s of subscriptions) {
      await s.settled();
      s.stop();
    }
    assert.deepEqual(
      subscriptions.map((s) => [...new Set(s.results.map((r) => `${r.status} ${r.acked}`))]),
      [["401 false"], ["403 false"], ["403 false"]],
    );
    assert.deepEqual(accepted, []);
    assert.ok(refusals.some((r) => /not authenticated/.test(r)));
    assert.ok(refusals.some((r) => /audience/.test(r)));
    assert.ok(refusals.some((r) => /another service account/.test(r)));
  });
});
