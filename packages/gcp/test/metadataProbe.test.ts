import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { connectionKey } from "@afsync/core";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials } from "@grpc/grpc-js";
import { createGcpSecretManagerSource } from "../src/gcpSourceFactory.ts";

/**
 * The metadata-server trap (feasibility §2): with a plaintext channel alone, google-gax still runs
 * Application Default Credentials to learn the universe domain and connects to 169.254.169.254.
 * The test runner sets METADATA_SERVER_DETECTION=none; this test lifts it and watches every socket
 * the process opens, so the source is shown to stay off the metadata server on its own.
 */
describe("the Secret Manager client built for a loopback endpoint", () => {
  let emu: GcpEmulator;
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  const savedDetection = process.env.METADATA_SERVER_DETECTION;

  before(async () => {
    emu = await startGcpEmulator();
    emu.seedSecret({ secretId: "airflow-connections-db", versions: ["postgres://u:p@h/db"] });
    delete process.env.METADATA_SERVER_DETECTION;
    net.Socket.prototype.connect = function watchedConnect(this: net.Socket, ...args: unknown[]) {
      // net.connect() passes its normalized arguments as one array: [options, callback].
      const raw = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const host =
        typeof raw === "object" && raw !== null ? (raw as { host?: string }).host : typeof args[1] === "string" ? args[1] : undefined;
      if (host !== undefined && !/^(127\.|::1$|\[::1\]$|localhost$)/.test(host)) attempts.push(host);
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
  });
  after(async () => {
    net.Socket.prototype.connect = original;
    if (savedDetection !== undefined) process.env.METADATA_SERVER_DETECTION = savedDetection;
    await emu.close();
  });

  it("never connects anywhere but the emulator, even without METADATA_SERVER_DETECTION=none", async () => {
    const source = await createGcpSecretManagerSource({ project_id: emu.project.id, api_endpoint: emu.endpoint }, { id: "g", env: {} });
    const [read] = await source.read([connectionKey("db")]);
    await source.close();
    assert.equal(read?.status, "found");
    assert.deepEqual(attempts, []);
  });

  it("would have: a client given only a plaintext channel probes the metadata server (why the factory does more)", async () => {
    attempts.length = 0;
    const bare = new SecretManagerServiceClient({ apiEndpoint: "127.0.0.1", port: emu.port, sslCreds: credentials.createInsecure() });
    await bare
      .accessSecretVersion({ name: `projects/${emu.project.id}/secrets/airflow-connections-db/versions/latest` }, { retry: null })
      .catch(() => undefined);
    await bare.close();
    assert.ok(
      attempts.some((h) => h === "169.254.169.254" || h === "metadata.google.internal"),
      `attempts: ${attempts.join(", ")}`,
    );
  });
});
