import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidValueError } from "../../src/errors.ts";
import { connectionFromFields } from "../../src/formats/connectionFields.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import type { Connection } from "../../src/model/Connection.ts";
import { loadVectors } from "./vectors.ts";

interface ParseCase {
  id: string;
  uri: string;
  expected: Record<string, unknown>;
  versions: string;
  notes?: string;
}
interface RoundtripCase {
  id: string;
  input_fields: Record<string, unknown>;
  expected_uri: string;
}
interface InvalidCase {
  id: string;
  uri?: string;
  input?: Record<string, unknown>;
  from_json?: string;
  error_contains: string;
  versions: string;
}
const vectors = loadVectors<{ parse: ParseCase[]; roundtrip: RoundtripCase[]; invalid: InvalidCase[] }>("connection-uri.json");

const FIELDS = ["conn_type", "host", "login", "password", "schema", "port", "extra"] as const;

function fieldsOf(conn: Connection): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((f) => [f, conn[f]]));
}

/** Fields as Python's `Connection(**kwargs)` receives them (conn_id is not part of our model). */
function fromConstructorFields(fields: Record<string, unknown>): Connection {
  return connectionFromFields(fields, { normalizeType: false, ignoreKeys: ["conn_id"], parseUri: parseConnectionUri });
}

describe("parseConnectionUri against connection-uri.json parse[]", () => {
  for (const c of vectors.parse) {
    if (c.versions === "2.x-only") {
      it(`${c.id}: refuses it as newest Airflow does (2.x only warned)`, () => {
        assert.throws(() => parseConnectionUri(c.uri), InvalidValueError);
      });
      continue;
    }
    const label =
      c.versions === "main-core-only"
        ? " (released versions and Task SDK: extra values stay strings; main core's JSON-decoding is unreleased)"
        : "";
    it(`${c.id}: parses to the expected fields${label}`, () => {
      assert.deepEqual(fieldsOf(parseConnectionUri(c.uri)), c.expected);
    });
  }
});

describe("connectionToUri against connection-uri.json roundtrip[]", () => {
  for (const c of vectors.roundtrip) {
    it(`${c.id}: writes ${c.expected_uri}`, () => {
      const conn = fromConstructorFields(c.input_fields);
      assert.equal(connectionToUri(conn), c.expected_uri);
    });
    it(`${c.id}: the written URI parses back to the same URI`, () => {
      const uri = connectionToUri(fromConstructorFields(c.input_fields));
      assert.equal(connectionToUri(parseConnectionUri(uri)), uri);
    });
  }
});

// Issue 8: these vectors describe a range check (0..65535) that the core source of record
// (airflow-core models/connection.py, `if port: int(port)`, see docs/reference/differences-from-airflow.md)
// does not make: Airflow keeps any integer from JSON or the constructor, so afsync does too.
const ACCEPTED_BY_CORE_SOURCE: Readonly<Record<string, number>> = {
  'from_json/invalid_port/{"port": -1}': -1,
  'from_json/invalid_port/{"port": 65536}': 65536,
  "sdk/constructor_invalid_port/-1": -1,
  "sdk/constructor_invalid_port/65536": 65536,
};

describe("connection-uri.json invalid[]", () => {
  for (const c of vectors.invalid) {
    const keptPort = ACCEPTED_BY_CORE_SOURCE[c.id];
    if (keptPort !== undefined) {
      it(`${c.id}: is accepted with port ${keptPort}, as core's int(port) does (the vector's range check is not in the source of record)`, () => {
        const conn =
          c.from_json !== undefined
            ? connectionFromFields(JSON.parse(c.from_json) as Record<string, unknown>, { normalizeType: true })
            : fromConstructorFields(c.input ?? {});
        assert.equal(conn.port, keptPort);
      });
      continue;
    }
    it(`${c.id}: is refused with a message containing '${c.error_contains}' (${c.versions})`, () => {
      const run = () => {
        if (c.uri !== undefined) return parseConnectionUri(c.uri);
        if (c.from_json !== undefined)
          return connectionFromFields(JSON.parse(c.from_json) as Record<string, unknown>, { normalizeType: true });
        return fromConstructorFields(c.input ?? {});
      };
      assert.throws(run, (e: unknown) => e instanceof InvalidValueError && e.message.includes(c.error_contains));
    });
  }
});

describe("connectionToUri protocol-in-host (newest Airflow)", () => {
  it("encodes a host whose protocol equals the conn type, so it survives parsing (3.0 wrote http://http://host)", () => {
    const conn: Connection = { conn_type: "http", host: "http://host", login: null, password: null, schema: "", port: null, extra: null };
    const uri = connectionToUri(conn);
    assert.equal(uri, "http://http%3A%2F%2Fhost");
    assert.equal(parseConnectionUri(uri).host, "http://host");
  });

  it("shows that the 3.0 form loses the host when parsed (why the encoding matters)", () => {
    const parsed = parseConnectionUri("http://http://host");
    assert.equal(parsed.host, "");
    assert.equal(parsed.schema, "ost");
  });

  it("encodes a protocol host whole when the type://protocol:// form would lower-case it", () => {
    const conn: Connection = {
      conn_type: "spark",
      host: "k8s://MyCluster",
      login: null,
      password: null,
      schema: "",
      port: 443,
      extra: null,
    };
    assert.equal(parseConnectionUri(connectionToUri(conn)).host, "k8s://MyCluster");
  });

  it("writes non-string extras as one __extra__ parameter every version reads back", () => {
    const conn: Connection = {
      conn_type: "aws",
      host: "",
      login: null,
      password: null,
      schema: "",
      port: null,
      extra: { retries: 3, nested: { a: [1, true] } },
    };
    const uri = connectionToUri(conn);
    assert.match(uri, /^aws:\/\/\/\?__extra__=/);
    assert.deepEqual(parseConnectionUri(uri).extra, conn.extra);
  });

  it("leaves port 0 out, as get_uri's `if self.port:` does", () => {
    const conn: Connection = { conn_type: "x", host: "h", login: null, password: null, schema: "", port: 0, extra: null };
    assert.equal(connectionToUri(conn), "x://h");
  });

  it("keeps '+' in userinfo and invalid escapes verbatim, as urllib's unquote does", () => {
    const c = parseConnectionUri("x://a+b:p%zz%41@host/s+t");
    assert.equal(c.login, "a+b");
    assert.equal(c.password, "p%zzA");
    assert.equal(c.schema, "s+t");
  });

  it("refuses a port out of range or not a number without echoing the URI", () => {
    for (const uri of ["x://u:hunter2@host:99999", "x://u:hunter2@host:12ab"]) {
      assert.throws(
        () => parseConnectionUri(uri),
        (e: unknown) => e instanceof InvalidValueError && /port/i.test(e.message) && !e.message.includes("hunter2"),
      );
    }
  });
});
