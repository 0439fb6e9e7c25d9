import type { PlannedChange } from "./RunReport.ts";

/**
 * One copy per run of the strings a report repeats across Deployments. A reconciliation's report
 * keeps one change per key per Deployment, and each Deployment's plan makes its own key, hash
 * prefix and version strings (from its own state records); held once each, a no-op over 10,000
 * keys × 100 Deployments keeps 10,000 of each instead of a million, and a hash prefix no longer
 * keeps its Deployment's full record hash alive.
 */
export class ReportStrings {
  readonly #held = new Map<string, string>();

  change(change: PlannedChange): PlannedChange {
    const { key, hash, version, source } = change;
    return {
      ...change,
      key: this.#one(key),
      source: source === null ? null : this.#one(source),
      ...(hash === undefined ? {} : { hash: this.#one(hash) }),
      ...(version === undefined ? {} : { version: this.#one(version) }),
    };
  }

  #one<S extends string>(text: S): S {
    const held = this.#held.get(text);
    if (held !== undefined) return held as S;
    this.#held.set(text, text);
    return text;
  }
}
