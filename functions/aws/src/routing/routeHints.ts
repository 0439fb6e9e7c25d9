import type { ChangeHint, SecretSource } from "@afsync/core";

/** The part of the engine's `DeploymentBinding` that routing needs (structural, so the real binding fits). */
export interface RoutableBinding {
  readonly id: string;
  /** First wins, as in the config. */
  readonly sources: readonly SecretSource[];
}

export interface RoutedHints {
  /** Deployment id → the hints that concern it, each resolved to its source and Airflow keys. */
  readonly byDeployment: ReadonlyMap<string, readonly ChangeHint[]>;
  /** Hints no Deployment reads, with why (outside every prefix, not an AWS secret of ours…). */
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/**
 * Decides which Deployments an event concerns, so the events function enqueues one message per
 * affected Deployment and nothing for the rest. A hint belongs to a Deployment when one of the
 * Deployment's sources has the hint's provider and maps the secret id onto Airflow keys under
 * its prefixes (the source's own backend naming rules, read both ways).
 *
 * Include/exclude globs and precedence between a Deployment's sources are left to the engine:
 * routing errs on the side of waking the worker, whose plan then shows `unchanged`/`shadowed`.
 */
export function routeHints(hints: readonly ChangeHint[], bindings: readonly RoutableBinding[]): RoutedHints {
  const byDeployment = new Map<string, ChangeHint[]>();
  const ignored: { secretId: string; reason: string }[] = [];
  for (const hint of hints) {
    if (hint.action === "ignore") {
      ignored.push({ secretId: hint.secretId, reason: hint.reason ?? "the event is not a value change" });
      continue;
    }
    const reasons = new Set<string>();
    let routed = false;
    for (const binding of bindings) {
      const resolved = resolveForBinding(hint, binding, reasons);
      if (resolved.length === 0) continue;
      routed = true;
      const list = byDeployment.get(binding.id) ?? [];
      list.push(...resolved);
      byDeployment.set(binding.id, list);
    }
    if (!routed) {
      const why = reasons.size > 0 ? [...reasons].join("; ") : `no configured source has provider ${hint.provider}`;
      ignored.push({ secretId: hint.secretId, reason: why });
    }
  }
  return { byDeployment, ignored };
}

function resolveForBinding(hint: ChangeHint, binding: RoutableBinding, reasons: Set<string>): ChangeHint[] {
  const out: ChangeHint[] = [];
  for (const source of binding.sources) {
    if (source.provider !== hint.provider) continue;
    if (hint.sourceId !== undefined && hint.sourceId !== source.id) continue;
    const mapping = source.keysFor(hint.secretId);
    if (mapping.ignoredReason !== undefined || mapping.keys.length === 0) {
      reasons.add(`source ${source.id}: ${mapping.ignoredReason ?? "maps to no Airflow key"}`);
      continue;
    }
    out.push({ ...hint, sourceId: source.id, keys: mapping.keys });
  }
  return out;
}
