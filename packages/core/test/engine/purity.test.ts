import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+"node:/, "a node: built-in import"],
  [/from\s+"@aws-sdk\//, "an AWS SDK import"],
  [/\bprocess\.env\b/, "process.env"],
  [/\bconsole\./, "console"],
  [/\bDate\.now\(\)|new Date\(\)/, "an unseeded clock"],
  [/\bMath\.random\(/, "Math.random"],
];

describe("the engine and config stay pure", () => {
  for (const dir of ["engine", "config"]) {
    it(`${dir}/ uses no I/O, environment, console, clock or randomness`, () => {
      for (const file of readdirSync(join(SRC, dir)).filter((f) => f.endsWith(".ts"))) {
        const text = readFileSync(join(SRC, dir, file), "utf8");
        for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(text, pattern, `${dir}/${file} uses ${what}`);
      }
    });
  }
});
