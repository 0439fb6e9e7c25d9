import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import { keyString } from "../model/AirflowKey.ts";
import type { KeyProblem } from "../ports/DeploymentTarget.ts";

/**
 * How one target stores keys: the name a key becomes there (an env var name, a YAML item, a
 * REST id) and the rule its readers put on that name. `checkTargetKeys` turns this into the
 * `DeploymentTarget.checkKeys` answer, so every target refuses the same classes the same way.
 */
export interface TargetKeyRules {
  /** Target type, for reasons: "the env-file target". */
  readonly target: string;
  /** The name the key is stored under; keys with equal names overwrite each other. */
  nameOf(key: AirflowKey): string;
  /** Why the target's readers would not read this key back exactly, or undefined when they would. */
  refuse?(key: AirflowKey, name: string): string | undefined;
}

// C0, DEL and C1 controls (`\n`, `\r`, U+0085 NEL…) and U+2028/U+2029: every line-based reader
// (dotenv, YAML, Python's str.splitlines) breaks a line on some of them, so a key holding one can
// inject a line of its own (issue 8, finding 1).
const CONTROL_OR_LINE_BREAK = /[\p{Cc}\u2028\u2029]/u;

/** The first control or line-break character in `text`, as `U+000A at position 2`; undefined if none. */
export function controlCharacterIn(text: string): string | undefined {
  const match = CONTROL_OR_LINE_BREAK.exec(text);
  if (match === null) return undefined;
  const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return `U+${code} at position ${match.index + 1}`;
}

/**
 * The keys a target cannot hold: a control character anywhere in the key (every target), what
 * `rules.refuse` says, and keys that become one name (all of them, each naming the others).
 * Keys are compared by key string, so a key listed twice is one key.
 */
export function checkTargetKeys(keys: readonly AirflowKey[], rules: TargetKeyRules): KeyProblem[] {
  const problems: KeyProblem[] = [];
  // The first key seen on each name, and only for names two keys share, all of them: a map per
  // name cost a Map per key (10,000 a Deployment, asked at every plan) to find a few collisions.
  const firstOn = new Map<string, KeyString>();
  const sharing = new Map<string, Set<KeyString>>();
  for (const key of keys) {
    const ks = keyString(key);
    const control = controlCharacterIn(key.id);
    if (control !== undefined) {
      problems.push({
        key: ks,
        reason: `${displayKeyString(ks)}: the key contains a control or line-break character (${control}); the ${rules.target} target refuses it`,
      });
      continue;
    }
    const name = rules.nameOf(key);
    const refused = rules.refuse?.(key, name);
    if (refused !== undefined) {
      problems.push({ key: ks, reason: `${displayKeyString(ks)}: ${refused}` });
      continue;
    }
    const first = firstOn.get(name);
    if (first === undefined) firstOn.set(name, ks);
    else if (first !== ks) sharing.set(name, (sharing.get(name) ?? new Set([first])).add(ks));
  }
  // In the order the names were first seen, as before.
  for (const name of firstOn.keys()) {
    const same = sharing.get(name);
    if (same === undefined) continue;
    const all = [...same].sort();
    for (const ks of all) {
      const others = all.filter((k) => k !== ks);
      problems.push({
        key: ks,
        reason: `${ks} and ${others.join(", ")} become the same name ${JSON.stringify(name)} in the ${rules.target} target; ${others.length === 1 ? "neither" : "none of them"} is written`,
        collidesWith: others,
      });
    }
  }
  return problems;
}

/** A key string safe to print on one line: quoted and escaped when it holds a control character. */
export function displayKeyString(ks: string): string {
  return controlCharacterIn(ks) === undefined ? ks : JSON.stringify(ks);
}
