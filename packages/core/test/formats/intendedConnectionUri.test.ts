import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidValueError } from "../../src/errors.ts";
import { connectionToUri } from "../../src/formats/connectionUri.ts";
import { parseConnectionValue } from "../../src/formats/connectionValue.ts";
import { parseIntendedConnectionUri } from "../../src/formats/intendedConnectionUri.ts";

/**
 * What a source hands over when the value is not a URI: the "pasted secret" class. The marker
 * (whose `~` no scheme may hold) keeps every case out of the URI shape, and lets the check find
 * the value minus its first character, the form the leak took.
 */
const notAUri = fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => `Zq9~${s}`);
const blank = fc.stringMatching(/^[ \t\r\n]{0,6}$/);

function refusal(run: () => unknown): InvalidValueError {
  try {
    run();
  } catch (e) {
    if (e instanceof InvalidValueError) return e;
    throw e;
  }
  assert.fail("expected the value to be refused");
}

describe("a connection URI from a source must be a URI Airflow reads as intended", () => {
  it("refuses a value with no 'type://' start, through every entry point, never quoting it (fast-check)", () => {
    fc.assert(
      fc.property(notAUri, (value) => {
        const errors = [
          refusal(() => parseIntendedConnectionUri(value)),
          refusal(() => parseConnectionValue(value)),
          refusal(() => parseConnectionValue(value, { format: "uri" })),
          refusal(() => parseConnectionValue({ conn_uri: value })),
          refusal(() => parseConnectionValue({ uri: value }, { format: "json" })),
        ];
        for (const e of errors) assert.ok(!e.message.includes("q9~"), e.message);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses an empty or whitespace-only value", () => {
    fc.assert(
      fc.property(blank, (value) => {
        assert.match(refusal(() => parseIntendedConnectionUri(value)).message, /empty/);
        assert.throws(() => parseConnectionValue(value), InvalidValueError);
      }),
    );
  });

  it("refuses a connection type that is not a URI scheme (Airflow's urlsplit finds no scheme in it)", () => {
    for (const uri of ["google_cloud_platform://x", "1db://h", "://u:p@h", "my conn://h"]) {
      assert.match(refusal(() => parseIntendedConnectionUri(uri)).message, /before '::?\/\/'|not a URI scheme/, uri);
    }
  });

  it("still reads every URI Airflow writes, typeless `//` form included (fast-check)", () => {
    const conn = fc.record({
      conn_type: fc.option(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), { nil: null }),
      host: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
      login: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
      password: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: null }),
      schema: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
      extra: fc.constant(null),
    });
    fc.assert(
      fc.property(conn, (c) => {
        const uri = connectionToUri(c);
        assert.doesNotThrow(() => parseIntendedConnectionUri(uri), uri);
      }),
      { numRuns: 300 },
    );
    assert.equal(parseIntendedConnectionUri("//abc").host, "abc");
    assert.equal(parseIntendedConnectionUri("  \tpostgres://h/db").schema, "db");
  });
});
