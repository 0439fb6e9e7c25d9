import type { ChangeHint } from "@afsync/core";
import { resolveHints } from "@afsync/core/engine/resolveHints";
import type { SourceNaming } from "@afsync/core/ports/SecretSource";

/** The part of the engine's `DeploymentBinding` that routing needs (structural, so the real binding fits). */
export interface RoutableBinding {
  readonly id: string;
  /** First wins, as in the config. Routing needs only their naming rules, not their clients. */
  readonly sources: readonly SourceNaming[];
}

export interface RoutedHints {
  /** Deployment id → the hints that concern it, each resolved to its source and Airflow keys. */
  readonly byDeployment: ReadonlyMap<string, readonly ChangeHint[]>;
  /** Hints no Deployment reads, with why (outside every prefix, not a value change…). */
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/**
 * Decides which Deployments an event concerns, so the events function enqueues one message per
 * affected Deployment and nothing for the rest. `resolveHints` (the one resolver, in core) attaches each hint
 * to the sources whose naming rules map the secret id onto Airflow keys; a hint then goes to
 * every Deployment that lists that source.
 *
 * Include/exclude globs and precedence between a Deployment's sources are left to the engine:
 * routing errs on the side of waking the worker, whose plan then shows `unchanged`/`shadowed`.
 */
export function routeHints(hints: readonly ChangeHint[], bindings: readonly RoutableBinding[]): RoutedHints {
  const sources = new Map<string, SourceNaming>();
  for (const binding of bindings) for (const source of binding.sources) sources.set(source.id, source);
  const byDeployment = new Map<string, ChangeHint[]>();
  const ignored: { secretId: string; reason: string }[] = [];
  for (const hint of resolveHints(hints, sources.values())) {
    if (hint.action === "ignore" || hint.sourceId === undefined) {
      ignored.push({ secretId: hint.secretId, reason: hint.reason ?? "the event is not a value change" });
      continue;
    }
    for (const binding of bindings) {
      if (!binding.sources.some((s) => s.id === hint.sourceId)) continue;
      const list = byDeployment.get(binding.id) ?? [];
      list.push(hint);
      byDeployment.set(binding.id, list);
    }
  }
  return { byDeployment, ignored };
}
