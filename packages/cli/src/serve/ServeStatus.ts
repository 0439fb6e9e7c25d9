import type { KeyString } from "@afsync/core";
import type { DeploymentReport, PlannedChange, RunReport, RunSummary } from "@afsync/core/engine/RunReport";
import type { PrecedenceLayer } from "@afsync/core/ports/DeploymentTarget";

/** One run serve made: what started it, when, and what came of it. */
export interface RunRecord {
  readonly id: number;
  /** What started it, in words: `initial sync`, `file change (team-files)`, `webhook (team-files)`, `scheduled reconciliation`. */
  readonly trigger: string;
  readonly full: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly summary?: RunSummary;
  /** Set when the run itself failed (the engine threw); never carries a value. */
  readonly error?: string;
}

/** When serve learned of a key's change and when it wrote it; `lag` on the dashboard is the difference. */
export interface KeyTiming {
  /** When the trigger of the run that wrote it arrived (event, file change, webhook, schedule). */
  readonly seenAt: string;
  readonly appliedAt: string;
}

/** What serve knows of a Deployment's shape for the dashboard: its target's layer and its sources. */
export interface DeploymentShape {
  readonly id: string;
  /** `<type> <describe>`, as serve prints it. */
  readonly target: string;
  readonly targetType?: string;
  readonly layer?: PrecedenceLayer;
  readonly sources?: readonly SourceShape[];
  readonly secretsBackend?: string;
}

/** A source as the event-coverage rules need it (the provider, and whether it subscribes to events). */
export interface SourceShape {
  readonly id: string;
  readonly provider: string;
  readonly changeEvents?: { readonly enabled: boolean };
}

export interface DeploymentStatus {
  readonly id: string;
  readonly target: string;
  readonly shape: DeploymentShape;
  /** Per key, when serve last saw and wrote a change to it (absent until serve writes it). */
  readonly timings: ReadonlyMap<KeyString, KeyTiming>;
  readonly status: "ok" | "failed" | "pending";
  readonly error?: string;
  readonly lastRunAt?: string;
  /** Latest known outcome per key: a full run replaces them all, a hinted run updates the keys it touched. */
  readonly keys: ReadonlyMap<KeyString, PlannedChange>;
}

/** Whether a source's change events reach serve: `live`, `reconnecting` (dropped, retrying) or `off`, and why. */
export interface EventFeedStatus {
  readonly source: string;
  readonly state: "connecting" | "live" | "reconnecting" | "off";
  /** Why, in words: `connected`, `the event stream closed`, `not enabled: …`, `refused by Vault (HTTP 403): …`. */
  readonly detail: string;
  readonly since: string;
  /** Set when the server refused the subscription: an operator has something to fix. */
  readonly refused?: boolean;
}

export interface Problem {
  readonly deployment?: string;
  readonly key?: string;
  readonly message: string;
}

const KEPT_RUNS = 20;
const PROBLEM_ACTIONS = new Set(["invalid", "conflict", "orphaned", "shadowed"]);
/** Actions (or a shadowed key's `write`) that wrote the target. */
const WRITES = new Set(["create", "update", "delete"]);

/**
 * What the status page and /healthz show: built only from run reports, which hold masked diffs
 * and hash prefixes, never values.
 */
export class ServeStatus {
  private readonly runs: RunRecord[] = [];
  private readonly deployments = new Map<string, DeploymentStatus>();
  private readonly feeds = new Map<string, EventFeedStatus>();
  private nextId = 1;
  private changes = 0;
  readonly startedAt: string;

  constructor(
    startedAt: Date,
    deployments: readonly DeploymentShape[],
    readonly info: {
      readonly configPath: string;
      readonly webhook: boolean;
      readonly watching: readonly string[];
      readonly reconcileEveryMs: number;
    },
  ) {
    this.startedAt = startedAt.toISOString();
    for (const d of deployments)
      this.deployments.set(d.id, { id: d.id, target: d.target, shape: d, status: "pending", keys: new Map(), timings: new Map() });
  }

  recordRun(
    trigger: string,
    full: boolean,
    startedAt: Date,
    durationMs: number,
    outcome: { report: RunReport } | { error: string },
    /** When the first request folded into this run arrived: when serve saw the change. */
    requestedAt: Date = startedAt,
  ): RunRecord {
    const at = startedAt.toISOString();
    const timing = { seenAt: requestedAt.toISOString(), appliedAt: new Date(startedAt.getTime() + durationMs).toISOString() };
    this.changes++;
    const base = { id: this.nextId++, trigger, full, startedAt: at, durationMs };
    const record: RunRecord = "report" in outcome ? { ...base, summary: outcome.report.summary } : { ...base, error: outcome.error };
    this.runs.unshift(record);
    this.runs.length = Math.min(this.runs.length, KEPT_RUNS);
    if ("report" in outcome) for (const d of outcome.report.deployments) this.recordDeployment(d, full, at, timing);
    return record;
  }

  get lastRun(): RunRecord | undefined {
    return this.runs[0];
  }

  get recentRuns(): readonly RunRecord[] {
    return this.runs;
  }

  get runCount(): number {
    return this.nextId - 1;
  }

  get deploymentStatuses(): readonly DeploymentStatus[] {
    return [...this.deployments.values()];
  }

  /** Goes up with every run and every event-feed change: the dashboard polls it to know when to refresh. */
  get revision(): number {
    return this.changes;
  }

  setEventFeed(feed: EventFeedStatus): void {
    this.changes++;
    this.feeds.set(feed.source, feed);
  }

  get eventFeeds(): readonly EventFeedStatus[] {
    return [...this.feeds.values()];
  }

  /** Failed Deployments, failed runs and keys that need a human: invalid values, conflicts, orphans, shadowed copies. */
  problems(): Problem[] {
    const out: Problem[] = [];
    const lastRun = this.runs[0];
    if (lastRun?.error !== undefined) out.push({ message: `last run (${lastRun.trigger}) failed: ${lastRun.error}` });
    for (const f of this.feeds.values()) if (f.refused === true) out.push({ message: `events for source ${f.source}: ${f.detail}` });
    for (const d of this.deployments.values()) {
      if (d.status === "failed") out.push({ deployment: d.id, message: d.error ?? "failed" });
      for (const change of d.keys.values()) {
        if (change.error !== undefined) out.push({ deployment: d.id, key: change.key, message: `write failed: ${change.error}` });
        else if (PROBLEM_ACTIONS.has(change.action))
          out.push({ deployment: d.id, key: change.key, message: `${change.action}${change.reason ? `: ${change.reason}` : ""}` });
      }
    }
    return out;
  }

  private recordDeployment(report: DeploymentReport, full: boolean, at: string, timing: KeyTiming): void {
    const previous = this.deployments.get(report.id);
    const keys = new Map(full || previous === undefined ? [] : previous.keys);
    const timings = new Map(previous?.timings ?? []);
    for (const change of report.changes) {
      keys.set(change.key, change);
      if (change.error === undefined && WRITES.has(change.write ?? change.action)) timings.set(change.key, timing);
    }
    for (const key of timings.keys()) if (!keys.has(key)) timings.delete(key);
    this.deployments.set(report.id, {
      id: report.id,
      target: previous?.target ?? report.target, // serve's shorter, cwd-relative form
      shape: previous?.shape ?? { id: report.id, target: report.target },
      timings,
      status: report.status,
      ...(report.error !== undefined && { error: report.error }),
      lastRunAt: at,
      keys,
    });
  }
}
