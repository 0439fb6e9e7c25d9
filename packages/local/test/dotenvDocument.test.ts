import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDotenvAssignment, parseDotenvDocument, renderDotenvDocument } from "../src/targets/dotenvDocument.ts";

describe("dotenvDocument", () => {
  it("round-trips a file it does not change, byte for byte", () => {
    const text = "# comment\n\nexport FOO=bar # trailing\nQUOTED=\"a\\nb\"\nMULTI='one\ntwo'\nlast_without_newline=1";
    assert.equal(renderDotenvDocument(parseDotenvDocument(text)), text);
  });

  it("decodes values the way compose-go does", () => {
    const text = [
      "A=plain value # comment",
      "B='single $NOT_EXPANDED \\n stays'",
      'C="double \\"quoted\\" \\\\ back\\nline $$dollar"',
      "export D=exported",
      "E='multi",
      "line'",
      "F=",
    ].join("\n");
    const values = Object.fromEntries(parseDotenvDocument(text).flatMap((s) => (s.name === undefined ? [] : [[s.name, s.value]])));
    assert.deepEqual(values, {
      A: "plain value",
      B: "single $NOT_EXPANDED \\n stays",
      C: 'double "quoted" \\ back\nline $dollar',
      D: "exported",
      E: "multi\nline",
      F: "",
    });
  });

  it("formats values so they read back exactly, whatever they contain", () => {
    const values = [
      '{"conn_type": "postgres", "password": "p@ss w#rd"}',
      'it\'s got a single quote and $HOME and "double" and \\ backslash',
      "ends with backslash \\",
      "line one\nline two # not a comment = still value",
      "tab\there",
      "",
      "€ unicode ü",
    ];
    for (const value of values) {
      const parsed = parseDotenvDocument(formatDotenvAssignment("AIRFLOW_VAR_X", value));
      assert.equal(parsed.length, 1, JSON.stringify(value));
      assert.equal(parsed[0]?.value, value);
    }
  });

  it("flags an unterminated quote instead of guessing", () => {
    const [statement] = parseDotenvDocument("BROKEN='no end\n");
    assert.equal(statement?.name, "BROKEN");
    assert.equal(statement?.value, undefined);
    assert.match(statement?.problem ?? "", /unterminated single-quoted/);
  });

  it("keeps a line it cannot read as an assignment as it is", () => {
    const text = "this is not an assignment\nOK=1\n";
    const statements = parseDotenvDocument(text);
    assert.equal(statements[0]?.name, undefined);
    assert.equal(statements[1]?.name, "OK");
    assert.equal(renderDotenvDocument(statements), text);
  });
});
