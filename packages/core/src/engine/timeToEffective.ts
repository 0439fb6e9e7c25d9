import type { PrecedenceLayer } from "../ports/DeploymentTarget.ts";
import type { ChangeKind, EventCoverage } from "./eventCoverage.ts";

/**
 * How long one part of the path from a change in a source to a task that sees it can take.
 * `maxMs` is the bound when there is one; `restart` means it waits for something a person or a
 * deploy does; `conditional` parts apply only when a setting is on (Airflow's secrets cache).
 */
export interface EffectPart {
  readonly part: "event delivery" | "reconciliation" | "afsync" | "target" | "airflow secrets cache";
  readonly bound: "seconds" | "interval" | "restart" | "immediate" | "conditional";
  readonly maxMs?: number;
  readonly detail: string;
}

export interface ChangePath {
  readonly changes: readonly ChangeKind[];
  readonly parts: readonly EffectPart[];
  /** The whole path in words: `seconds + about 1 minute`, `up to 15m + restart`. */
  readonly total: string;
}

export interface TimeToEffective {
  readonly source: string;
  readonly target: string;
  readonly layer: PrecedenceLayer;
  /** One path per way afsync learns of a change: announced changes, then those only the reconciliation finds. */
  readonly paths: readonly ChangePath[];
}

/** Airflow's `[secrets] cache_ttl_seconds` fallback (docs/reference/airflow-semantics.md, 5.3). */
export const AIRFLOW_CACHE_TTL_DEFAULT_SECONDS = 15 * 60;

interface TargetDelay {
  readonly bound: EffectPart["bound"];
  readonly maxMs?: number;
  readonly detail: string;
}

/** What each target adds once afsync has written it (docs/reference/target-apis.md). */
function targetDelay(targetType: string, layer: PrecedenceLayer): TargetDelay {
  switch (targetType) {
    case "astro-environment":
      return {
        bound: "seconds",
        maxMs: 60_000,
        detail: "the Environment Manager applies objects as Kubernetes Secrets: allow about 1 minute before Dags see them",
      };
    case "astro-env-vars":
      return {
        bound: "restart",
        maxMs: 120_000,
        detail: "saving environment variables restarts the scheduler, webserver and workers; about 2 minutes to apply",
      };
    case "env-file":
      return {
        bound: "restart",
        detail: "environment variables are read when Airflow's processes start: restart Airflow (astro dev restart)",
      };
    case "airflow-settings":
      return {
        bound: "restart",
        detail: "airflow_settings.yaml is loaded when the local Airflow starts: astro dev restart (or object import)",
      };
    case "airflow-api":
      return { bound: "immediate", maxMs: 0, detail: "written to the metadata database: the next lookup reads it" };
    case "local-filesystem":
      return { bound: "immediate", maxMs: 0, detail: "LocalFilesystemBackend reads its files on every lookup" };
    default:
      return layer === "environment-variables"
        ? { bound: "restart", detail: "environment variables are read when Airflow's processes start" }
        : { bound: "immediate", maxMs: 0, detail: `written to the ${layer} layer: the next lookup reads it` };
  }
}

/**
 * Time to effective for one source feeding one target, with its parts: how afsync learns of the
 * change (an event in seconds, or the reconciliation interval for what the provider never
 * announces), afsync's own run, the target's delay, and Airflow's secrets cache when it is on.
 */
export function timeToEffective(
  coverage: EventCoverage,
  target: { readonly type: string; readonly layer: PrecedenceLayer },
  airflowCacheTtlSeconds: number = AIRFLOW_CACHE_TTL_DEFAULT_SECONDS,
): TimeToEffective {
  const interval = formatMs(coverage.reconcileEveryMs);
  const afsync: EffectPart = {
    part: "afsync",
    bound: "seconds",
    detail: "one run: read the changed secret, plan, write; runs are queued one at a time, so a run in flight adds its length",
  };
  const delay = targetDelay(target.type, target.layer);
  const tgt: EffectPart = { part: "target", ...delay };
  const cache: EffectPart = {
    part: "airflow secrets cache",
    bound: "conditional",
    maxMs: airflowCacheTtlSeconds * 1000,
    detail: `only when [secrets] use_cache = True: a task may read the cached copy for up to cache_ttl_seconds (${airflowCacheTtlSeconds} s); Airflow 3.1 applies it at task time too`,
  };
  const tail = [afsync, tgt, cache];
  const paths: ChangePath[] = [];
  if (coverage.announced.length > 0) {
    const delivery: EffectPart = {
      part: "event delivery",
      bound: "seconds",
      detail: `${coverage.transport}${coverage.note === undefined ? "" : ` (${coverage.note})`}`,
    };
    paths.push({ changes: coverage.announced, parts: [delivery, ...tail], total: total("seconds", delay) });
  }
  if (coverage.reconciliationOnly.length > 0) {
    const reconcile: EffectPart = {
      part: "reconciliation",
      bound: "interval",
      maxMs: coverage.reconcileEveryMs,
      detail: `the provider does not announce it: the scheduled reconciliation finds it within ${interval}`,
    };
    paths.push({ changes: coverage.reconciliationOnly, parts: [reconcile, ...tail], total: total(`up to ${interval}`, delay) });
  }
  return { source: coverage.source, target: target.type, layer: target.layer, paths };
}

function total(learn: string, delay: TargetDelay): string {
  const target =
    delay.bound === "restart"
      ? `an Airflow restart${delay.maxMs === undefined ? "" : ` (about ${formatMs(delay.maxMs)})`}`
      : delay.bound === "immediate"
        ? ""
        : `about ${formatMs(delay.maxMs ?? 0)}`;
  return `${[learn, target].filter((p) => p !== "").join(" + ")} (+ cache_ttl_seconds if use_cache is on)`;
}

/** `15m`, `90s`, `1h30m`: short enough for a table cell. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return [h > 0 ? `${h}h` : "", m > 0 ? `${m}m` : "", sec > 0 ? `${sec}s` : ""].join("") || "0s";
}
