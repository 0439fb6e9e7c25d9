import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectionKey, type KeyString, keyString, type LogLevel, variableKey } from "@afsync/core";
import { connectionToJson } from "@afsync/core/formats/connectionJson";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runSecretSourceContract } from "@afsync/testing/runSecretSourceContract";
import type { AzureKeyVaultSource } from "../src/AzureKeyVaultSource.ts";
import { type AzureFactoryContext, createAzureKeyVaultSource } from "../src/azureKeyVaultSourceFactory.ts";

function ctxFor(emu: KeyVaultEmulator, extra: Partial<AzureFactoryContext> = {}): AzureFactoryContext {
  // The emulator's own token credential and CA: the real SDK client, over real HTTPS.
  return { id: "kv", env: {}, azure: { credential: emu.credential, ca: emu.ca }, ...extra };
}

// Key Vault names turn '_' into '-': the contract's ids need the config's explicit map.
runSecretSourceContract("azure-key-vault", async (fixture) => {
  const emu = await startKeyVaultEmulator();
  const keys: Record<string, string> = {};
  const name = (kind: "connections" | "variables", id: string) => {
    const n = `airflow-${kind}-${id.replaceAll("_", "-")}`;
    keys[n] = id;
    return n;
  };
  for (const [id, conn] of Object.entries(fixture.connections))
    emu.seedSecret(name("connections", id), { value: conn.extra ? connectionToJson(conn) : connectionToUri(conn) });
  for (const [id, value] of Object.entries(fixture.variables)) emu.seedSecret(name("variables", id), { value });
  for (const [id, raw] of Object.entries(fixture.invalidConnections)) emu.seedSecret(name("connections", id), { value: raw });
  emu.seedSecret("unrelated", { value: "x" });
  return {
    source: createAzureKeyVaultSource({ vault_url: emu.url, keys }, ctxFor(emu)),
    cleanup: () => emu.close(),
  };
});

describe("AzureKeyVaultSource", () => {
  let emu: KeyVaultEmulator;
  before(async () => {
    emu = await startKeyVaultEmulator();
  });
  after(async () => {
    await emu.close();
  });

  it("lists every page (following nextLink) and reads each enabled secret once", async () => {
    for (let i = 0; i < 60; i++) emu.seedSecret(`bulk-connections-c${i}`, { value: `postgres://u:p${i}@h${i}:5432/db` });
    emu.seedSecret("bulk-connections-off", { value: "postgres://u:p@h/db", enabled: false });
    const source = createAzureKeyVaultSource(
      { vault_url: emu.url, connections_prefix: "bulk-connections", variables_prefix: null },
      ctxFor(emu),
    );
    emu.resetCalls();
    const reads = await source.readAll();
    assert.equal(reads.filter((r) => r.status === "found").length, 60);
    assert.equal(reads.length, 60, "the disabled secret is not listed");
    const pages = emu.calls("GetSecrets");
    assert.ok(pages >= Math.ceil(61 / 25), `at least ${Math.ceil(61 / 25)} list pages, got ${pages}`);
    assert.equal(emu.calls("GetSecret"), 60);
  });

  it("reads the exact version an event names, ordered by creation, and falls back to current when it is gone", async () => {
    const first = emu.seedSecret("v-connections-db", { value: "postgres://u:one@h/db" });
    const second = emu.seedSecret("v-connections-db", { value: "postgres://u:two@h/db" });
    const source = createAzureKeyVaultSource({ vault_url: emu.url, connections_prefix: "v-connections" }, ctxFor(emu));
    const key = connectionKey("db");
    const [pinned] = await source.read([key], new Map([[keyString(key), first.version]]));
    assert.ok(pinned?.status === "found");
    assert.equal(pinned.version?.id, first.version);
    assert.equal(pinned.value.kind === "connection" ? pinned.value.connection.password : undefined, "one");
    const [current] = await source.read([key]);
    assert.ok(current?.status === "found");
    assert.equal(current.version?.id, second.version);
    assert.ok((current.version?.order ?? 0) > (pinned.version?.order ?? 0), "a newer version has a higher order");
    const [unknownVersion] = await source.read([key], new Map([[keyString(key), "0".repeat(32)]]));
    assert.equal(unknownVersion?.status === "found" ? unknownVersion.version?.id : undefined, second.version);
  });

  it("treats disabled and nonexistent secrets as missing", async () => {
    emu.seedSecret("d-variables-off", { value: "hidden" });
    emu.updateSecret("d-variables-off", { enabled: false });
    const source = createAzureKeyVaultSource({ vault_url: emu.url, variables_prefix: "d-variables" }, ctxFor(emu));
    const reads = await source.read([variableKey("off"), variableKey("never")]);
    assert.deepEqual(
      reads.map((r) => [keyString(r.key), r.status]),
      [
        ["var:off", "missing"],
        ["var:never", "missing"],
      ],
    );
    assert.equal((await source.readAll()).filter((r) => keyString(r.key) === "var:off").length, 0);
  });

  it("retries 429 + Retry-After within the budget, and reports throttling and a give-up without values", async () => {
    emu.seedSecret("t-variables-busy", { value: "s3ntinel-throttled" });
    const logs: { level: LogLevel; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
    const logger = {
      log: (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) =>
        logs.push({ level, message, ...(fields ? { fields } : {}) }),
    };
    const source = createAzureKeyVaultSource(
      { vault_url: emu.url, variables_prefix: "t-variables" },
      ctxFor(emu, { logger, azure: { credential: emu.credential, ca: emu.ca, retry: { maxRetries: 3, maxThrottleWaitMs: 1500 } } }),
    );
    emu.resetCalls();
    emu.inject({ status: 429, retryAfterSeconds: 0, times: 2, operationId: "GetSecret" });
    const [ok] = await source.read([variableKey("busy")]);
    assert.equal(ok?.status, "found");
    assert.equal(emu.calls("GetSecret"), 3);
    assert.deepEqual(logs.at(-1)?.fields, { source: "kv", operation: "read", throttled: 2, gaveUp: 0 });

    // Retry-After beyond the budget: no waiting, the read is reported as an error.
    emu.inject({ status: 429, retryAfterSeconds: 10, times: 1, operationId: "GetSecret" });
    const started = Date.now();
    const [gaveUp] = await source.read([variableKey("busy")]);
    assert.ok(Date.now() - started < 5000, "did not sleep through a Retry-After past the budget");
    assert.equal(gaveUp?.status, "error");
    assert.match(gaveUp?.status === "error" ? gaveUp.reason : "", /HTTP 429.*throttled past the retry budget/);
    assert.equal(logs.at(-1)?.fields?.gaveUp, 1);
    assertNoSecretLeak([JSON.stringify(gaveUp), JSON.stringify(logs)], ["s3ntinel-throttled"]);
    emu.faults.clear();
  });

  it("fails the whole listing (never 'everything deleted') when listing keeps failing", async () => {
    const source = createAzureKeyVaultSource(
      { vault_url: emu.url },
      ctxFor(emu, { azure: { credential: emu.credential, ca: emu.ca, retry: { maxRetries: 1 } } }),
    );
    emu.inject({ status: 503, times: 5, operationId: "GetSecrets" });
    await assert.rejects(source.readAll(), /listing the secrets of vault .* failed: .*HTTP 503/);
    emu.faults.clear();
  });

  describe("lossy naming", () => {
    let source: AzureKeyVaultSource;
    let known: Set<KeyString>;
    before(() => {
      emu.seedSecret("n-connections-my-db", { value: "postgres://u:p@h/db" });
      emu.seedSecret("n-connections-plain", { value: "postgres://u:p@h/plain" });
      emu.seedSecret("n-connections-mapped-one", { value: "postgres://u:p@h/m" });
      known = new Set();
      source = createAzureKeyVaultSource(
        {
          vault_url: emu.url,
          connections_prefix: "n-connections",
          variables_prefix: null,
          keys: { "n-connections-mapped-one": "mapped_one" },
        },
        ctxFor(emu, { knownKeys: async () => known }),
      );
    });

    it("reports a name with several spellings as ambiguous under each spelling when no Deployment holds one", async () => {
      const reads = await source.readAll();
      const byKey = new Map(reads.map((r) => [keyString(r.key), r]));
      assert.equal(byKey.get("conn:plain")?.status, "found", "a name without '-' in its key has one spelling");
      assert.equal(byKey.get("conn:mapped_one")?.status, "found", "the explicit map decides");
      assert.equal(byKey.has("conn:mapped-one"), false);
      for (const k of ["conn:my_db", "conn:my-db"] as const) {
        const r = byKey.get(k);
        assert.equal(r?.status, "invalid");
        assert.match(r?.status === "invalid" ? r.reason : "", /may hold 'my_db', 'my-db'.*keys: \{ n-connections-my-db: <id> \}/);
      }
      const [hinted] = await source.read([connectionKey("my_db")]);
      assert.equal(hinted?.status, "invalid", "an existing ambiguous secret is not guessed on a hint either");
      const [absent] = await source.read([connectionKey("not_there")]);
      assert.equal(absent?.status, "missing", "an absent secret is simply missing");
    });

    it("picks the spelling a Deployment already holds, and answers the other spelling missing", async () => {
      known.add("conn:my-db");
      const reads = await source.readAll();
      assert.deepEqual(
        reads.filter((r) => r.secretId === "n-connections-my-db").map((r) => [keyString(r.key), r.status]),
        [["conn:my-db", "found"]],
      );
      const answers = await source.read([connectionKey("my_db"), connectionKey("my-db")]);
      assert.deepEqual(answers.map((r) => [keyString(r.key), r.status]).sort(), [
        ["conn:my-db", "found"],
        ["conn:my_db", "missing"],
      ]);
      known.add("conn:my_db");
      const both = await source.readAll();
      assert.match(JSON.stringify(both.filter((r) => r.secretId === "n-connections-my-db")), /Deployments hold 2 of them/);
      known.clear();
    });

    it("maps event secret ids back, ignoring another vault's and names outside the prefixes", () => {
      assert.deepEqual(source.keysFor(`${emu.url}/secrets/n-connections-plain`).keys, [connectionKey("plain")]);
      assert.deepEqual(source.keysFor("n-connections-mapped-one").keys, [connectionKey("mapped_one")]);
      assert.deepEqual(source.keysFor("n-connections-my-db").keys.map(keyString), ["conn:my_db", "conn:my-db"]);
      assert.match(
        source.keysFor("https://other.vault.azure.net/secrets/n-connections-plain").ignoredReason ?? "",
        /is in vault https:\/\/other\.vault\.azure\.net/,
      );
      assert.match(source.keysFor("newsecret").ignoredReason ?? "", /not under any prefix/);
    });

    it("refuses an explicit map entry that does not name the secret its id reads", () => {
      assert.throws(
        () => createAzureKeyVaultSource({ vault_url: emu.url, keys: { "airflow-connections-a-b": "x_y" } }, ctxFor(emu)),
        /keys\.airflow-connections-a-b: the connection 'x_y' is not read from this secret name/,
      );
    });
  });

  it("reads the newest provider's team-scoped secret first in multi-team mode", async () => {
    emu.seedSecret("airflow-connections-teamdb", { value: "postgres://u:global@h/db" });
    emu.seedSecret("airflow-connections-blue--teamdb", { value: "postgres://u:blue@h/db" });
    const source = createAzureKeyVaultSource({ vault_url: emu.url, multi_team: true, team_name: "blue" }, ctxFor(emu));
    assert.equal(source.secretIdFor(connectionKey("teamdb")), "airflow-connections-blue--teamdb");
    const [read] = await source.read([connectionKey("teamdb")]);
    assert.equal(read?.status === "found" && read.value.kind === "connection" ? read.value.connection.password : undefined, "blue");
  });
});
