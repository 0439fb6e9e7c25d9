import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ChangeHint, connectionKey } from "@afsync/core";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createVaultClient } from "../src/createVaultClient.ts";
import { VaultEventSubscription } from "../src/events/VaultEventSubscription.ts";
import { createVaultSource } from "../src/vaultSourceFactory.ts";
import { vaultSourceOptionsSchema } from "../src/vaultSourceOptions.ts";

// A Vault behind a private CA: a self-signed certificate for 127.0.0.1, made with the openssl CLI.
describe("Vault over HTTPS with VAULT_CACERT", () => {
  let emu: VaultEmulator;
  let dir: string;
  let caPath: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "afsync-vault-tls-"));
    caPath = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        caPath,
      ],
      { stdio: "ignore" },
    );
    emu = await startVaultEmulator({ tls: { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(caPath, "utf8") } });
    emu.seed("secret/connections/db", { conn_uri: "postgres://u:p@h/db" });
  });
  after(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("trusts the CA bundle VAULT_CACERT names, and refuses the server without it", async () => {
    const env = { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken };
    const trusted = createVaultSource({}, { id: "v", env: { ...env, VAULT_CACERT: caPath } });
    assert.equal((await trusted.read([connectionKey("db")]))[0]?.status, "found");
    const untrusted = createVaultSource({}, { id: "v", env, retryBaseMs: 1 });
    const [r] = await untrusted.read([connectionKey("db")]);
    assert.equal(r?.status, "error");
    assert.match(r?.status === "error" ? r.reason : "", /SELF_SIGNED|certificate/i);
  });

  it("subscribes to events over wss:// with the same CA", async () => {
    const hints: ChangeHint[] = [];
    const session = createVaultClient(vaultSourceOptionsSchema.parse({}), {
      env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, VAULT_CACERT: caPath },
    });
    const subscription = new VaultEventSubscription({ session, onHints: (h) => void hints.push(...h), onReconnect: () => {} });
    await subscription.start();
    emu.write("secret/connections/db", { conn_uri: "postgres://u:p2@h/db" });
    const deadline = Date.now() + 5000;
    while (hints.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hints[0]?.secretId, "secret/connections/db");
    await subscription.close();
  });
});
