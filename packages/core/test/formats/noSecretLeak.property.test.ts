import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConnectionValue } from "../../src/formats/connectionValue.ts";
import { parseLocalFilesystemFile } from "../../src/formats/localFilesystemFile.ts";

/** Error texts must never carry a secret, in any encoding a value takes on its way through. */
const SECRET = "Zq9-sentinel-pw";
const FORMS = [SECRET, encodeURIComponent(SECRET), SECRET.toLowerCase()];

function assertClean(text: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `secret leaked: ${text}`);
}

function errorText(run: () => unknown): string {
  try {
    run();
    return "";
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const junk = fc.constantFrom(
  "",
  "host:99999",
  "host:abc",
  "h:-1",
  "[::1",
  "a://b://c",
  "@",
  "%zz",
  "host/%2",
  "::",
  "?__extra__=%5B1%5D",
  "?__extra__=nope",
);

describe("no secret in error messages (fast-check)", () => {
  it("URI errors never quote the password, wherever the URI breaks", () => {
    fc.assert(
      fc.property(fc.constantFrom("x", "postgresql", "http", ""), junk, junk, (scheme, before, after) => {
        const uri = `${scheme}://${before}user:${SECRET}@${after}`;
        assertClean(errorText(() => parseConnectionValue(uri)));
      }),
      { numRuns: 400 },
    );
  });

  it("JSON, alias and rotation errors never quote the password", () => {
    const bad = fc.constantFrom<Record<string, unknown>>(
      { port: "x" },
      { port: 70000 },
      { extra: "nope" },
      { extra: [1] },
      { bogus: 1 },
      { host: 3 },
      { engine: "nosql" },
      { conn_uri: 5 },
    );
    fc.assert(
      fc.property(
        bad,
        fc.constantFrom("password", "pass", "key"),
        fc.constantFrom("auto", "json", "aws-secrets-manager", "vault", "rds") as fc.Arbitrary<"auto">,
        (fields, passKey, format) => {
          const value = JSON.stringify({ [passKey]: SECRET, ...fields });
          assertClean(errorText(() => parseConnectionValue(value, { format })));
          assertClean(errorText(() => parseConnectionValue(`${value.slice(0, -1)},}`, { format })));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("local-filesystem file problems never quote a value", () => {
    const files: [string, "json" | "yaml" | "env"][] = [
      [`{"a": "x://u:${SECRET}@h:99999", "b": {"password": "${SECRET}", "port": "p"}, "c": [1]}`, "json"],
      [`{"a": "x://u:${SECRET}@h",\n "b": ${SECRET}}`, "json"],
      [`a: x://u:${SECRET}@h:abc\nb:\n  password: ${SECRET}\n  bad: 1\n`, "yaml"],
      [`a: [x://u:${SECRET}@h\n`, "yaml"],
      [`a=x://u:${SECRET}@h:99999\nb={"password": "${SECRET}"}\n${SECRET}\n`, "env"],
    ];
    for (const [text, type] of files) {
      for (const kind of ["connection", "variable"] as const) {
        const { problems } = parseLocalFilesystemFile(text, type, kind);
        for (const p of problems) assertClean(`${p.key ?? ""} ${p.message}`);
      }
    }
  });
});
