import type { ChangeHint } from "../model/ChangeHint.ts";
import { isResolvedHint } from "../model/ResolvedHint.ts";
import type { SourceNaming } from "../ports/SecretSource.ts";

/**
 * The one place a hint is mapped onto sources and keys. Each hint goes to the configured sources
 * it concerns (its `sourceId`, or every source of its provider when the edge could not tell) and
 * gets the Airflow keys its secret maps to under that source's naming rules (`keysFor` strips
 * ARNs and prefixes), so a secret read by two sources gives one resolved hint per source. A hint
 * that already names its source and keys (a webhook, a routed queue message) passes as it is;
 * one that names keys but no source keeps its keys for each source of its provider. A secret
 * outside every configured prefix becomes an `ignore` hint that says why.
 */
export function resolveHints(hints: readonly ChangeHint[], sources: Iterable<SourceNaming>): ChangeHint[] {
  const all = [...sources];
  const out: ChangeHint[] = [];
  for (const hint of hints) {
    if (hint.action === "ignore" || isResolvedHint(hint)) {
      out.push(hint);
      continue;
    }
    const candidates = all.filter((s) => s.provider === hint.provider && (hint.sourceId === undefined || s.id === hint.sourceId));
    if (candidates.length === 0) {
      out.push({ ...hint, action: "ignore", reason: `no ${hint.provider} source is configured` });
      continue;
    }
    const reasons: string[] = [];
    let matched = false;
    for (const source of candidates) {
      const mapping = hint.keys === undefined ? source.keysFor(hint.secretId) : { keys: hint.keys };
      if (mapping.keys.length > 0) {
        out.push({ ...hint, sourceId: source.id, keys: mapping.keys });
        matched = true;
      } else {
        reasons.push(`${source.id}: ${mapping.ignoredReason ?? "maps to no Airflow key"}`);
      }
    }
    if (!matched) out.push({ ...hint, action: "ignore", reason: `outside every configured prefix (${reasons.join("; ")})` });
  }
  return out;
}
