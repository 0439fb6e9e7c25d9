import type { KeyString } from "../model/AirflowKey.ts";

/**
 * Include/exclude globs over key strings (`conn:<id>`, `var:<key>`): `*` matches any run of
 * characters (including none), `?` exactly one; everything else is literal and case-sensitive,
 * as Airflow's own lookups are. A key is selected when an include glob matches and no exclude does.
 */
export function isKeySelected(key: KeyString, include: readonly string[], exclude: readonly string[]): boolean {
  return include.some((glob) => matchesKeyGlob(key, glob)) && !exclude.some((glob) => matchesKeyGlob(key, glob));
}

const compiled = new Map<string, RegExp>();

export function matchesKeyGlob(key: string, glob: string): boolean {
  let re = compiled.get(glob);
  if (re === undefined) {
    const body = glob
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, "s");
    compiled.set(glob, re);
  }
  return re.test(key);
}
