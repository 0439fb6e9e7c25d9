import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pythonRegexMatcher } from "../../src/formats/pythonRegex.ts";

const matches = (pattern: string, text: string) => {
  const m = pythonRegexMatcher(pattern);
  assert.ok(m, `${pattern} compiles`);
  return m(text);
};

describe("pythonRegexMatcher (re.match with re.IGNORECASE)", () => {
  it("is anchored at the start only", () => {
    assert.ok(matches("prod", "prod_db"));
    assert.ok(!matches("db", "prod_db"));
  });

  it("reads Python's named groups", () => {
    assert.ok(matches("(?P<env>prod|stage)_(?P=env)", "prod_prod"));
    assert.ok(!matches("(?P<env>prod|stage)_(?P=env)", "prod_stage"));
  });

  it("gives \\w, \\d and \\s their Unicode meaning", () => {
    assert.ok(matches("\\w+$", "\u0131\u00e9"));
    assert.ok(matches("\\d", "\u0665"));
    assert.ok(matches("a\\sb", "a\u2003b"));
  });

  it("lets $ match before a final newline, and . stop only at a newline", () => {
    assert.ok(matches("ab$", "ab\n"));
    assert.ok(!matches("ab$", "ab\nc"));
    assert.ok(matches("a.b", "a\rb"));
    assert.ok(!matches("a.b", "a\nb"));
  });

  it("folds case as sre does: ſ is s, K (Kelvin) is k, and i, I, ı, İ are one letter", () => {
    for (const [p, t] of [
      ["s", "\u017f"],
      ["k", "\u212a"],
      ["i", "\u0131"],
      ["i", "\u0130"],
      ["[i]", "\u0130"],
      ["I", "i"],
    ]) {
      assert.ok(matches(p as string, t as string), `${p} ~ ${t}`);
    }
  });

  it("returns null for a pattern it cannot compile", () => {
    assert.equal(pythonRegexMatcher("(unclosed"), null);
  });
});
