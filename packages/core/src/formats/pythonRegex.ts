/**
 * `re.match(pattern, text, re.IGNORECASE)` as CPython's `re` answers it, for the secrets
 * backends' `*_lookup_pattern` options. The pattern is rewritten into a JavaScript regular
 * expression (unicode mode, sticky so it is anchored at the start only, as `re.match` is) with
 * Python's meaning for the tokens that differ between the two engines:
 * - `\w`, `\W`, `\d`, `\D`, `\s`, `\S` are Unicode-wide in Python (str patterns);
 * - `.` stops only at "\n" (JavaScript also stops at "\r", U+2028 and U+2029);
 * - `$` also matches before a final "\n";
 * - `(?P<name>…)` and `(?P=name)` are Python's spelling of named groups;
 * - IGNORECASE makes i, I, ı (U+0131) and İ (U+0130) one letter (sre's case equivalences), where
 *   JavaScript's case folding keeps the dotless and dotted forms apart.
 * Returns null when JavaScript cannot compile the rewritten pattern.
 */
export function pythonRegexMatcher(pattern: string): ((text: string) => boolean) | null {
  let re: RegExp;
  try {
    re = new RegExp(rewrite(pattern), "iuy");
  } catch {
    return null;
  }
  return (text) => {
    re.lastIndex = 0;
    return re.test(text);
  };
}

const WORD = "\\p{L}\\p{N}_";
// Python's str.isspace(), the \s of a str pattern.
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const CLASS_ESCAPES: Readonly<Record<string, string>> = { w: WORD, d: "\\p{Nd}", s: SPACE };
const DOTTED_I = "iI\\u0131\\u0130";

function rewrite(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const e = pattern[i + 1] ?? "";
      i++;
      const inner = CLASS_ESCAPES[e.toLowerCase()];
      if (inner !== undefined) {
        const negated = e !== e.toLowerCase();
        // A negated class escape inside a class has no one-class spelling: JavaScript's own is kept.
        out += inClass ? (negated ? `\\${e}` : inner) : `[${negated ? "^" : ""}${inner}]`;
      } else {
        // Python accepts escaping any punctuation; unicode-mode JavaScript only syntax characters.
        out += /[A-Za-z0-9]/.test(e) ? `\\${e}` : /[\^$\\.*+?()[\]{}|/-]/.test(e) ? `\\${e}` : e;
      }
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += "iIıİ".includes(c) ? DOTTED_I : c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
      if (pattern[i + 1] === "]") out += `\\${pattern[++i]}`;
      continue;
    }
    if (c === ".") out += "[^\\n]";
    else if (c === "$") out += "(?=\\n?$)";
    else if (pattern.startsWith("(?P<", i)) {
      const end = pattern.indexOf(">", i);
      if (end < 0) return pattern; // unterminated: let the compiler refuse it
      out += `(?<${pattern.slice(i + 4, end)}>`;
      i = end;
    } else if (pattern.startsWith("(?P=", i)) {
      const end = pattern.indexOf(")", i);
      out += `\\k<${pattern.slice(i + 4, end)}>`;
      i = end;
    } else if ("iIıİ".includes(c)) out += `[${DOTTED_I}]`;
    else out += c;
  }
  return out;
}
