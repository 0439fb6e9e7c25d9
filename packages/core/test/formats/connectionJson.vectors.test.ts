import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidValueError } from "../../src/errors.ts";
import { connectionFromFields } from "../../src/formats/connectionFields.ts";
import { connectionFromJson, connectionToJson } from "../../src/formats/connectionJson.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import { connectionFromVaultSecret, parseConnectionValue, standardizeAwsSecretKeys } from "../../src/formats/connectionValue.ts";
import { parseLocalFilesystemFile } from "../../src/formats/localFilesystemFile.ts";
import { pythonJsonDumps } from "../../src/formats/pythonJson.ts";
import { parseVariableValue } from "../../src/formats/variableValue.ts";
import type { Connection } from "../../src/model/Connection.ts";
import { loadVectors } from "./vectors.ts";

interface JsonFormCase {
  id: string;
  kind: string;
  input?: string;
  input_fields?: Record<string, unknown>;
  expected?: Record<string, unknown>;
  expected_json?: string;
  backend_kwargs?: Record<string, unknown>;
  secret_string?: string;
  secret_data?: Record<string, unknown>;
  expected_standardized?: Record<string, unknown>;
  expected_get_uri?: string;
  expected_get_uri_by_conn_id?: Record<string, string>;
  file_content?: string;
  file_name?: string;
  error_contains?: string;
  versions?: string;
}
const { json_form: cases } = loadVectors<{ json_form: JsonFormCase[] }>("connection-uri.json");

/** Compares the fields a vector names; `extra` as Airflow's raw string when the vector gives a string, `extra_dejson*` as objects. */
function assertFields(conn: Connection, expected: Record<string, unknown>): void {
  for (const [field, want] of Object.entries(expected)) {
    if (field === "conn_id") continue; // the key, not part of the value
    if (field === "extra") {
      assert.equal(conn.extra === null ? null : pythonJsonDumps(conn.extra), want, "extra");
    } else if (field === "extra_dejson") {
      assert.deepEqual(conn.extra ?? {}, want, "extra_dejson");
    } else if (field.startsWith("extra_dejson.")) {
      assert.deepEqual(conn.extra?.[field.slice("extra_dejson.".length)], want, field);
    } else {
      assert.deepEqual((conn as unknown as Record<string, unknown>)[field], want, field);
    }
  }
}

// Issue 8: core's from_json reads the port with `if port: int(port)`, so 0 is no port; the
// vector describes a `port is not None` rule the source of record does not have.
const PORT_ZERO_IS_NO_PORT = new Set(['from_json/port/{"port": 0}']);

describe("connection-uri.json json_form[]", () => {
  for (const c of cases) {
    if (PORT_ZERO_IS_NO_PORT.has(c.id)) {
      it(`${c.id}: from_json reads port 0 as no port (core's \`if port:\`)`, () => {
        assert.equal(connectionFromJson(c.input ?? "").port, null);
      });
      continue;
    }
    switch (c.kind) {
      case "Connection.from_json":
      case "sdk Connection.from_json":
        it(`${c.id}: from_json gives the expected fields${c.versions ? ` (${c.versions})` : ""}`, () => {
          assertFields(connectionFromJson(c.input ?? ""), c.expected ?? {});
        });
        break;
      case "Connection.as_json":
        it(`${c.id}: as_json writes ${c.expected_json}`, () => {
          const conn = connectionFromFields(c.input_fields ?? {}, { normalizeType: false, parseUri: parseConnectionUri });
          assert.equal(connectionToJson(conn), c.expected_json);
        });
        break;
      case "aws_secrets_manager_json":
        if (c.versions?.includes("older amazon provider only")) {
          it(`${c.id}: newest provider no longer url-decodes fields (are_secret_values_urlencoded was removed)`, () => {
            const conn = parseConnectionValue(c.secret_string ?? "", {
              format: "aws-secrets-manager",
              backendKwargs: c.backend_kwargs ?? {},
            });
            assert.equal(conn.login, "is%20url%20encoded");
            assert.deepEqual(conn.extra, { foo: "bar" });
          });
          break;
        }
        it(`${c.id}: the AWS aliases standardize and parse as the backend does`, () => {
          const secret = JSON.parse(c.secret_string ?? "") as Record<string, unknown>;
          if (c.expected_standardized) assert.deepEqual(standardizeAwsSecretKeys(secret, c.backend_kwargs), c.expected_standardized);
          const conn = parseConnectionValue(c.secret_string ?? "", {
            format: "aws-secrets-manager",
            backendKwargs: c.backend_kwargs ?? {},
          });
          if (c.expected_get_uri) assert.equal(connectionToUri(conn), c.expected_get_uri);
          if (c.expected) assertFields(conn, c.expected);
          // auto-detection reaches the same result
          assert.deepEqual(parseConnectionValue(c.secret_string ?? "", { backendKwargs: c.backend_kwargs ?? {} }), conn);
        });
        break;
      case "backend_json_value":
        it(`${c.id}: a JSON value is read with from_json`, () => {
          assertFields(parseConnectionValue(c.secret_string ?? ""), c.expected ?? {});
        });
        break;
      case "vault_secret_dict":
        if (c.expected_get_uri) {
          it(`${c.id}: the Vault field dict goes through from_json (newest provider: postgresql → postgres, port '5432' → 5432)`, () => {
            assert.equal(connectionToUri(connectionFromVaultSecret(c.secret_data ?? {})), c.expected_get_uri);
            assert.equal(connectionToUri(parseConnectionValue(c.secret_data ?? {}, { format: "vault" })), c.expected_get_uri);
          });
        } else {
          it(`${c.id}: a Vault variable without "value" is not defined`, () => {
            assert.throws(() => parseVariableValue(c.secret_data, { format: "vault" }), /required key "value"/);
          });
        }
        break;
      case "local_filesystem_json_file":
      case "local_filesystem_yaml_file": {
        const type = c.kind === "local_filesystem_json_file" ? "json" : "yaml";
        it(`${c.id}: the ${type} file reads as LocalFilesystemBackend reads it`, () => {
          const { entries, problems } = parseLocalFilesystemFile(
            c.file_content ?? "",
            type,
            "connection",
            c.file_name ? { fileName: c.file_name } : {},
          );
          if (c.error_contains) {
            assert.ok(
              problems.some((p) => p.message.includes(c.error_contains ?? "")),
              JSON.stringify(problems),
            );
            return;
          }
          assert.deepEqual(problems, []);
          if (c.expected_get_uri_by_conn_id) {
            const uris = Object.fromEntries(
              entries.map((e) => [e.key, e.value.kind === "connection" ? connectionToUri(e.value.connection) : null]),
            );
            assert.deepEqual(uris, c.expected_get_uri_by_conn_id);
          }
          for (const [key, fields] of Object.entries(c.expected ?? {})) {
            const entry = entries.find((e) => e.key === key);
            assert.ok(entry && entry.value.kind === "connection", `entry ${key}`);
            assertFields(entry.value.connection, fields as Record<string, unknown>);
          }
        });
        break;
      }
      default:
        it(`${c.id}: has a known kind`, () => assert.fail(`unknown vector kind ${c.kind}`));
    }
  }
});

describe("connectionFromJson", () => {
  it("names an unexpected key", () => {
    assert.throws(
      () => connectionFromJson('{"conn_type": "x", "usr": "a"}'),
      (e: unknown) => e instanceof InvalidValueError && e.message.includes("'usr'"),
    );
  });

  it("says where invalid JSON breaks without quoting the value", () => {
    assert.throws(
      () => connectionFromJson('{"password": "hunter2",\n "port": }'),
      (e: unknown) => e instanceof InvalidValueError && e.message.includes("line 2") && !e.message.includes("hunter2"),
    );
  });
});
