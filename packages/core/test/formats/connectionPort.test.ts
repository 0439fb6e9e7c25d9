import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidValueError } from "../../src/errors.ts";
import { connectionFromJson, connectionToJson } from "../../src/formats/connectionJson.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import type { Connection } from "../../src/model/Connection.ts";

const conn = (port: number | null): Connection => ({
  conn_type: "postgres",
  host: "db",
  login: "app",
  password: null,
  schema: "",
  port,
  extra: null,
});

describe("port 0 (core's `if self.port:` and `if port:`)", () => {
  it("is left out of the URI, as get_uri leaves it out", () => {
    assert.equal(connectionToUri(conn(0)), "postgres://app@db");
  });

  it("is no port in from_json, as a number or as no text", () => {
    for (const text of [
      '{"port": 0}',
      '{"port": 0.0}',
      '{"port": -0.0}',
      '{"port": ""}',
      '{"port": []}',
      '{"port": {}}',
      '{"port": false}',
    ]) {
      assert.equal(connectionFromJson(text).port, null, text);
    }
  });

  it("stays 0 when it comes as the text '0' (a non-empty string is truthy) or from a URI", () => {
    assert.equal(connectionFromJson('{"port": "0"}').port, 0);
    assert.equal(parseConnectionUri("x://h:0").port, 0);
  });

  it("is written in the JSON form, as as_json keeps every port that is not None", () => {
    assert.equal(connectionToJson(conn(0)), '{"conn_type": "postgres", "host": "db", "login": "app", "schema": "", "port": 0}');
  });
});

describe("ports a URI cannot carry", () => {
  it("are refused by the URI writer, which names the port and the form that holds it", () => {
    for (const port of [-1, 65536, 70000]) {
      assert.throws(
        () => connectionToUri(conn(port)),
        (e: unknown) => e instanceof InvalidValueError && e.message.includes(`port ${port}`) && /JSON/.test(e.message),
      );
    }
    assert.equal(connectionToUri(conn(65535)), "postgres://app@db:65535");
  });
});

describe("ports from JSON (core's `int(port)`)", () => {
  it("keeps any integer, even one a URI cannot carry", () => {
    for (const [text, port] of [
      ['{"port": -1}', -1],
      ['{"port": 70000}', 70000],
      ['{"port": "70000"}', 70000],
      ['{"port": 5432.0}', 5432],
      ['{"port": 1e3}', 1000],
    ] as const) {
      assert.equal(connectionFromJson(text).port, port, text);
    }
  });

  it("reads text as int() does: spaces, a sign, digit groups and any Unicode decimal digits", () => {
    for (const [text, port] of [
      [" 5432 ", 5432],
      ["+5432", 5432],
      ["-0", 0],
      ["5_432", 5432],
      ["\u0665\u0664\u0663\u0662", 5432],
      ["\uff15\uff14", 54],
      ["\u00a05432\u2003", 5432],
      ["\u{1d7d3}", 5],
    ] as const) {
      assert.equal(connectionFromJson(JSON.stringify({ port: text })).port, port, JSON.stringify(text));
    }
  });

  it("refuses text int() refuses, naming the field and not the value", () => {
    for (const text of ["5__432", "1e3", "54.0", "0x10", "\u001c1", "\ufeff1", "abc"]) {
      assert.throws(
        () => connectionFromJson(JSON.stringify({ port: text })),
        (e: unknown) => e instanceof InvalidValueError && /port/.test(e.message),
        JSON.stringify(text),
      );
    }
  });

  it("refuses what int() would silently turn into another number, and what afsync cannot hold exactly", () => {
    for (const [text, why] of [
      ['{"port": 1.5}', /not a whole number/],
      ['{"port": true}', /boolean/],
      ['{"port": 99999999999999999999}', /beyond 2\^53/],
      ['{"port": "99999999999999999999"}', /beyond 2\^53/],
      ['{"port": NaN}', /integer/],
      ['{"port": Infinity}', /integer/],
    ] as const) {
      assert.throws(
        () => connectionFromJson(text),
        (e: unknown) => e instanceof InvalidValueError && why.test(e.message),
        text,
      );
    }
  });
});
