import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidValueError } from "../../src/errors.ts";
import { connectionToUri } from "../../src/formats/connectionUri.ts";
import { parseConnectionValue } from "../../src/formats/connectionValue.ts";
import { envVarNameFor, envVarValueFor, keyFromEnvVarName } from "../../src/formats/envVars.ts";
import { findKeyCollisions, validateConnId, validateVariableKey } from "../../src/formats/keyValidation.ts";
import { parseLocalFilesystemFile } from "../../src/formats/localFilesystemFile.ts";
import { pythonJsonDumps } from "../../src/formats/pythonJson.ts";
import { isSensitiveFieldName, maskConnection, maskValue } from "../../src/formats/redact.ts";
import { parseVariableValue } from "../../src/formats/variableValue.ts";

describe("parseConnectionValue", () => {
  it("turns an RDS rotation secret into a usable connection with no mapping", () => {
    const secret =
      '{"engine": "postgres", "host": "db.example.com", "username": "app", "password": "pw", "dbname": "orders", "port": 5432, "dbInstanceIdentifier": "orders-1"}';
    const conn = parseConnectionValue(secret);
    assert.equal(connectionToUri(conn), "postgres://app:pw@db.example.com:5432/orders");
  });

  it("maps Aurora MySQL and Redshift engines to their Airflow types", () => {
    assert.equal(
      parseConnectionValue({ engine: "aurora-mysql", host: "h", username: "u", password: "p", dbname: "d", port: "3306" }).conn_type,
      "mysql",
    );
    assert.equal(
      parseConnectionValue({ engine: "redshift", host: "h", username: "u", password: "p", dbname: "d", port: 5439 }, { format: "rds" })
        .conn_type,
      "redshift",
    );
  });

  it("refuses an unknown rotation engine, saying which", () => {
    assert.throws(() => parseConnectionValue({ engine: "cassandra", username: "u" }, { format: "rds" }), /engine 'cassandra'/);
  });

  it("reads a Vault conn_uri dict", () => {
    assert.equal(parseConnectionValue({ conn_uri: "mysql://u:p@h:1/d" }).host, "h");
  });

  it("trims and reads a URI, and refuses an empty value", () => {
    assert.equal(parseConnectionValue("  mysql://h  ").host, "h");
    assert.throws(() => parseConnectionValue("   "), InvalidValueError);
  });

  it("refuses a forced format that does not fit", () => {
    assert.throws(() => parseConnectionValue("mysql://h", { format: "json" }), /expects a JSON object/);
  });
});

describe("parseLocalFilesystemFile (.env)", () => {
  it("keeps values verbatim, quotes included, and ignores comments and blank lines", () => {
    const { entries, problems } = parseLocalFilesystemFile("# c\n\n  # indented comment\nA='{\"x\": 1}'\nB=b=c\n", "env", "variable");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      entries.map((e) => [e.key, e.value.kind === "variable" ? e.value.value : null, e.line]),
      [
        ["A", "'{\"x\": 1}'", 4],
        ["B", "b=c", 5],
      ],
    );
  });

  it("reports every bad line with its number, and duplicate variables", () => {
    const { problems } = parseLocalFilesystemFile("A=1\nnoequals\n=v\nB=\nA=2\n", "env", "variable", { fileName: "vars.env" });
    assert.deepEqual(
      problems.map((p) => [p.line, p.message.slice(0, 30)]),
      [
        [1, 'The "vars.env" file contains m'],
        [2, "Invalid line format. The line "],
        [3, "Invalid line format. Key is em"],
        [4, "Invalid line format. Value is "],
      ],
    );
  });

  it("refuses JSON text as a .env connection (Airflow would read it as a broken URI)", () => {
    const { problems } = parseLocalFilesystemFile('C={"conn_type": "x"}\n', "env", "connection");
    assert.match(problems[0]?.message ?? "", /reads a string as a URI/);
  });

  it("resolves plain scalars as PyYAML's safe_load does (checked against PyYAML 6)", () => {
    const text = "a: y\nb: 1e3\nc: 1.0\nd: 09\ne: 0:0\nf: 1:20\ng: 2001-12-14\nh: on\ni: 017\nj: .inf\nk: 1.5e-5\n";
    const { entries, problems } = parseLocalFilesystemFile(text, "yaml", "variable");
    assert.deepEqual(problems, []);
    assert.deepEqual(Object.fromEntries(entries.map((e) => [e.key, e.value.kind === "variable" ? e.value.value : null])), {
      a: "y",
      b: "1e3",
      c: "1.0",
      d: "09",
      e: "0:0",
      f: "80",
      g: "2001-12-14",
      h: "true",
      i: "15",
      j: "Infinity",
      k: "1.5e-05",
    });
  });

  it("reports an alias to a missing anchor instead of crashing", () => {
    const { problems } = parseLocalFilesystemFile("a: *nowhere\n", "yaml", "variable");
    assert.equal(problems.length, 1);
  });

  it("reads YAML 1.1 as PyYAML does: yes is a boolean, None is a string", () => {
    const { entries } = parseLocalFilesystemFile("flag: yes\nnothing: None\ncount: 3\nobj:\n  a: [1, 2]\n", "yaml", "variable");
    assert.deepEqual(
      entries.map((e) => (e.value.kind === "variable" ? e.value.value : null)),
      ["true", "None", "3", '{"a": [1, 2]}'],
    );
  });
});

describe("envVars", () => {
  it("names connections and variables with Airflow's upper-casing only", () => {
    assert.equal(envVarNameFor({ kind: "connection", id: "my-conn.v2" }), "AIRFLOW_CONN_MY-CONN.V2");
    assert.equal(envVarNameFor({ kind: "variable", id: "hello" }), "AIRFLOW_VAR_HELLO");
  });

  it("maps names back lower-cased, and ignores other and team-scoped names", () => {
    assert.deepEqual(keyFromEnvVarName("AIRFLOW_CONN_MY_DB"), { kind: "connection", id: "my_db" });
    assert.deepEqual(keyFromEnvVarName("AIRFLOW_VAR_X"), { kind: "variable", id: "x" });
    assert.equal(keyFromEnvVarName("AIRFLOW__CORE__DAGS_FOLDER"), null);
    assert.equal(keyFromEnvVarName("AIRFLOW_CONN__TEAM-A___DB"), null);
    assert.equal(keyFromEnvVarName("AIRFLOW_CONN_"), null);
  });

  it("writes connections in Airflow's JSON form", () => {
    const value = envVarValueFor({
      kind: "connection",
      connection: { conn_type: "http", host: "h", login: null, password: null, schema: null, port: 80, extra: null },
    });
    assert.equal(value, '{"conn_type": "http", "host": "h", "port": 80}');
  });
});

describe("keyValidation", () => {
  it("applies sanitize_conn_id and warns about the Airflow 3 REST rule", () => {
    assert.deepEqual(validateConnId("a_valid_conn_id_!!##").errors, []);
    assert.ok(validateConnId("a_valid_conn_id_!!##").warnings.some((w) => w.includes("REST")));
    assert.equal(validateConnId("<script>alert(1)</script>").errors.length, 1);
    assert.equal(validateConnId("x".repeat(251)).errors.length, 1);
    assert.deepEqual(validateConnId("my_db"), { errors: [], warnings: [] });
  });

  it("limits variable keys to 250 characters", () => {
    assert.equal(validateVariableKey("k".repeat(250)).errors.length, 0);
    assert.equal(validateVariableKey("k".repeat(251)).errors.length, 1);
  });

  it("finds keys that collide after a backend's normalization", () => {
    const keys = [
      { kind: "connection" as const, id: "my_db" },
      { kind: "connection" as const, id: "my-db" },
      { kind: "connection" as const, id: "MY_DB" },
    ];
    assert.deepEqual(findKeyCollisions(keys, "azure-key-vault"), [{ secretId: "airflow-connections-my-db", keys: keys.slice(0, 2) }]);
    assert.deepEqual(
      findKeyCollisions(keys, "env")[0]?.keys.map((k) => k.id),
      ["my_db", "MY_DB"],
    );
  });
});

describe("redact", () => {
  it("masks the password and sensitive extras, at any depth", () => {
    const masked = maskConnection({
      conn_type: "x",
      host: "h",
      login: "u",
      password: "pw",
      schema: null,
      port: null,
      extra: { region: "eu", api_key: "k", nested: { client_secret: "s" } },
    });
    assert.equal(masked.password, "***");
    assert.deepEqual(masked.extra, { region: "eu", api_key: "***", nested: { client_secret: "***" } });
    assert.equal(masked.login, "u");
  });

  it("recognizes Airflow's sensitive names as substrings", () => {
    for (const n of ["password", "AWS_SECRET_ACCESS_KEY", "keyfile_dict", "Authorization", "my_token"])
      assert.ok(isSensitiveFieldName(n), n);
    assert.ok(!isSensitiveFieldName("region_name"));
  });

  it("masks variable values", () => {
    assert.deepEqual(maskValue({ kind: "variable", value: "v" }), { kind: "variable", value: "***" });
  });
});

describe("parseVariableValue", () => {
  it("keeps strings, writes other JSON values as Python's json.dumps, and reads Vault's value key", () => {
    assert.equal(parseVariableValue("plain"), "plain");
    assert.equal(parseVariableValue({ a: [1, "é"] }), '{"a": [1, "\\u00e9"]}');
    assert.equal(parseVariableValue({ value: "v" }, { format: "vault" }), "v");
    assert.equal(parseVariableValue('{"value": {"x": 1}}', { format: "vault" }), '{"x": 1}');
  });
});

describe("pythonJsonDumps", () => {
  it("writes numbers as Python's json.dumps does (float repr, two-digit exponents)", () => {
    const cases: [number, string][] = [
      [5, "5"],
      [1.5, "1.5"],
      [1e-5, "1e-05"],
      [1.5e-5, "1.5e-05"],
      [0.0001, "0.0001"],
      [123.456, "123.456"],
      [1e21, "1e+21"],
      [2.5e-7, "2.5e-07"],
      [-0.001, "-0.001"],
      [1e100, "1e+100"],
      [264422844618249860000, "264422844618249860000"],
    ];
    for (const [n, want] of cases) assert.equal(pythonJsonDumps(n), want, String(n));
  });

  it("escapes non-ASCII as ensure_ascii does, with Python's separators", () => {
    assert.equal(pythonJsonDumps({ a: ["é", "\u007f", "😀"], b: null }), '{"a": ["\\u00e9", "\\u007f", "\\ud83d\\ude00"], "b": null}');
  });
});
