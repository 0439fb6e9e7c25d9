import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type BackendName,
  keyMatchesSecretId,
  keysForSecretId,
  type NamingKind,
  secretIdForKey,
  secretIdText,
} from "../../src/formats/backendNaming.ts";
import { connectionFromJson, connectionToJson } from "../../src/formats/connectionJson.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import { parsePythonJson } from "../../src/formats/pythonJson.ts";
import type { Connection } from "../../src/model/Connection.ts";

const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
const connType = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/).filter((t) => t !== "postgresql");
const domain = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/);
const safeKey = (k: string) => k !== "__extra__" && k !== "__proto__";
// fast-check builds null-prototype dictionaries; parsed extras are plain objects.
const stringExtra = fc
  .dictionary(fc.string({ maxLength: 8 }).filter(safeKey), fc.string({ maxLength: 12 }), { minKeys: 1, maxKeys: 4 })
  .map((d) => Object.fromEntries(Object.entries(d)));
// Read as Python's json.loads reads them (a float stays a float); integers beyond 2^53 are refused
// by design, so they are left out here.
const pythonJsonValue = fc.json({ maxDepth: 2 }).filter((v) => {
  try {
    parsePythonJson(v);
    return true;
  } catch {
    return false;
  }
});
const jsonExtra = fc
  .dictionary(fc.string({ maxLength: 8 }).filter(safeKey), pythonJsonValue, { minKeys: 1, maxKeys: 4 })
  .map((d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, parsePythonJson(v)])));

/**
 * Connections in the URI form's domain: the URI has no null host/schema (they read back as ""),
 * lower-cases hosts without a '/', and turns an empty password into None; `__extra__` is reserved.
 */
const uriConnection: fc.Arbitrary<Connection> = fc
  .record({
    conn_type: connType,
    host: fc.oneof(
      fc.constant(""),
      domain,
      fc.stringMatching(/^\/[A-Za-z0-9_./:-]{1,20}$/),
      fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), domain).map(([p, h]) => `${p}://${h}`),
    ),
    login: fc.option(text, { nil: null }),
    password: fc.option(text, { nil: null }),
    schema: fc.oneof(fc.constant(""), text),
    // Port 0 is written as no port (get_uri's `if self.port:`), tested on its own.
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
    extra: fc.oneof(fc.constant(null), stringExtra, jsonExtra),
  })
  .map((c) => ({
    ...c,
    // a password needs a login in front of it (":pw@" reads back as login ""), and a bare port
    // needs a host or a login ("@:5432" reads back as login "")
    password: c.login === null ? null : c.password,
    port: c.host === "" && c.login === null ? null : c.port,
  }));

const jsonConnection: fc.Arbitrary<Connection> = fc.record({
  conn_type: fc.option(connType, { nil: null }),
  description: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  host: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  login: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  password: fc.option(text, { nil: null }),
  schema: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  // from_json reads any integer but 0 (`if port:`), which is tested on its own.
  port: fc.option(
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).filter((p) => p !== 0),
    { nil: null },
  ),
  extra: fc.oneof(fc.constant(null), stringExtra, jsonExtra),
});

describe("format round trips (fast-check)", () => {
  it("parseConnectionUri(connectionToUri(c)) equals c", () => {
    fc.assert(
      fc.property(uriConnection, (c) => {
        assert.deepEqual(parseConnectionUri(connectionToUri(c)), c);
      }),
      { numRuns: 500 },
    );
  });

  it("connectionFromJson(connectionToJson(c)) equals c", () => {
    fc.assert(
      fc.property(jsonConnection, (c) => {
        const back = connectionFromJson(connectionToJson(c));
        const { description, ...rest } = c;
        assert.deepEqual(back, description === null ? rest : { ...c });
      }),
      { numRuns: 500 },
    );
  });

  const backends: [BackendName, NamingKind[]][] = [
    ["aws-secrets-manager", ["connection", "variable", "config"]],
    ["aws-ssm", ["connection", "variable", "config"]],
    ["azure-key-vault", ["connection", "variable", "config"]],
    ["gcp-secret-manager", ["connection", "variable", "config"]],
    ["vault", ["connection", "variable", "config"]],
    ["env", ["connection", "variable"]],
  ];
  for (const [backend, kinds] of backends) {
    it(`${backend}: naming forward then reverse returns the key (or a candidate set holding it)`, () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/), fc.constantFrom(...kinds), (key, kind) => {
          const fwd = secretIdForKey(backend, kind, key);
          // Key Vault never looks up a key that reads as team-scoped (`a--b`) outside a team.
          if (!fwd.ok && backend === "azure-key-vault" && kind !== "config" && /^[^-]+--.+$/.test(key.replaceAll("_", "-"))) return;
          assert.ok(fwd.ok, fwd.ok ? "" : fwd.reason);
          const back = keysForSecretId(backend, secretIdText(fwd.secretId));
          assert.ok(back.ok, back.ok ? "" : back.reason);
          assert.equal(back.kind, kind);
          const listed = back.keys.includes(backend === "env" ? key.toLowerCase() : key);
          // Key Vault lists every spelling up to 2^8; past that the note says to test known keys.
          const testable =
            back.note?.includes("only the all-'_' and all-'-' forms are listed") &&
            keyMatchesSecretId(backend, kind, key, secretIdText(fwd.secretId));
          assert.ok(listed || testable, `${key} in ${JSON.stringify(back)}`);
        }),
        { numRuns: 300 },
      );
    });
  }
});
