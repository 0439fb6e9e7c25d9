/**
 * `afsync serve`'s `POST /pubsub`: Secret Manager notifications delivered by an authenticated
 * Pub/Sub push subscription (the GCP emulator POSTs them as Pub/Sub would) join the next run,
 * read from the emulator by the real gcp-secret-manager source; a push without a valid OIDC
 * token is refused and runs nothing.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { createGcpSecretManagerSource } from "@afsync/gcp/gcpSourceFactory";
import { createPubSubPushVerifier } from "@afsync/runtime/events/createPubSubPushVerifier";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemoryStateStore } from "@afsync/testing";
import { adminClient } from "../../gcp/test/adminClient.ts";
import { GOOGLE_CERTS, PUSH_AUDIENCE, PUSH_SERVICE_ACCOUNT, pushTokenClaims, signGoogleToken } from "../../gcp/test/localGoogleKeys.ts";
import { createServeHttpServer } from "../src/serve/createServeHttpServer.ts";
import { ServeStatus } from "../src/serve/ServeStatus.ts";
import { SyncCoordinator } from "../src/serve/SyncCoordinator.ts";

let emu: GcpEmulator;
let server: Server;
let url: string;
let coordinator: SyncCoordinator;
let target: InMemoryDeploymentTarget;
const triggers: Trigger[] = [];

async function startServe(pubsub: boolean): Promise<{ server: Server; url: string }> {
  const source = await createGcpSecretManagerSource(
    {
      project_id: emu.project.id,
      api_endpoint: emu.endpoint,
      variables_prefix: "airflow-variables",
      connections_prefix: "airflow-connections",
    },
    { id: "gcp", env: {} },
  );
  target = new InMemoryDeploymentTarget({ type: "memory", describe: "mem://dev" });
  const binding: DeploymentBinding = {
    id: "dev",
    target,
    sources: [source],
    deletion: "retain",
    adopt: false,
    include: ["*"],
    exclude: [],
  };
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: silentLogger,
    state: new InMemoryStateStore(),
  });
  const status = new ServeStatus(new Date(), [{ id: "dev", target: "memory" }], {
    configPath: "afsync.yaml",
    webhook: false,
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
  const s = createServeHttpServer({
    status,
    coordinator,
    verifier: null,
    pubsubVerifier: pubsub
      ? createPubSubPushVerifier({ audience: PUSH_AUDIENCE, serviceAccount: PUSH_SERVICE_ACCOUNT }, GOOGLE_CERTS)
      : null,
    sources: new Map([[source.id, source]]),
    now: () => new Date(),
    logger: silentLogger,
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

async function writeVariable(secretId: string, value: string): Promise<void> {
  const admin = adminClient(emu);
  const parent = `projects/${emu.project.id}`;
  await admin.createSecret({
    parent,
    secretId,
    secret: { replication: { automatic: {} }, topics: [{ name: `${parent}/topics/airflow` }] },
  });
  await admin.addSecretVersion({ parent: `${parent}/secrets/${secretId}`, payload: { data: Buffer.from(value) } });
  await admin.close();
}

before(async () => {
  emu = await startGcpEmulator();
  ({ server, url } = await startServe(true));
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await emu.close();
});

describe("serve POST /pubsub", () => {
  it("runs the hints of an authenticated push: the new version reaches the target", async () => {
    const push = emu.deliverTo({
      url: `${url}/pubsub`,
      shape: "push",
      authorization: () => `Bearer ${signGoogleToken(pushTokenClaims())}`,
    });
    await writeVariable("airflow-variables-region", "eu-west-1");
    await push.settled();
    push.stop();
    await coordinator.idle();
    // TOPIC_CONFIGURED and SECRET_CREATE are acknowledged (200) and run nothing; the version add is accepted (202).
    assert.deepEqual(
      push.results.map((r) => [r.eventType, r.status]),
      [
        ["TOPIC_CONFIGURED", 200],
        ["SECRET_CREATE", 200],
        ["SECRET_VERSION_ADD", 202],
      ],
    );
    const last = triggers.at(-1);
    assert.equal(last?.kind, "hints");
    assert.deepEqual(last?.kind === "hints" ? last.hints.flatMap((h) => h.keys ?? []) : [], [{ kind: "variable", id: "region" }]);
    assert.deepEqual(target.values.get("var:region"), { kind: "variable", value: "eu-west-1" });
  });

  it("refuses a push without a token (401) or for another audience (403), and runs nothing", async () => {
    const runs = triggers.length;
    const anonymous = emu.deliverTo({ url: `${url}/pubsub`, shape: "push" });
    const elsewhere = emu.deliverTo({
      url: `${url}/pubsub`,
      shape: "push",
      authorization: () => `Bearer ${signGoogleToken(pushTokenClaims({ aud: "https://elsewhere.example.com/" }))}`,
    });
    await writeVariable("airflow-variables-refused", "never");
    for (const s of [anonymous, elsewhere]) {
      await s.settled();
      s.stop();
    }
    await coordinator.idle();
    assert.ok(anonymous.results.every((r) => r.status === 401));
    assert.ok(elsewhere.results.every((r) => r.status === 403));
    assert.equal(triggers.length, runs);
    assert.equal(target.values.get("var:refused"), undefined);
  });

  it("answers 503 when serve.pubsub_push is not configured", async () => {
    const off = await startServe(false);
    const response = await fetch(`${off.url}/pubsub`, { method: "POST", body: "{}" });
    assert.equal(response.status, 503);
    assert.match(((await response.json()) as { error: string }).error, /serve\.pubsub_push/);
    await new Promise<void>((resolve) => off.server.close(() => resolve()));
  });
});
