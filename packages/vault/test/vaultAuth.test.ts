import assert from "node:assert/strict";
import { createSign, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectionKey } from "@afsync/core";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { createVaultSource } from "../src/vaultSourceFactory.ts";
import { vaultSourceOptionsSchema } from "../src/vaultSourceOptions.ts";

const SECRET_ID = "approle-secret-id-7e1d";
const DB_PASSWORD = "vault-auth-db-Pa55-3c9a";

function signJwt(privateKey: ReturnType<typeof generateKeyPairSync>["privateKey"], claims: Record<string, unknown>): string {
  const head = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${head}.${body}.${createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey).toString("base64url")}`;
}

describe("Vault auth methods against the emulator", () => {
  let emu: VaultEmulator;
  let dir: string;
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
  const read = async (options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => {
    const source = createVaultSource(options, { id: "v", env: { VAULT_ADDR: emu.url, ...env }, configDir: dir, retryBaseMs: 1 });
    const [r] = await source.read([connectionKey("db")]);
    return r;
  };

  before(async () => {
    emu = await startVaultEmulator({ tokenTtlSeconds: 30 });
    emu.seed("secret/connections/db", { conn_type: "postgres", host: "db", login: "app", password: DB_PASSWORD });
    dir = mkdtempSync(join(tmpdir(), "afsync-vault-auth-"));
  });
  after(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses VAULT_TOKEN like the vault CLI, or a token file", async () => {
    assert.equal((await read({}, { VAULT_TOKEN: emu.rootToken }))?.status, "found");
    writeFileSync(join(dir, "token"), `${emu.rootToken}\n`);
    assert.equal((await read({ token_path: "token" }))?.status, "found");
  });

  it("names what is missing when there is no address or no token", async () => {
    assert.throws(() => createVaultSource({}, { id: "v", env: {} }), /url: set url or VAULT_ADDR/);
    const noToken = createVaultSource({}, { id: "v", env: { VAULT_ADDR: emu.url } });
    await assert.rejects(noToken.readAll(), /VAULT_TOKEN: environment variable VAULT_TOKEN is not set/);
    const revoked = emu.issueToken();
    emu.revokeToken(revoked);
    await assert.rejects(createVaultSource({}, { id: "v", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: revoked } }).readAll(), (err: Error) => {
      assert.match(err.message, /the Vault token from \$VAULT_TOKEN is not valid \(HTTP 403\)/);
      assertNoSecretLeak([err.message], [revoked]);
      return true;
    });
  });

  it("logs in with AppRole (secret id from an env var) and refuses a wrong secret id without echoing it", async () => {
    emu.addAppRole("afsync", "role-1234", SECRET_ID);
    emu.resetCalls();
    assert.equal((await read({ auth_type: "approle", role_id: "role-1234", secret_id_env: "SID" }, { SID: SECRET_ID }))?.status, "found");
    assert.equal(emu.calls("auth/approle/login"), 1);
    const wrong = await read({ auth_type: "approle", role_id: "role-1234", secret_id_env: "SID" }, { SID: "wrong-secret-id-0000" });
    assert.equal(wrong?.status, "error");
    assert.match(wrong?.status === "error" ? wrong.reason : "", /approle login at auth\/approle failed: HTTP 400/);
    assertNoSecretLeak([JSON.stringify(wrong)], ["wrong-secret-id-0000", SECRET_ID]);
  });

  it("logs in with Kubernetes (service account JWT file) and JWT auth, on a custom mount", async () => {
    emu.trustJwtKey("kubernetes", publicPem, ["airflow"]);
    emu.trustJwtKey("oidc-ci", publicPem, ["deployer"]);
    const exp = Math.floor(Date.now() / 1000) + 600;
    writeFileSync(join(dir, "sa-token"), signJwt(keys.privateKey, { sub: "system:serviceaccount:airflow:afsync", exp }));
    assert.equal(
      (await read({ auth_type: "kubernetes", kubernetes_role: "airflow", kubernetes_jwt_path: join(dir, "sa-token") }))?.status,
      "found",
    );
    const jwt = signJwt(keys.privateKey, { sub: "ci", exp });
    emu.resetCalls();
    assert.equal(
      (await read({ auth_type: "jwt", jwt_role: "deployer", jwt_token_env: "CI_JWT", auth_mount_point: "oidc-ci" }, { CI_JWT: jwt }))
        ?.status,
      "found",
    );
    assert.equal(emu.calls("auth/oidc-ci/login"), 1);
    const forged = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const bad = await read(
      { auth_type: "jwt", jwt_role: "deployer", jwt_token_env: "CI_JWT", auth_mount_point: "oidc-ci" },
      { CI_JWT: signJwt(forged.privateKey, { exp }) },
    );
    assert.match(bad?.status === "error" ? bad.reason : "", /invalid signature/);
  });

  it("logs in with AWS IAM: a SigV4-signed GetCallerIdentity the emulator verifies with the role's key", async () => {
    emu.addAwsCredentials("ASIAEMULATED", "lambda-secret-key-91f", "arn:aws:sts::123456789012:assumed-role/afsync-worker/fn", [
      "afsync-worker",
    ]);
    emu.setAwsServerId("vault.example.com");
    const aws = {
      AWS_ACCESS_KEY_ID: "ASIAEMULATED",
      AWS_SECRET_ACCESS_KEY: "lambda-secret-key-91f",
      AWS_SESSION_TOKEN: "session-token-abc",
    };
    const opts = { auth_type: "aws_iam", role_id: "afsync-worker", region: "eu-west-1", iam_server_id_header_value: "vault.example.com" };
    emu.resetCalls();
    assert.equal((await read(opts, aws))?.status, "found");
    assert.equal(emu.calls("auth/aws/login"), 1);
    const forged = await read(opts, { ...aws, AWS_SECRET_ACCESS_KEY: "not-the-key" });
    assert.equal(forged?.status, "error", "a signature made with another key must be refused");
    assert.match(forged?.status === "error" ? forged.reason : "", /SignatureDoesNotMatch/);
    const otherServer = await read({ ...opts, iam_server_id_header_value: "elsewhere" }, aws);
    assert.equal(otherServer?.status, "error", "a request signed for another Vault must be refused");
    assert.match(otherServer?.status === "error" ? otherServer.reason : "", /IAM-Server-ID/);
    emu.setAwsServerId(undefined);
  });

  it("logs in with an Azure managed identity and with a GCP service account (signJwt)", async () => {
    emu.trustCloudIdentity("azure", ["func-app"]);
    emu.trustCloudIdentity("gcp", ["cloud-run"]);
    emu.resetCalls();
    const azure = await read(
      { auth_type: "azure", role_id: "func-app", azure_resource: "https://management.azure.com/", azure_subscription_id: "sub-1" },
      { IDENTITY_ENDPOINT: `${emu.url}/msi/token`, IDENTITY_HEADER: "identity-header" },
    );
    assert.equal(azure?.status, "found");
    assert.equal(emu.calls("azure-identity/token"), 1);
    const gcp = await read(
      { auth_type: "gcp", role_id: "cloud-run", gcp_iam_credentials_url: emu.url },
      { GCE_METADATA_HOST: new URL(emu.url).host },
    );
    assert.equal(gcp?.status, "found");
    assert.equal(emu.calls("gcp-iam/signJwt"), 1);
    assert.equal(emu.calls("auth/gcp/login"), 1);
  });

  it("renews a login token after two thirds of its lease and logs in again once it has expired", async () => {
    emu.addAppRole("afsync", "role-renew", SECRET_ID);
    let skew = 0;
    const source = createVaultSource(
      { auth_type: "approle", role_id: "role-renew", secret_id_env: "SID" },
      { id: "v", env: { VAULT_ADDR: emu.url, SID: SECRET_ID }, now: () => Date.now() + skew },
    );
    emu.resetCalls();
    await source.read([connectionKey("db")]);
    assert.deepEqual([emu.calls("auth/approle/login"), emu.calls("token/renew-self")], [1, 0]);
    skew += 21_000; // past 2/3 of the 30 s lease, still valid
    emu.advanceTime(21_000);
    await source.read([connectionKey("db")]);
    assert.deepEqual([emu.calls("auth/approle/login"), emu.calls("token/renew-self")], [1, 1]);
    skew += 120_000; // the renewed lease has run out on the server
    emu.advanceTime(120_000);
    const [r] = await source.read([connectionKey("db")]);
    assert.equal(r?.status, "found");
    assert.equal(emu.calls("auth/approle/login"), 2, "a failed renewal logs in again");
  });

  it("renews a renewable VAULT_TOKEN it looked up once", async () => {
    const token = emu.issueToken({ ttlSeconds: 30, renewable: true });
    let skew = 0;
    const source = createVaultSource({}, { id: "v", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: token }, now: () => Date.now() + skew });
    emu.resetCalls();
    await source.read([connectionKey("db")]);
    await source.read([connectionKey("db")]);
    assert.equal(emu.calls("token/lookup-self"), 1);
    skew += 25_000;
    emu.advanceTime(25_000);
    await source.read([connectionKey("db")]);
    assert.equal(emu.calls("token/renew-self"), 1);
  });
});

describe("vault options", () => {
  const issues = (o: Record<string, unknown>) => {
    const r = vaultSourceOptionsSchema.safeParse(o);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("names the supported auth types when Airflow knows the auth_type but afsync does not log in with it", () => {
    const [issue] = issues({ auth_type: "userpass" });
    assert.match(issue ?? "", /^auth_type: .*'userpass'.*supported: token, approle, kubernetes, aws_iam, azure, gcp, jwt/);
    assert.match(issues({ auth_type: "kerberos" })[0] ?? "", /unknown auth_type 'kerberos'/);
  });

  it("refuses inline credentials, naming the reference to use instead and never echoing the value", () => {
    const found = issues({ token: "hvs.inline-token-value", secret_id: "inline-sid" });
    assert.ok(found.some((i) => i.startsWith("token: credentials never go inline") && i.includes("token_env")));
    assert.ok(found.some((i) => i.startsWith("secret_id: credentials never go inline")));
    assertNoSecretLeak(found, ["hvs.inline-token-value", "inline-sid"]);
  });

  it("rejects unknown keys and names what each auth type needs", () => {
    assert.ok(issues({ mount_pount: "secret" }).some((i) => i.includes("mount_pount")));
    assert.deepEqual(issues({ auth_type: "approle" }), [
      "role_id: auth_type approle needs role_id",
      "secret_id_env: auth_type approle needs secret_id_env or secret_id_path",
    ]);
  });

  it("leaves event notifications off unless `events: websocket` asks for them, and names the choices otherwise", () => {
    assert.equal(vaultSourceOptionsSchema.parse({}).events, "off");
    assert.equal(vaultSourceOptionsSchema.parse({ events: "websocket" }).events, "websocket");
    assert.match(issues({ events: "webhook" })[0] ?? "", /^events: .*"off"\|"websocket"/);
    const off = createVaultSource({}, { id: "v", env: { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "t" } }).changeEvents;
    assert.deepEqual(off.enabled ? "on" : off.why, "not enabled: set `events: websocket` on the source (Vault Enterprise 1.16+)");
  });
});
