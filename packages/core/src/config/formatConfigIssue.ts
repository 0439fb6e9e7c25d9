import type { z } from "zod";

/** A config problem in words: where (a dotted path), what was expected and what was found. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** `deployments.dev.sources[0]` from zod's `["deployments", "dev", "sources", 0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Turns one zod issue into a message a user can act on. `input` is the whole document the issue
 * refers to, so the offending value can be described — by type, and by content only for short
 * enum-like strings: a config may hold a misplaced credential, which must not be echoed.
 */
export function formatConfigIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  prefix: readonly PropertyKey[],
  knownKeys?: readonly string[],
): ConfigIssue[] {
  const at = [...prefix, ...issue.path];
  const found = describeValue(valueAt(input, issue.path));
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: formatPath([...at, key]),
        message: `unknown key${suggest(key, knownKeys)}${knownKeys !== undefined && knownKeys.length > 0 ? `; expected one of: ${knownKeys.join(", ")}` : ""}`,
      }));
    case "invalid_type":
      return [{ path: formatPath(at), message: `expected ${article(issue.expected)}, found ${found}` }];
    case "invalid_value":
      return [
        { path: formatPath(at), message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, found ${found}` },
      ];
    case "invalid_union":
      return [{ path: formatPath(at), message: `${issue.message}, found ${found}` }];
    default:
      return [{ path: formatPath(at), message: `${issue.message} (found ${found})` }];
  }
}

function article(expected: string): string {
  if (expected === "object") return "a mapping";
  if (expected === "array") return "a list";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  // Quoted only when it reads like a mistyped enum word ('purge', 'yes'): lower-case letters, no
  // digits. A token, a key or a password pasted in the wrong place is described, never shown.
  if (typeof value === "string") return /^[a-z][a-z_-]{0,31}$/.test(value) ? `'${value}'` : `a ${value.length}-character string`;
  return `${typeof value === "number" ? "the number" : "the boolean"} ${String(value)}`;
}

/** "did you mean 'path'?" for a typo within two edits of a known key. */
function suggest(key: string, known: readonly string[] | undefined): string {
  if (known === undefined) return "";
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? "" : ` (did you mean '${best}'?)`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? Math.max(a.length, b.length);
}
