import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionFromJson, connectionToJson } from "../../src/formats/connectionJson.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import { parseLocalFilesystemFile } from "../../src/formats/localFilesystemFile.ts";
import { PythonFloat, parsePythonJson, pythonJsonDumps } from "../../src/formats/pythonJson.ts";

describe("floats in extra, as Python's json.loads and json.dumps write them", () => {
  it("writes back each float token with Python's repr", () => {
    const cases: [string, string][] = [
      ["1e20", "1e+20"],
      ["1E20", "1e+20"],
      ["1e-7", "1e-07"],
      ["1.5", "1.5"],
      ["-0.0", "-0.0"],
      ["0.0", "0.0"],
      ["1.0", "1.0"],
      ["1e16", "1e+16"],
      ["1e15", "1000000000000000.0"],
      ["2.5e-5", "2.5e-05"],
      ["1e400", "Infinity"],
      ["-1e400", "-Infinity"],
      ["NaN", "NaN"],
      ["Infinity", "Infinity"],
      ["-Infinity", "-Infinity"],
      ["5e-324", "5e-324"],
    ];
    for (const [token, python] of cases) {
      const conn = connectionFromJson(`{"conn_type": "x", "extra": {"v": ${token}}}`);
      assert.equal(connectionToJson(conn), `{"conn_type": "x", "extra": {"v": ${python}}}`, token);
    }
  });

  it("keeps integers as integers (100000000000000000000 is an int, 1e20 a float)", () => {
    assert.equal(pythonJsonDumps(parsePythonJson('{"i": 100, "f": 100.0, "z": -0}')), '{"i": 100, "f": 100.0, "z": 0}');
  });

  it("keeps an integer beyond 2^53 exact, digit for digit, as Python's int does", () => {
    const conn = connectionFromJson('{"conn_type": "x", "extra": {"id": 123456789012345678}}');
    assert.equal(connectionToJson(conn), '{"conn_type": "x", "extra": {"id": 123456789012345678}}');
  });

  it("carries the float repr through the URI's __extra__ and back", () => {
    const conn = connectionFromJson('{"conn_type": "x", "host": "h", "extra": {"big": 1e20, "neg": -0.0}}');
    const uri = connectionToUri(conn);
    assert.equal(uri, "x://h/?__extra__=%7B%22big%22%3A+1e%2B20%2C+%22neg%22%3A+-0.0%7D");
    assert.deepEqual(parseConnectionUri(uri).extra, { big: new PythonFloat(1e20), neg: new PythonFloat(-0) });
  });

  it("keeps a YAML or JSON file's float in extra as a float", () => {
    const yaml = parseLocalFilesystemFile("c:\n  conn_type: x\n  extra:\n    t: 1.0\n    e: 1.0e+20\n    s: 1e20\n", "yaml", "connection");
    const json = parseLocalFilesystemFile('{"c": {"conn_type": "x", "extra": {"t": 1.0}}}', "json", "connection");
    const first = (r: typeof yaml) => {
      const v = r.entries[0]?.value;
      assert.ok(v?.kind === "connection");
      return connectionToJson(v.connection);
    };
    // PyYAML's YAML 1.1 float needs a dot: `1e20` stays a string.
    assert.equal(first(yaml), '{"conn_type": "x", "extra": {"t": 1.0, "e": 1e+20, "s": "1e20"}}');
    assert.equal(first(json), '{"conn_type": "x", "extra": {"t": 1.0}}');
  });

  it("shows generic JSON writers the plain number", () => {
    assert.equal(JSON.stringify({ v: new PythonFloat(1.5) }), '{"v":1.5}');
    assert.equal(String(new PythonFloat(1e20)), "1e+20");
  });
});
