import { maskConnection } from "../formats/redact.ts";
import { type AirflowKey, keyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import type { DeploymentPlan } from "./DeploymentPlan.ts";
import type { ExplainCandidate, ExplainDeployment, ExplainReport, ShownValue } from "./ExplainReport.ts";
import { eventCoverage } from "./eventCoverage.ts";
import { isKeySelected } from "./keySelection.ts";
import { hashPrefix } from "./maskedDiff.ts";
import { type Candidate, resolvePrecedence } from "./resolvePrecedence.ts";
import type { SourceReadSet } from "./SourceReadSet.ts";
import { timeToEffective } from "./timeToEffective.ts";

export interface ExplainViewDeps {
  readonly hash: (value: AirflowValue) => string;
  readonly showSecrets: boolean;
  /** serve's (and the cloud schedule's) reconciliation interval: what bounds unannounced changes. */
  readonly reconcileEveryMs: number;
}

/** `serve.reconcile_every` when the config does not set it. */
export const DEFAULT_RECONCILE_EVERY_MS = 15 * 60_000;

/**
 * Renders the planner's output for one key, per Deployment: the sources in precedence order, the
 * secrets backend above the target, the target as it is now, what afsync recorded, the winner and
 * why, and what a sync would do (the plan's own verdict). Values are masked (hash prefixes for
 * variables) unless `showSecrets`. No decision is taken here: a Deployment whose plan failed
 * shows why; a key outside its include/exclude globs shows no action.
 */
export function explainView(
  key: AirflowKey,
  plans: readonly (DeploymentPlan | { readonly binding: DeploymentBinding; readonly error: string })[],
  reads: SourceReadSet,
  deps: ExplainViewDeps,
): ExplainReport {
  const ks = keyString(key);
  const out: ExplainDeployment[] = [];
  for (const plan of plans) {
    const binding = plan.binding;
    const target = `${binding.target.type} ${binding.target.describe}`;
    // The plan's resolution; a Deployment whose target could not be read is resolved for display only.
    const res =
      ("resolutions" in plan ? plan.resolutions[0] : undefined) ??
      resolvePrecedence(
        key,
        binding.sources.map((s) => ({ sourceId: s.id, read: reads.get(s.id, ks) })),
        deps.hash,
      );
    const winner = res.outcome.kind === "value" ? res.outcome.winner : null;
    const show = (c: Candidate) => toExplainCandidate(c, "source", winner?.hash, deps);
    const backend = binding.observe?.secretsBackend;
    const aboveRead =
      backend === undefined
        ? undefined
        : resolvePrecedence(key, [{ sourceId: backend.id, read: reads.get(backend.id, ks) }], deps.hash).candidates[0];
    const above = aboveRead === undefined ? [] : [toExplainCandidate({ ...aboveRead, rank: 0 }, "secrets-backend", winner?.hash, deps)];
    const base = {
      id: binding.id,
      target,
      sources: res.candidates.map(show),
      above,
      winner:
        winner === null
          ? null
          : {
              source: winner.sourceId,
              hash: hashPrefix(winner.hash),
              ...(winner.version === undefined ? {} : { version: winner.version.id }),
            },
      why: why(res.outcome, binding.sources.length),
      selected: isKeySelected(ks, binding.include, binding.exclude),
      timeToEffective: binding.sources.map((s) => timeToEffective(eventCoverage(s, deps.reconcileEveryMs), binding.target)),
    };
    if ("error" in plan) {
      out.push({
        ...base,
        targetLayer: { source: binding.target.type, layer: binding.target.layer, status: "unreadable", reason: plan.error },
        owned: null,
        action: null,
        effective: "unknown: the target could not be read",
        error: plan.error,
      });
      continue;
    }
    const entry = plan.snapshot.entries.get(ks);
    const entryHash = entry?.value === undefined ? undefined : deps.hash(entry.value);
    const targetLayer: ExplainCandidate = {
      source: binding.target.type,
      layer: binding.target.layer,
      status: entry === undefined ? "missing" : entryHash === undefined ? "present" : "found",
      ...(entryHash === undefined
        ? {}
        : { hash: hashPrefix(entryHash), ...(winner === null ? {} : { sameAsWinner: entryHash === winner.hash }) }),
      ...(entry !== undefined && entryHash === undefined ? { reason: "this target does not return values; presence only" } : {}),
    };
    const record = plan.owned.get(ks);
    // The planner planned the key; a key the Deployment's globs leave out gets no action from a sync.
    const item = base.selected ? plan.items.find((i) => i.change.key === ks) : undefined;
    const willHold = entry !== undefined || item?.upsert !== undefined;
    out.push({
      ...base,
      targetLayer,
      owned:
        record === undefined
          ? null
          : {
              source: record.sourceId,
              hash: hashPrefix(record.hash),
              appliedAt: record.appliedAt,
              ...(record.version === undefined ? {} : { version: record.version }),
            },
      action: item?.change.action ?? null,
      ...(item?.change.reason === undefined ? {} : { actionReason: item.change.reason }),
      effective:
        aboveRead?.status === "found" && backend !== undefined
          ? `secrets-backend (${backend.id})`
          : willHold
            ? `${binding.target.layer} (${binding.target.type})`
            : "none of the layers afsync knows holds it",
    });
  }
  return { key: ks, deployments: out };
}

function toExplainCandidate(
  c: Candidate,
  layer: ExplainCandidate["layer"],
  winnerHash: string | undefined,
  deps: ExplainViewDeps,
): ExplainCandidate {
  return {
    source: c.sourceId,
    layer,
    ...(layer === "source" ? { rank: c.rank } : {}),
    status: c.status,
    ...(c.secretId === undefined ? {} : { secretId: c.secretId }),
    ...(c.hash === undefined ? {} : { hash: hashPrefix(c.hash) }),
    ...(c.version === undefined ? {} : { version: c.version.id }),
    ...(c.value === undefined ? {} : { value: shownValue(c.value, deps.showSecrets) }),
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    ...(c.hash === undefined || winnerHash === undefined ? {} : { sameAsWinner: c.hash === winnerHash }),
  };
}

export function shownValue(value: AirflowValue, showSecrets: boolean): ShownValue {
  if (value.kind === "variable") return { kind: "variable", value: showSecrets ? value.value : "***" };
  const conn = showSecrets ? value.connection : maskConnection(value.connection);
  return { kind: "connection", fields: { ...conn } };
}

function why(outcome: ReturnType<typeof resolvePrecedence>["outcome"], sourceCount: number): string {
  switch (outcome.kind) {
    case "applied":
      return `${outcome.winner.sourceId} listed it at the version afsync applied (${outcome.winner.version.id}); its value was not read`;
    case "value":
      return outcome.winner.rank === 1
        ? `${outcome.winner.sourceId} is the first listed source and holds it`
        : `${outcome.winner.sourceId} (source ${outcome.winner.rank} of ${sourceCount}) is the first listed source that holds it`;
    case "invalid":
      return `${outcome.sourceId} is the first source that holds it, but its value is invalid (${outcome.reason}); nothing is pushed`;
    case "unknown":
      return `${outcome.sourceId} could not be read (${outcome.reason}), so the winner is unknown`;
    case "absent":
      return "no source of this Deployment holds it";
  }
}
