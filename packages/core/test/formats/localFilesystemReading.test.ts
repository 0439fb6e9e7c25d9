import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { kindFromContent } from "../../src/formats/kindFromContent.ts";
import { parseLocalFilesystemFile } from "../../src/formats/localFilesystemFile.ts";

/**
 * LocalFilesystemBackend files read as Airflow reads them (checked against CPython 3.11 and
 * PyYAML 6.0): Python's text mode, `json.loads`, PyYAML's `safe_load`, and problems that point
 * at the line of the field at fault.
 */

function variables(text: string, type: "json" | "yaml" | "env") {
  const { entries, problems } = parseLocalFilesystemFile(text, type, "variable");
  return { values: Object.fromEntries(entries.map((e) => [e.key, e.value.kind === "variable" ? e.value.value : null])), problems };
}

describe("parseLocalFilesystemFile: Python's text mode", () => {
  it("reads CRLF and lone CR line ends as Python's universal newlines do, in every file type", () => {
    assert.deepEqual(variables("A=1\r\nB=2\rC=3\r\n", "env").values, { A: "1", B: "2", C: "3" });
    assert.deepEqual(variables("a: x\r\nb: |\r\n  one\r\n  two\r\n", "yaml").values, { a: "x", b: "one\ntwo\n" });
    assert.deepEqual(variables('{\r\n"a": "x",\r"b": "y"}', "json").values, { a: "x", b: "y" });
  });

  it("counts lines after CRLF the way Airflow's messages do", () => {
    const { problems } = parseLocalFilesystemFile("A=1\r\nnoequals\r\nB=2\r\n", "env", "variable");
    assert.deepEqual(
      problems.map((p) => p.line),
      [2],
    );
  });

  it("refuses a JSON file that starts with a byte order mark, as json.loads does", () => {
    const { entries, problems } = parseLocalFilesystemFile('\ufeff{"a": "x"}', "json", "variable");
    assert.deepEqual(entries, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, undefined, "a file-wide problem: Airflow fails the whole file");
    assert.match(problems[0]?.message ?? "", /byte order mark/);
  });

  it("reads a YAML file that starts with a byte order mark, as PyYAML skips it", () => {
    assert.deepEqual(variables("\ufeffa: x\n", "yaml"), { values: { a: "x" }, problems: [] });
  });

  it("refuses the first key of a .env file with a byte order mark (Airflow would read the mark into the key)", () => {
    const { values, problems } = variables("\ufeffFIRST=1\nSECOND=2\n", "env");
    assert.deepEqual(values, { SECOND: "2" });
    assert.equal(problems[0]?.key, "FIRST");
    assert.match(problems[0]?.message ?? "", /byte order mark/);
  });

  it("fails a .env file whose byte order mark sits in front of a comment (Airflow reads no '=' on that line)", () => {
    const { problems } = variables("\ufeff# comment\nA=1\n", "env");
    assert.equal(problems[0]?.key, undefined);
    assert.equal(problems[0]?.line, 1);
  });

  it("treats as comments exactly the lines Python's ^\\s*# matches", () => {
    // U+FEFF is whitespace to JS's \s but not to Python's; \x1f is whitespace to Python only.
    assert.deepEqual(variables("\x1f# c\nA=1\n", "env").values, { A: "1" });
    const { problems } = variables("A=1\n\u2060# not a comment\n", "env");
    assert.equal(problems[0]?.line, 2);
    const bomLater = variables("A=1\n\ufeff# x=1\n", "env");
    assert.deepEqual(bomLater.values, { A: "1", "\ufeff# x": "1" });
  });
});

describe("parseLocalFilesystemFile: PyYAML safe_load", () => {
  it("refuses python/* tags and unknown tags for the whole file, naming the tag and line", () => {
    for (const tag of [
      "!!python/object:os.system",
      "!!python/name:os.system",
      "!<tag:yaml.org,2002:python/tuple>",
      "!foo",
      "!!python/object/apply:os.system",
    ]) {
      const { entries, problems } = parseLocalFilesystemFile(`ok: x\nbad: ${tag} [1]\n`, "yaml", "variable");
      assert.deepEqual(entries, [], tag);
      assert.equal(problems.length, 1, tag);
      assert.equal(problems[0]?.line, 2, tag);
      assert.equal(problems[0]?.key, undefined, `${tag}: safe_load fails the whole file`);
      assert.match(problems[0]?.message ?? "", /could not determine a constructor/, tag);
    }
  });

  it("accepts the tags safe_load constructs into text and numbers", () => {
    assert.deepEqual(variables("a: !!str 5\nb: !!int '7'\nc: !!null ''\nd: !!bool yes\n", "yaml").values, {
      a: "5",
      b: "7",
      d: "true",
    });
  });

  it("reports !!binary, !!set, !!omap and !!pairs as values that are not text, at the tag's line", () => {
    const text =
      "good: x\nbin: !!binary aGVsbG8=\nconn:\n  conn_type: http\n  password: !!binary aGVsbG8=\nset: !!set {a, b}\nomap: !!omap [a: 1]\npairs: !!pairs [a: 1]\n";
    for (const kind of ["variable", "connection"] as const) {
      const { problems } = parseLocalFilesystemFile(text, "yaml", kind);
      const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
      assert.equal(byKey.bin?.line, 2);
      assert.equal(byKey.conn?.line, 5, "points at the field, not the key");
      assert.match(byKey.bin?.message ?? "", /!!binary.*bytes/);
      assert.match(byKey.set?.message ?? "", /!!set.*set/);
      assert.match(byKey.omap?.message ?? "", /!!omap/);
      assert.match(byKey.pairs?.message ?? "", /!!pairs/);
      for (const p of problems) assert.doesNotMatch(p.message, /illegal keys|aGVsbG8|hello/);
    }
  });

  it("keeps the last of a repeated key, as PyYAML and json.loads do, and points at it", () => {
    for (const [text, type] of [
      ["a: postgres://h1\nb: http://x\na: mysql://h2\n", "yaml"],
      ['{"a": "postgres://h1",\n"b": "http://x",\n"a": "mysql://h2"}', "json"],
    ] as const) {
      const { entries, problems } = parseLocalFilesystemFile(text, type, "connection");
      assert.deepEqual(problems, [], type);
      const a = entries.find((e) => e.key === "a");
      assert.equal(a?.value.kind === "connection" ? a.value.connection.conn_type : null, "mysql", type);
      assert.equal(a?.line, 3, type);
    }
  });
});

describe("parseLocalFilesystemFile: a problem points at the field at fault", () => {
  const cases: [string, "json" | "yaml", number][] = [
    ["db:\n  conn_type: postgres\n  host: h\n  port: abc\n", "yaml", 4],
    ["db:\n  conn_type: postgres\n  extra: not json\n", "yaml", 3],
    ["db:\n  conn_type: postgres\n  extra_dejson: [1]\n", "yaml", 3],
    ["db:\n  conn_type: postgres\n  bogus: 1\n", "yaml", 3],
    ["db:\n  conn_type: postgres\n  login: [1]\n", "yaml", 3],
    ["db:\n  - conn_type: postgres\n    port: 1.5\n", "yaml", 3],
    ["db:\n  conn_type: postgres\n  uri: hunter2-pasted\n", "yaml", 3],
    ["db:\n  postgres://u:p@h:99999/x\n", "yaml", 2],
    ["db:\n  - postgres://u:p@h:abc/x\n", "yaml", 2],
    ['{"db":\n  "postgres://h:99999"}', "json", 2],
    ['{"db": [\n  "postgres://h:99999"]}', "json", 2],
    ['{"db": {\n  "conn_type": "postgres",\n  "host": "h",\n  "port": "abc"}}', "json", 4],
    ['{"other": {"port": 1},\n "db": [\n {"conn_type": "x",\n  "bogus": 1}]}', "json", 4],
  ];
  for (const [text, type, line] of cases) {
    it(`${type}: ${JSON.stringify(text).slice(0, 60)} → line ${line}`, () => {
      const { problems } = parseLocalFilesystemFile(text, type, "connection");
      const db = problems.find((p) => p.key === "db");
      assert.equal(db?.line, line, db?.message);
    });
  }
});

describe("parseLocalFilesystemFile: a value Airflow would not read as intended is a problem that never shows it", () => {
  it("refuses a bare string (a pasted password), empty and whitespace-only values, in every file type (fast-check)", () => {
    // A marker no message could contain by chance: the leak showed the value minus its first character.
    const pasted = fc.stringMatching(/^[A-Za-z0-9!$%&*+\-.;<>@^_~]{0,24}$/).map((s) => `Zq9~${s}`);
    const blank = fc.constantFrom("", " ", "\t ", "   ");
    const type = fc.constantFrom("json", "yaml", "env") as fc.Arbitrary<"json" | "yaml" | "env">;
    fc.assert(
      fc.property(fc.oneof(pasted, blank), type, (value, fileType) => {
        if (fileType === "env" && value === "") return; // .env: "Value is empty", a problem of its own
        const text =
          fileType === "json" ? JSON.stringify({ c: value }) : fileType === "yaml" ? `c: ${JSON.stringify(value)}\n` : `c=${value}\n`;
        const { entries, problems } = parseLocalFilesystemFile(text, fileType, "connection");
        assert.deepEqual(entries, []);
        assert.equal(problems.length, 1);
        assert.equal(problems[0]?.key, "c");
        assert.ok(!problems[0]?.message.includes("q9~"), problems[0]?.message);
      }),
      { numRuns: 300 },
    );
  });
});

describe("kindFromContent", () => {
  it("says connections when a value looks like one, variables when none does and one could not be, else nothing", () => {
    const cases: [string, "json" | "yaml" | "env", string | null][] = [
      ["a: postgres://h\nb: 3\n", "yaml", "connection"],
      ["a:\n  conn_type: http\nb: x\n", "yaml", "connection"],
      ["a: [{host: h}]\n", "yaml", "connection"],
      ["a: development\nb: 3\n", "yaml", "variable"],
      ['{"a": {"region": "eu"}, "b": "x"}', "json", "variable"],
      ['{"a": [1, 2]}', "json", "variable"],
      ["A=development\nB=x\n", "env", null],
      ["A=mysql://h\n", "env", "connection"],
      ["a: x\nb: y\n", "yaml", null],
    ];
    for (const [text, type, kind] of cases) assert.equal(kindFromContent(text, type)?.kind ?? null, kind, text);
  });
});

describe("parseLocalFilesystemFile: json.loads", () => {
  it("keeps what Python's json keeps: floats as floats, big ints exact, NaN and Infinity", () => {
    const text = '{"f": 1.0, "e": 1e3, "big": 123456789012345678901234567890, "obj": {"r": 2.50, "n": NaN, "i": -Infinity}, "s": "NaN"}';
    assert.deepEqual(variables(text, "json"), {
      values: { f: "1.0", e: "1000.0", big: "123456789012345678901234567890", obj: '{"r": 2.5, "n": NaN, "i": -Infinity}', s: "NaN" },
      problems: [],
    });
  });

  it("reads a __proto__ key as data, as json.loads and JSON.parse do", () => {
    assert.deepEqual(variables('{"__proto__": "x", "a": {"__proto__": 1}}', "json").values, { ["__proto__"]: "x", a: '{"__proto__": 1}' });
  });

  it("names Python's float type for a number given as a connection", () => {
    const { problems } = parseLocalFilesystemFile('{"c": 1.0}', "json", "connection");
    assert.match(problems[0]?.message ?? "", /<class 'float'>/);
  });

  it("still refuses what json.loads refuses, with a line and no snippet", () => {
    for (const text of ['{"a": nan}', '{"a": 01}', '{"a": "x",}', '{"a": -NaN}']) {
      const { problems } = parseLocalFilesystemFile(`\n${text}`, "json", "variable");
      assert.equal(problems.length, 1, text);
      assert.equal(problems[0]?.line, 2, text);
    }
  });
});

describe("parseLocalFilesystemFile: the classes above, generated (fast-check)", () => {
  const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
  const word = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);

  it("reads a file with CRLF or CR line ends exactly as with LF, lines included", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, word), { minLength: 1, maxLength: 6, selector: ([k]) => k }),
        fc.constantFrom("json", "yaml", "env") as fc.Arbitrary<"json" | "yaml" | "env">,
        fc.constantFrom("\r\n", "\r"),
        (pairs, type, eol) => {
          const lines =
            type === "json"
              ? ["{", ...pairs.map(([k, v], i) => `"${k}": "${v}"${i < pairs.length - 1 ? "," : ""}`), "}"]
              : pairs.map(([k, v]) => (type === "yaml" ? `${k}: "${v}"` : `${k}=${v}`));
          const lf = parseLocalFilesystemFile(`${lines.join("\n")}\n`, type, "variable");
          const other = parseLocalFilesystemFile(`${lines.join(eol)}${eol}`, type, "variable");
          assert.deepEqual(other, lf);
          assert.equal(lf.entries.length, pairs.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("points a bad field at its own line, wherever it sits among good ones, in YAML and JSON", () => {
    const good: [string, string][] = [
      ["conn_type", '"postgres"'],
      ["host", '"db.internal"'],
      ["login", '"etl"'],
      ["schema", '"analytics"'],
      ["description", '"d"'],
    ];
    const bad = fc.constantFrom<[string, string]>(
      ["port", '"abc"'],
      ["port", "1.5"],
      ["bogus", "1"],
      ["extra", '"{not json"'],
      ["login", "[1]"],
    );
    fc.assert(
      fc.property(
        fc.shuffledSubarray(good),
        bad,
        fc.nat(),
        fc.constantFrom("json", "yaml") as fc.Arbitrary<"json" | "yaml">,
        (fields, wrong, at, type) => {
          const all = fields.filter(([k]) => k !== wrong[0]); // a repeated field: the last would win
          const position = at % (all.length + 1);
          all.splice(position, 0, wrong);
          const text =
            type === "yaml"
              ? `other: http://h\ndb:\n${all.map(([k, v]) => `  ${k}: ${v}`).join("\n")}\n`
              : `{"other": "http://h",\n"db": {\n${all.map(([k, v]) => `"${k}": ${v}`).join(",\n")}}}`;
          const { problems } = parseLocalFilesystemFile(text, type, "connection");
          assert.equal(problems.length, 1, text);
          assert.equal(problems[0]?.key, "db");
          assert.equal(problems[0]?.line, 3 + position, text);
        },
      ),
      { numRuns: 300 },
    );
  });
});
