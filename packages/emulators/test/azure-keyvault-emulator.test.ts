import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { SecretClient } from "@azure/keyvault-secrets";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../src/azure/startKeyVaultEmulator.ts";

function clientFor(emu: KeyVaultEmulator): SecretClient {
  return new SecretClient(emu.url, emu.credential, {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emu.ca },
    retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
  });
}

function rawGet(
  emu: KeyVaultEmulator,
  path: string,
  token?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emu.url}${path}`, { ca: emu.ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("Key Vault emulator", () => {
  let emu: KeyVaultEmulator;
  before(async () => {
    emu = await startKeyVaultEmulator();
  });
  after(async () => {
    await emu.close();
  });

  it("answers an unauthenticated request with the 401 bearer challenge, then serves the SDK with its token", async () => {
    const challenge = await rawGet(emu, "/secrets?api-version=2025-07-01");
    assert.equal(challenge.status, 401);
    assert.match(
      String(challenge.headers["www-authenticate"]),
      /^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[^"]+", resource="https:\/\/vault\.azure\.net"$/,
    );
    emu.seedSecret("greeting", { value: "hello" });
    const client = clientFor(emu);
    emu.resetCalls();
    const secret = await client.getSecret("greeting");
    assert.equal(secret.value, "hello");
    assert.equal(secret.name, "greeting");
    assert.match(secret.properties.version ?? "", /^[0-9a-f]{32}$/);
    assert.equal(emu.challenges, 1, "the SDK's first call is challenged once");
    await client.getSecret("greeting");
    assert.equal(emu.challenges, 1, "later calls carry the token");
    assert.equal(emu.calls("GetSecret"), 2);
  });

  it("requires api-version", async () => {
    const res = await rawGet(emu, "/secrets", emu.token);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error.code, "BadParameter");
  });

  it("pages the listing by at most 25 with nextLink, and refuses a larger maxresults", async () => {
    const local = await startKeyVaultEmulator();
    for (let i = 0; i < 60; i++) local.seedSecret(`s-${String(i).padStart(2, "0")}`, { value: `v${i}` });
    const client = clientFor(local);
    const names: string[] = [];
    for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
    assert.equal(names.length, 60);
    assert.equal(new Set(names).size, 60);
    assert.equal(local.calls("GetSecrets"), 3);
    const tooBig = await rawGet(local, "/secrets?api-version=7.4&maxresults=26", local.token);
    assert.equal(tooBig.status, 400);
    await local.close();
  });

  it("keeps versions, reads an exact one, answers 403 SecretDisabled for a disabled secret and 404 for an absent one", async () => {
    const client = clientFor(emu);
    const first = await client.setSecret("rotating", "one");
    const second = await client.setSecret("rotating", "two");
    assert.equal((await client.getSecret("rotating", { version: first.properties.version ?? "" })).value, "one");
    assert.equal((await client.getSecret("rotating")).value, "two");
    assert.ok(
      (second.properties.createdOn?.getTime() ?? 0) > (first.properties.createdOn?.getTime() ?? 0),
      "versions are ordered by creation",
    );
    const versions: string[] = [];
    for await (const v of client.listPropertiesOfSecretVersions("rotating")) versions.push(v.version ?? "");
    assert.deepEqual(versions.sort(), [first.properties.version, second.properties.version].sort());
    await client.updateSecretProperties("rotating", second.properties.version ?? "", { enabled: false });
    const disabled = await rawGet(emu, "/secrets/rotating?api-version=7.4", emu.token);
    assert.equal(disabled.status, 403);
    assert.equal(JSON.parse(disabled.body).error.innererror.code, "SecretDisabled");
    await assert.rejects(client.getSecret("rotating"), (e: { statusCode?: number }) => e.statusCode === 403);
    await assert.rejects(
      client.getSecret("absent"),
      (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === "SecretNotFound",
    );
  });

  it("emits SecretNewVersionCreated in both schemas for every write, and nothing for seeds or deletes", async () => {
    const client = clientFor(emu);
    emu.clearEvents();
    const seen: string[] = [];
    const off = emu.onEvent((e) => seen.push(e.eventGrid.id));
    const written = await client.setSecret("evented", "v");
    emu.seedSecret("seeded", { value: "x" });
    const poller = await client.beginDeleteSecret("evented", { intervalInMs: 1 });
    await poller.pollUntilDone();
    off();
    assert.equal(emu.events.length, 1);
    const [event] = emu.events;
    assert.deepEqual(seen, [event?.eventGrid.id]);
    assert.equal(event?.eventGrid.eventType, "Microsoft.KeyVault.SecretNewVersionCreated");
    assert.equal(event?.eventGrid.subject, "evented");
    assert.equal(event?.eventGrid.topic, emu.resourceId);
    assert.equal(event?.eventGrid.data.Version, written.properties.version);
    assert.equal(event?.eventGrid.data.Id, `${emu.url}/secrets/evented/${written.properties.version}`);
    assert.equal(event?.cloudEvent.specversion, "1.0");
    assert.equal(event?.cloudEvent.type, "Microsoft.KeyVault.SecretNewVersionCreated");
    assert.equal(event?.cloudEvent.source, emu.resourceId);
    assert.deepEqual(event?.cloudEvent.data, event?.eventGrid.data);
    await assert.rejects(client.getSecret("evented"), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it("throttles with 429 and Retry-After on injection, counting each attempt", async () => {
    const client = clientFor(emu);
    emu.seedSecret("busy", { value: "b" });
    emu.resetCalls();
    emu.inject({ status: 429, retryAfterSeconds: 0, times: 2, operationId: "GetSecret" });
    assert.equal((await client.getSecret("busy")).value, "b");
    assert.equal(emu.calls("GetSecret"), 3);
    emu.inject({ status: 429, retryAfterSeconds: 0, times: 5, operationId: "GetSecret" });
    await assert.rejects(client.getSecret("busy"), (e: { statusCode?: number }) => e.statusCode === 429);
    emu.faults.clear();
  });
});
