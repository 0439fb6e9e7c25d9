import type { ChangeHint } from "@afsync/core";
import type { SecretSource } from "@afsync/core/ports/SecretSource";

/**
 * Attaches each hint to the configured sources it concerns and the Airflow keys its secret maps
 * to, using each source's own naming rules (`keysFor` strips ARNs and prefixes). A secret may
 * concern several sources (two Deployments reading the same prefix), giving one hint per source.
 * A secret outside every configured prefix becomes an `ignore` hint that says why.
 */
export function resolveHints(hints: readonly ChangeHint[], sources: Iterable<SecretSource>): ChangeHint[] {
  const all = [...sources];
  const out: ChangeHint[] = [];
  for (const hint of hints) {
    if (hint.action === "ignore") {
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
      const mapping = source.keysFor(hint.secretId);
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
