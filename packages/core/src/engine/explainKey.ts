import { maskConnection } from "../formats/redact.ts";
import { type AirflowKey, keyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { StateStore } from "../ports/StateStore.ts";
import { checkPlannedKeys } from "./checkPlannedKeys.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import type { ExplainCandidate, ExplainDeployment, ExplainReport, ShownValue } from "./ExplainReport.ts";
import { isKeySelected } from "./keySelection.ts";
import { hashPrefix } from "./maskedDiff.ts";
import { planDeployment } from "./planDeployment.ts";
import { type Candidate, resolvePrecedence } from "./resolvePrecedence.ts";
import { errorMessage, SourceReadSet } from "./SourceReadSet.ts";

export interface ExplainDeps {
  readonly state: StateStore;
  readonly hash: (value: AirflowValue) => string;
  readonly now: string;
  readonly showSecrets: boolean;
}

/**
 * Every layer and source that holds one key, per Deployment: the sources in precedence order,
 * the secrets backend above the target, the target as it is now, what afsync recorded, the
 * winner and why, and what a sync would do. Values are masked (hash prefixes for variables).
 */
export async function explainKey(key: AirflowKey, bindings: readonly DeploymentBinding[], deps: ExplainDeps): Promise<ExplainReport> {
  const ks = keyString(key);
  const reads = new SourceReadSet();
  const out: ExplainDeployment[] = [];
  for (const binding of bindings) {
    const target = `${binding.target.type} ${binding.target.describe}`;
    const sources = binding.observe?.secretsBackend === undefined ? binding.sources : [...binding.sources, binding.observe.secretsBackend];
    for (const source of sources) await reads.read(source, [key]);
    const res = resolvePrecedence(
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
    };
    try {
      const snapshot = await binding.target.read();
      const owned = binding.target.capabilities.holdsState
        ? new Map((snapshot.manifest ?? []).map((r) => [r.key, r] as const))
        : await deps.state.load(binding.id);
      const entry = snapshot.entries.get(ks);
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
      const record = owned.get(ks);
      const [item] = base.selected
        ? planDeployment({
            resolutions: [res],
            targetEntries: snapshot.entries,
            targetReadsValues: binding.target.capabilities.readsValues,
            owned,
            deletion: binding.deletion,
            adopt: binding.adopt,
            ...(backend === undefined || aboveRead?.status !== "found"
              ? {}
              : { above: { sourceId: backend.id, holds: new Map([[ks, aboveRead]]) } }),
            hash: deps.hash,
            now: deps.now,
            keyProblems: checkPlannedKeys(binding.target, [res], snapshot.entries),
          })
        : [];
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
    } catch (error) {
      const targetLayer: ExplainCandidate = {
        source: binding.target.type,
        layer: binding.target.layer,
        status: "unreadable",
        reason: errorMessage(error),
      };
      out.push({
        ...base,
        targetLayer,
        owned: null,
        action: null,
        effective: "unknown: the target could not be read",
        error: errorMessage(error),
      });
    }
  }
  return { key: ks, deployments: out };
}

function toExplainCandidate(
  c: Candidate,
  layer: ExplainCandidate["layer"],
  winnerHash: string | undefined,
  deps: ExplainDeps,
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
