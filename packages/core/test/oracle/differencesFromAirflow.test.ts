import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidValueError } from "../../src/errors.ts";
import { connectionFromJson, connectionToJson } from "../../src/formats/connectionJson.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import type { Connection } from "../../src/model/Connection.ts";
import { askAirflow } from "./askAirflow.ts";

/**
 * Each deliberate difference of docs/reference/differences-from-airflow.md, shown against
 * Airflow's semantics on CPython: what Airflow's own writer does, and that what afsync writes
 * reads back in Airflow as the connection it was.
 */
const base: Connection = { conn_type: "x", host: "h", login: null, password: null, schema: "", port: null, extra: null };
const asCase = (c: Connection, extraText: string | null) => ({
  conn_type: c.conn_type,
  host: c.host,
  login: c.login,
  password: c.password,
  schema: c.schema,
  port: c.port,
  extra_text: extraText,
});

function airflowGetUri(c: Connection, extraText: string | null = null) {
  const [a] = askAirflow([{ op: "get_uri", conn: asCase(c, extraText) }]);
  return a?.ok ? a.uri : `raises ${a?.error}`;
}

function airflowParse(uri: string): Record<string, unknown> | string {
  const [a] = askAirflow([{ op: "parse_uri", uri }]);
  return a?.ok ? (a.c ?? {}) : `raises ${a?.error}`;
}

describe("deliberate differences from Airflow, each shown against Airflow's semantics", () => {
  it("protocol-in-host: afsync's URI reads back as the host; Airflow's own get_uri lower-cases it", () => {
    const conn = { ...base, host: "k8s://MyCluster" };
    const ours = connectionToUri(conn);
    assert.equal(ours, "x://k8s%3A%2F%2FMyCluster");
    assert.equal((airflowParse(ours) as Record<string, unknown>).host, "k8s://MyCluster");
    const theirs = airflowGetUri(conn) as string;
    assert.equal(theirs, "x://k8s://MyCluster");
    assert.equal((airflowParse(theirs) as Record<string, unknown>).host, "k8s://mycluster");
  });

  it("typed-extra-as-__extra__: afsync keeps the types; Airflow's get_uri writes them as text", () => {
    const conn = connectionFromJson('{"conn_type": "x", "host": "h", "extra": {"timeout": 30, "ssl": true}}');
    const ours = connectionToUri(conn);
    assert.equal((airflowParse(ours) as Record<string, unknown>).extra, '{"timeout": 30, "ssl": true}');
    const theirs = airflowGetUri(conn, '{"timeout": 30, "ssl": true}') as string;
    assert.equal(theirs, "x://h/?timeout=30&ssl=true");
    assert.equal((airflowParse(theirs) as Record<string, unknown>).extra, '{"timeout": "30", "ssl": "true"}');
  });

  it("airflow-get_uri-raises: a lone surrogate in an extra string travels in __extra__", () => {
    const conn = connectionFromJson('{"conn_type": "x", "host": "h", "extra": {"a": "\\ud800"}}');
    assert.equal(airflowGetUri(conn, '{"a": "\\ud800"}'), "raises UnicodeEncodeError");
    const ours = connectionToUri(conn);
    assert.match(ours, /__extra__=/);
    assert.equal((airflowParse(ours) as Record<string, unknown>).extra, '{"a": "\\ud800"}');
  });

  it("non-string-field, team-name-field, empty-uri: refused, naming what is wrong", () => {
    for (const [text, what] of [
      ['{"conn_type": "x", "host": 5}', /host: expected a string/],
      ['{"conn_type": "x", "team_name": "t"}', /unexpected key 'team_name'/],
    ] as const) {
      const [a] = askAirflow([{ op: "from_json", text }]);
      assert.equal(a?.ok, true, `Airflow takes ${text}`);
      assert.throws(
        () => connectionFromJson(text),
        (e: unknown) => e instanceof InvalidValueError && what.test(e.message),
      );
    }
    assert.deepEqual(
      Object.values(airflowParse("") as Record<string, unknown>).filter((v) => v !== null),
      [],
      "Airflow's Connection(uri='') has no field at all",
    );
    assert.throws(() => parseConnectionUri(""), /connection URI is empty/);
  });

  it("integer-key-order: the same extra, with integer-like keys listed first", () => {
    const text = '{"conn_type": "x", "extra": {"b": "1", "10": "2"}}';
    const [a] = askAirflow([{ op: "from_json", text }]);
    assert.equal(a?.ok && a.c?.extra, '{"b": "1", "10": "2"}');
    assert.equal(connectionToJson(connectionFromJson(text)), '{"conn_type": "x", "extra": {"10": "2", "b": "1"}}');
  });

  it("newest-rereads-string-extras: afsync's URI keeps a string that is JSON text; Airflow's get_uri unquotes it", () => {
    const conn = { ...base, extra: { name: '"x"' } };
    const theirs = airflowGetUri(conn, '{"name": "\\"x\\""}') as string;
    assert.equal(theirs, "x://h/?name=x");
    const ours = connectionToUri(conn);
    assert.equal(ours, "x://h/?name=%22x%22");
    assert.equal((airflowParse(ours) as Record<string, unknown>).extra, '{"name": "\\"x\\""}');
  });

  it("newest-rereads-string-extras: afsync's JSON keeps a string that looks like JSON", () => {
    const conn = { ...base, extra: { retries: "3" } };
    const [a] = askAirflow([{ op: "as_json", conn: asCase(conn, '{"retries": "3"}') }]);
    assert.ok(a?.ok);
    assert.equal(a.newest, '{"conn_type": "x", "host": "h", "schema": "", "extra": {"retries": 3}}');
    assert.equal(connectionToJson(conn), '{"conn_type": "x", "host": "h", "schema": "", "extra": {"retries": "3"}}');
    const [back] = askAirflow([{ op: "from_json", text: connectionToJson(conn) }]);
    assert.equal(back?.ok && back.c?.extra, '{"retries": "3"}');
  });
});
