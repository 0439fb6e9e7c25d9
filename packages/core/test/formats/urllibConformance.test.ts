import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parseConnectionUri } from "../../src/formats/connectionUri.ts";

/**
 * Differential test against real CPython: Airflow's URI parsing algorithm run on Python's own
 * urllib (python/airflow_parse_from_uri.py) and ours must agree on random, hostile URIs. The
 * conformance vectors were produced on CPython 3.11, whose urllib is what we mirror; another
 * Python version (or none) skips, saying so.
 */
const oracle = fileURLToPath(new URL("./python/airflow_parse_from_uri.py", import.meta.url));
const version = spawnSync("python3", ["--version"], { encoding: "utf8" });
const pythonVersion = version.status === 0 ? version.stdout.trim() : null;
const skip =
  pythonVersion === null
    ? "python3 is not installed"
    : /^Python 3\.11\./.test(pythonVersion)
      ? false
      : `urllib mirrored is CPython 3.11's; found ${pythonVersion}`;

const pieces = fc.constantFrom(
  ..."aZ09:/@?#&=%+-_.[]~ !*'(),;\u00e9\u2460\t".split(""),
  "%2F",
  "%3A",
  "%40",
  "%zz",
  "://",
  "%E9",
  "%C3%A9",
  "%F0%9F%98%80",
  "%ED%A0%80",
  "http",
  "__extra__=",
  "%7B%7D",
  "[::1]",
  "[v1.x]",
  "[1.2.3.4]",
  ":8080",
  ":65536",
  ":\u0661",
  "[fe80::1%25eth0]",
  "\uFF03",
  "\u2100",
  "\uD83D\uDE00",
  "\r\n",
  "+",
  "&&",
);
const prefixes = fc.constantFrom("x://", "postgresql://", "HTTP://", "//", "a-b://", "", "spark://k8s://", "x://u:p@");

describe("URI parsing agrees with CPython's urllib", { skip }, () => {
  it("parses 5,000 random URIs exactly as Airflow on CPython does, errors included", () => {
    const uris = fc.sample(
      fc.tuple(prefixes, fc.array(pieces, { maxLength: 14 })).map(([p, a]) => p + a.join("")),
      { numRuns: 5000, seed: 20241125 },
    );
    const run = spawnSync("python3", [oracle], {
      input: uris.map((u) => JSON.stringify(u)).join("\n"),
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    assert.equal(run.status, 0, run.stderr);
    const expected = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    assert.equal(expected.length, uris.length);
    const mismatches: string[] = [];
    uris.forEach((uri, i) => {
      let got: unknown;
      try {
        got = { ok: true, c: parseConnectionUri(uri) };
      } catch {
        got = { ok: false };
      }
      if (JSON.stringify(got) !== JSON.stringify(expected[i]))
        mismatches.push(`${JSON.stringify(uri)}: ours ${JSON.stringify(got)}, python ${JSON.stringify(expected[i])}`);
    });
    assert.deepEqual(mismatches.slice(0, 5), []);
  });
});
