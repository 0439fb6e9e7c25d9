import { describeVersion } from "@afsync/core/engine/describeVersion";
import { type EventCoverage, eventCoverage } from "@afsync/core/engine/eventCoverage";
import type { PlannedChange } from "@afsync/core/engine/RunReport";
import { timeToEffective } from "@afsync/core/engine/timeToEffective";
import type { DeploymentShape, KeyTiming, SourceShape } from "../serve/ServeStatus.ts";
import type { DashboardCell, DashboardDeployment, DashboardProblem, DashboardView } from "./DashboardView.ts";
import { remedyFor } from "./remedyFor.ts";

export interface DashboardInput {
  readonly title: string;
  readonly mode: DashboardView["mode"];
  readonly generatedAt: Date;
  readonly configPath: string;
  readonly revision: number;
  readonly summary: readonly string[];
  readonly reconcileEveryMs: number;
  readonly deployments: readonly DashboardDeploymentInput[];
  /** Problems that belong to no key: a failed run, a refused event subscription. */
  readonly problems?: readonly DashboardProblem[];
  readonly eventFeeds?: DashboardView["eventFeeds"];
  readonly runs?: DashboardView["runs"];
}

export interface DashboardDeploymentInput {
  readonly shape: DeploymentShape;
  readonly status: DashboardDeployment["status"];
  readonly error?: string;
  readonly lastRunAt?: string;
  readonly changes: readonly PlannedChange[];
  readonly timings?: ReadonlyMap<string, KeyTiming>;
}

/**
 * The keys × Deployments matrix and everything around it, from what serve recorded or what a
 * plan found. Pure: the caller passes the time, the reports and the Deployments' shapes.
 */
export function buildDashboardView(input: DashboardInput): DashboardView {
  const sources = new Map<string, SourceShape>();
  for (const d of input.deployments) for (const s of d.shape.sources ?? []) sources.set(s.id, s);
  const coverageBySource = new Map<string, EventCoverage>(
    [...sources.values()].map((s) => [s.id, eventCoverage(s, input.reconcileEveryMs)]),
  );
  const keys = new Set<string>();
  const cells: DashboardCell[] = [];
  const problems: DashboardProblem[] = [...(input.problems ?? [])];
  const deployments: DashboardDeployment[] = input.deployments.map((d) => {
    const shape = d.shape;
    if (d.status === "failed")
      problems.push({
        deployment: shape.id,
        message: d.error ?? "failed",
        remedy: "Fix what the error names (credentials, reachability, config); the next run retries and nothing was lost.",
      });
    for (const change of d.changes) {
      keys.add(change.key);
      const cell = toCell(shape, change, d.timings?.get(change.key));
      if (cell.problem !== undefined) problems.push(cell.problem);
      cells.push(cell);
    }
    const layer = shape.layer;
    const targetType = shape.targetType;
    return {
      id: shape.id,
      target: shape.target,
      ...(layer === undefined ? {} : { layer }),
      sources: (shape.sources ?? []).map((s) => s.id),
      ...(shape.secretsBackend === undefined ? {} : { secretsBackend: shape.secretsBackend }),
      status: d.status,
      ...(d.error === undefined ? {} : { error: d.error }),
      ...(d.lastRunAt === undefined ? {} : { lastRunAt: d.lastRunAt }),
      timeToEffective:
        layer === undefined || targetType === undefined
          ? []
          : (shape.sources ?? []).flatMap((s) => {
              const coverage = coverageBySource.get(s.id);
              return coverage === undefined ? [] : [timeToEffective(coverage, { type: targetType, layer })];
            }),
    };
  });
  return {
    title: input.title,
    mode: input.mode,
    generatedAt: input.generatedAt.toISOString(),
    configPath: input.configPath,
    revision: input.revision,
    summary: input.summary,
    keys: [...keys].sort((a, b) => a.localeCompare(b)),
    deployments,
    cells,
    coverage: [...coverageBySource.values()],
    problems,
    eventFeeds: input.eventFeeds ?? [],
    runs: input.runs ?? [],
  };
}

function toCell(shape: DeploymentShape, change: PlannedChange, timing: KeyTiming | undefined): DashboardCell {
  const problem = remedyFor(change, shape);
  // A shadowed key is read from the secrets backend above the target, whatever afsync writes.
  const layer = change.action === "shadowed" ? "secrets-backend" : shape.layer;
  const lagMs = timing === undefined ? undefined : Date.parse(timing.appliedAt) - Date.parse(timing.seenAt);
  return {
    deployment: shape.id,
    key: change.key,
    action: change.action,
    ...(change.write === undefined ? {} : { write: change.write }),
    ...(layer === undefined || change.action === "delete" ? {} : { layer }),
    source: change.source,
    ...(change.version === undefined ? {} : { version: change.version, versionText: describeVersion(change.version) }),
    ...(change.hash === undefined ? {} : { hash: change.hash }),
    shadowed: change.shadowedSources ?? [],
    ...(timing === undefined ? {} : { seenAt: timing.seenAt, appliedAt: timing.appliedAt, lagMs }),
    ...(problem === null ? {} : { problem: { deployment: shape.id, key: change.key, ...problem } }),
  };
}
