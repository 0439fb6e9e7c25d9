import { AssertionError } from "node:assert";

/**
 * Fails when any seeded secret shows up in any text (log lines, errors, plans, reports, files
 * that should hold none) — raw, or in the encodings a leak usually takes: URI-quoted (a
 * connection URI), JSON-escaped, base64, lower-cased (a URI scheme). A sentinel of 8 or more
 * characters is also found in part, with its first or last character cut off: a secret pasted
 * as a whole connection value once came out as `schema` minus its first character, after the
 * parser ate a `/`. The message names the text and the sentinel by index only, so the failure
 * output does not become a leak itself.
 */
export function assertNoSecretLeak(texts: readonly string[], sentinels: readonly string[]): void {
  for (const [si, sentinel] of sentinels.entries()) {
    if (sentinel.length < 4) throw new Error(`sentinel #${si} is too short to search for reliably (use at least 4 characters)`);
    const whole = [sentinel, sentinel.toLowerCase()];
    const parts = sentinel.length >= 8 ? [sentinel.slice(1), sentinel.slice(0, -1)] : [];
    const forms = new Set([
      ...whole,
      ...parts,
      ...[...whole, ...parts].map((form) => encodeURIComponent(form)),
      JSON.stringify(sentinel).slice(1, -1),
      Buffer.from(sentinel).toString("base64"),
    ]);
    for (const [ti, text] of texts.entries()) {
      for (const form of forms) {
        if (text.includes(form)) {
          const at = text.indexOf(form);
          const context = `${text.slice(Math.max(0, at - 40), at)}<SECRET #${si}>${text.slice(at + form.length, at + form.length + 40)}`;
          throw new AssertionError({ message: `secret sentinel #${si} leaked into text #${ti}: …${context}…` });
        }
      }
    }
  }
}
