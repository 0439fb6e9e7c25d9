import { ConfigError } from "../errors.ts";
import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import { keyString, parseKeyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { HistoryTrigger } from "../model/HistoryEntry.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { VersionPin } from "../model/VersionPin.ts";
import type { Clock } from "../ports/Clock.ts";
import type { TargetSnapshot } from "../ports/DeploymentTarget.ts";
import type { Hasher } from "../ports/Hasher.ts";
import type { Logger } from "../ports/Logger.ts";
import type { RunLock } from "../ports/RunLock.ts";
import type { ListedVersion, SecretSource, SourceRead } from "../ports/SecretSource.ts";
import type { StateStore } from "../ports/StateStore.ts";
import { AppliedVersions } from "./AppliedVersions.ts";
import { applyPlan, countOps, PENDING_HASH } from "./applyPlan.ts";
import { canonicalValue } from "./canonicalValue.ts";
import { checkPlannedKeys } from "./checkPlannedKeys.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import type { DeploymentPlan } from "./DeploymentPlan.ts";
import { EntryBudget } from "./EntryBudget.ts";
import type { ExplainReport } from "./ExplainReport.ts";
import { DEFAULT_RECONCILE_EVERY_MS, explainView } from "./explainView.ts";
import { historyEntries } from "./historyEntries.ts";
import { isKeySelected } from "./keySelection.ts";
import { keysForHints, pinnedVersionsForHints } from "./keysForHints.ts";
import { observedAbove } from "./observedAbove.ts";
import { type DeploymentClaim, overlappingClaims } from "./overlappingClaims.ts";
import { type PlanInput, type PlanItem, planDeployment, planKey } from "./planDeployment.ts";
import { ReportStrings } from "./ReportStrings.ts";
import { RestampedRecords } from "./RestampedRecords.ts";
import type { DeploymentReport, RunReport } from "./RunReport.ts";
import { resolveHints } from "./resolveHints.ts";
import { type Resolution, resolvePrecedence } from "./resolvePrecedence.ts";
import { SharedResolutions } from "./SharedResolutions.ts";
import { SharedScope } from "./SharedScope.ts";
import { SharedStrings } from "./SharedStrings.ts";
import { errorMessage, SourceReadSet } from "./SourceReadSet.ts";
import { summarize } from "./summarize.ts";
import type { Trigger } from "./Trigger.ts";
import { NO_PINS, type PinPlan, pinnedRead, pinsForRollback, pinsHeld, type RollbackRequest } from "./versionPins.ts";

export interface EngineDeps {
  readonly clock: Clock;
  readonly hasher: Hasher;
  readonly logger: Logger;
  readonly state: StateStore;
  /** Held around every sync, so two runs on one state store or target file never overlap. */
  readonly runLock?: RunLock;
  /**
   * Deployments planned and written at once (default DEPLOYMENTS_AT_ONCE): each holds its plan
   * until written, so this bounds the plans in memory. Deployments that write one store (one
   * `claimScope`, or one target object) are still written one after another, in config order.
   */
  readonly deploymentsAtOnce?: number;
}

export interface RunOptions {
  /**
   * Called after each target write with (changes written so far, changes planned so far) over the
   * run: Deployments are planned as the run goes, so the total grows as later ones are planned.
   */
  readonly onProgress?: (done: number, total: number) => void;
  /** Show real values in diffs (`--show-secrets`); masked otherwise. */
  readonly showSecrets?: boolean;
}

/** A Deployment's target as read at the start of planning, with what afsync owns there. */
interface LoadedTarget {
  readonly snapshot: TargetSnapshot;
  readonly owned: ReadonlyMap<KeyString, StateRecord>;
}

/**
 * A target the fold read and kept without its records (`recordsDropped`): its key set still fits
 * in LOADED_ENTRIES_KEPT (one equal to a key set kept already counts nothing), its records do not
 * (most of them differ from every records map kept, not only in when they were applied, which a
 * view of a kept map tells at the cost of the few that differ: `RestampedRecords`).
 * Its records are in the state store, apart from the target, so planning loads them again there
 * instead of reading the whole target again from the network.
 */
interface KeptSnapshot {
  readonly snapshot: TargetSnapshot;
  readonly recordsDropped: true;
}

/** What the fold left of a Deployment's target for its plan: all of it, its key set alone, or why it could not be read. */
type FoldedTarget = LoadedTarget | KeptSnapshot | { readonly error: unknown };

/**
 * A Deployment's keys planned while its source's pages landed (a whole read), so that the CPU of
 * planning overlaps the read's round trips instead of following them. Each key keeps the read it
 * was planned from: its plan reuses the resolution and the item only while that is still the
 * run's read for the key (and the key is not pinned, nor refused by the target).
 */
interface EarlyPlan {
  /** The run's time stamp (see `run`), used for the whole Deployment so early and late keys agree. */
  readonly now: string;
  readonly keys: Map<KeyString, { readonly read: SourceRead; readonly resolution: Resolution; readonly item: PlanItem | null }>;
}

/**
 * Deployments in flight at once, each from its target read to its last write: distinct
 * Deployments are distinct servers, so their round trips overlap (a run of M Deployments waits
 * about ceil(M / this) Deployments' worth of round trips, not M); few enough that memory holds a
 * handful of plans, not one per Deployment.
 */
export const DEPLOYMENTS_AT_ONCE = 4;

/**
 * Targets read at once while folding what was applied (a metadata-first reconciliation); each is
 * held until folded. The fold is the part of a no-op that waits on the network (every target's
 * pages, paced by their round trips) before any Deployment can be planned, so it takes more at
 * once than the stream does: at 10,000 keys × 100 Deployments (10 ms RTT), 8 instead of 4 took
 * the no-op's wall time from 1.16–1.24× to 1.10–1.12× the measured bound, for 15–20 MB more peak
 * RSS (`docs/development/benchmarks.md`).
 */
export const TARGET_LOADS_AT_ONCE = 8;

/**
 * Target entries plus state records kept from that fold for planning, so a run with few keys ×
 * Deployments reads each target once; past it, a target is read again when planned rather than
 * every target being held at once. An entry and its record cost about 1 KB of heap (measured:
 * 200,000 kept put a no-op of 1,000 keys × 100 Deployments at 329 MB peak RSS). A key set or a
 * records map that Deployments in step share is counted once: keeping the next such target
 * holds nothing new, so a run of Deployments in step reads each target once at any count.
 */
export const LOADED_ENTRIES_KEPT = 20_000;

/**
 * Target entries plus state records in flight at once in the stream of Deployments
 * (DEPLOYMENTS_AT_ONCE), each weighed by its size (`EntryBudget`): the count bounds Deployments
 * of up to 10,000 keys (about 20,000 each: entries and records), this bounds larger ones, so
 * that what the run holds grows with the keys of a few Deployments, not with their count times
 * their keys. Measured at 10,000 keys × 100 (no-op): two at once instead of four saved nothing
 * measurable once Deployments in step shared their records and resolutions (320–329 MB peak RSS
 * either way) and cost wall time, so it does not bind there.
 */
export const ENTRIES_IN_FLIGHT = 80_000;

/** The same bound for the fold (TARGET_LOADS_AT_ONCE targets of up to 10,000 keys), which runs before the stream, not beside it. */
export const FOLD_ENTRIES_IN_FLIGHT = 160_000;

/** A Deployment planned, before (or instead of) applying. */
type Planned =
  | {
      readonly binding: DeploymentBinding;
      readonly items: readonly PlanItem[];
      readonly owned: ReadonlyMap<KeyString, StateRecord>;
      /**
       * Keys a source of the Deployment holds, or that it would delete: what it claims in its
       * target. Only when asked for (`withClaims`): the overlapping-claims check alone reads it.
       */
      readonly claimed?: ReadonlySet<KeyString>;
      readonly pins: PinPlan;
    }
  | { readonly binding: DeploymentBinding; readonly error: string };

/**
 * The use cases: plan, sync and explain, over the ports only. One run reads each source once
 * (batched), checks overlapping claims from key names, then plans and applies the Deployments a
 * few at once (`deploymentsAtOnce`), each plan dropped once written: a
 * Deployment that fails is reported and the others carry on.
 */
export class SyncEngine {
  private readonly deps: EngineDeps;
  private readonly hashes = new WeakMap<AirflowValue, string>();

  constructor(deps: EngineDeps) {
    const atOnce = deps.deploymentsAtOnce;
    if (atOnce !== undefined && !(Number.isInteger(atOnce) && atOnce >= 1))
      throw new ConfigError("deploymentsAtOnce", "must be a whole number of 1 or more");
    this.deps = deps;
  }

  plan(bindings: readonly DeploymentBinding[], trigger: Trigger, options: RunOptions = {}): Promise<RunReport> {
    return this.run("plan", bindings, trigger, options);
  }

  /**
   * The lock is taken before the sources are read: a run that waited for another must plan
   * against what that run recorded and wrote, not against what it saw before.
   */
  async sync(bindings: readonly DeploymentBinding[], trigger: Trigger, options: RunOptions = {}): Promise<RunReport> {
    const release = await this.deps.runLock?.acquire();
    try {
      return await this.run("sync", bindings, trigger, options);
    } finally {
      await release?.();
    }
  }

  /**
   * `afsync rollback`: re-applies an older version of one key in every given Deployment that
   * selects it, through the same plan and apply as any sync, and pins it there (see
   * `VersionPin`) so the next reconciliation does not undo it. `dryRun` plans only. Throws when
   * the state store cannot keep pins: a rollback the next run would silently undo is refused.
   */
  async rollback(
    request: RollbackRequest,
    bindings: readonly DeploymentBinding[],
    options: RunOptions & { readonly dryRun?: boolean } = {},
  ): Promise<RunReport> {
    if (options.dryRun !== true && this.deps.state.savePins === undefined)
      throw new ConfigError(
        "state.type",
        "this state keeps no rollback pins, so the next reconciliation would undo the rollback; use state: { type: sqlite }",
      );
    const selecting = bindings.filter((b) => isKeySelected(keyString(request.key), b.include, b.exclude));
    if (options.dryRun === true) return this.run("plan", selecting, ROLLBACK_SCOPE, options, request);
    const release = await this.deps.runLock?.acquire();
    try {
      return await this.run("sync", selecting, ROLLBACK_SCOPE, options, request);
    } finally {
      await release?.();
    }
  }

  /** Ends the pins `afsync rollback` left on a key: the next run applies the provider's current value again. */
  async releasePins(key: AirflowKey, bindings: readonly DeploymentBinding[]): Promise<{ deploymentId: string; pin: VersionPin }[]> {
    const { loadPins, savePins } = this.deps.state;
    if (loadPins === undefined || savePins === undefined) return [];
    const ks = keyString(key);
    const released: { deploymentId: string; pin: VersionPin }[] = [];
    for (const binding of bindings) {
      const pin = (await loadPins.call(this.deps.state, binding.id)).get(ks);
      if (pin === undefined) continue;
      await savePins.call(this.deps.state, binding.id, [], [ks]);
      released.push({ deploymentId: binding.id, pin });
    }
    return released;
  }

  /**
   * What the planner makes of one key in each Deployment, as a view: every source is read for the
   * key, each Deployment is planned over it exactly as a sync would plan it, and the plan (with
   * what the planner saw) is rendered by `explainView`. Nothing is written.
   */
  async explain(
    key: AirflowKey,
    bindings: readonly DeploymentBinding[],
    options: { showSecrets?: boolean; reconcileEveryMs?: number } = {},
  ): Promise<ExplainReport> {
    const ks = keyString(key);
    const reads = new SourceReadSet();
    await Promise.all(distinctSources(bindings).map((source) => reads.read(source, [key])));
    const showSecrets = options.showSecrets ?? false;
    const plans = await Promise.all(
      bindings.map(async (binding) => {
        try {
          return await this.planKeys(binding, () => new Map([[ks, key]]), reads, { showSecrets });
        } catch (error) {
          return { binding, error: errorMessage(error) };
        }
      }),
    );
    for (const binding of bindings) binding.target.release?.();
    return explainView(key, plans, reads, {
      hash: this.hash,
      showSecrets,
      reconcileEveryMs: options.reconcileEveryMs ?? DEFAULT_RECONCILE_EVERY_MS,
    });
  }

  /** Keyed hash of a value's canonical form, memoized per value object within the engine's life. */
  readonly hash = (value: AirflowValue): string => {
    let h = this.hashes.get(value);
    if (h === undefined) {
      h = this.deps.hasher.hmac(canonicalValue(value));
      this.hashes.set(value, h);
    }
    return h;
  };

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private async run(
    mode: "plan" | "sync",
    bindings: readonly DeploymentBinding[],
    trigger: Trigger,
    options: RunOptions,
    rollback?: RollbackRequest,
  ): Promise<RunReport> {
    const reads = new SourceReadSet();
    const loaded = new Map<string, FoldedTarget>();
    const shared = new SharedStrings();
    const resolutions = new SharedResolutions();
    const sharedScope = new SharedScope();
    const early = new Map<string, EarlyPlan>();
    // One stamp for the records of every Deployment this run applies (taken when the first is
    // planned): Deployments applied by one run then hold equal records, which the runs after it
    // share between them (`SharedStrings`) instead of loading, resolving and planning each
    // Deployment's copy (a no-op of 10,000 keys × 100 Deployments: 346 MB with a stamp per
    // plan, 201 MB in step). The history keeps each write's own time.
    let stamp: string | undefined;
    const runTime = (): string => {
      stamp ??= this.now();
      return stamp;
    };
    // Each Deployment's entries and records as the fold saw them: its weight in the stream.
    const sizes = new Map<string, number>();
    const scopes =
      rollback === undefined
        ? await this.readSources(
            bindings,
            trigger,
            reads,
            loaded,
            shared,
            sizes,
            this.planningEarly(bindings, loaded, early, options, runTime),
          )
        : await this.readForRollback(bindings, rollback, reads);
    const how: HistoryTrigger = rollback !== undefined ? "rollback" : trigger.kind === "full" ? "reconciliation" : "event";
    // planFor never throws, so a plan made ahead never rejects unobserved.
    const planFor = async (binding: DeploymentBinding, withClaims = false): Promise<Planned> => {
      const hinted = scopes.get(binding.id) ?? [];
      let pins: PinPlan;
      try {
        pins = await this.pinsOf(binding, trigger, hinted, reads, rollback);
      } catch (error) {
        return { binding, error: errorMessage(error) };
      }
      return this.planOne(
        binding,
        hinted,
        reads,
        trigger,
        options,
        pins,
        shared,
        resolutions,
        sharedScope,
        loaded.get(binding.id),
        withClaims,
        runTime,
        early.get(binding.id),
      );
    };
    const claimErrors = await this.overlappingClaimErrors(bindings, planFor, loaded, shared);

    // Deployments stream: up to `deploymentsAtOnce` are in flight, each planned, written and
    // dropped before its slot takes the next, so the plans held at once are bounded by that limit
    // however many Deployments the run has (holding every plan before applying any made peak
    // memory grow with keys × Deployments).
    const planAt = (binding: DeploymentBinding): Promise<Planned> => {
      const error = claimErrors.get(binding.id);
      if (error !== undefined) {
        early.delete(binding.id);
        return Promise.resolve({ binding, error });
      }
      // The target read for the claims (or the listing) is dropped once this plan holds it.
      return planFor(binding).finally(() => {
        loaded.delete(binding.id);
        early.delete(binding.id);
      });
    };
    const reports: DeploymentReport[] = new Array(bindings.length);
    // Progress counts the changes planned so far: later Deployments are not planned yet.
    const progress = { done: 0, total: 0 };
    const strings = new ReportStrings();
    // Writes to one store stay in config order and never overlap (a target object is not
    // reentrant, and two Deployments on one Airflow share its manifest and its bulk endpoints):
    // each takes its turn when picked, before planning, so a later one cannot overtake it.
    const lastWriteTo = new Map<unknown, Promise<void>>();
    const indices = bindings.map((_, i) => i);
    const budget = new EntryBudget(ENTRIES_IN_FLIGHT);
    await forEachAtOnce(indices, this.deps.deploymentsAtOnce ?? DEPLOYMENTS_AT_ONCE, async (i) => {
      const binding = bindings[i] as DeploymentBinding;
      // Weighed by what the fold saw of it (an event run folds nothing: its count alone bounds it).
      const admitted = await budget.admit(sizes.get(binding.id) ?? 0);
      const store = binding.target.claimScope ?? binding.target;
      const previous = lastWriteTo.get(store);
      let written = () => {};
      lastWriteTo.set(store, new Promise<void>((resolve) => (written = resolve)));
      try {
        const planned = await planAt(binding);
        try {
          await previous;
          reports[i] = await this.applyPlanned(mode, planned, how, options, progress, strings);
        } finally {
          // Applied: what the target kept from its read must not outlive the Deployment's turn.
          planned.binding.target.release?.();
        }
      } finally {
        written();
        admitted();
      }
    });
    return { mode, deployments: reports, summary: summarize(reports, reads.calls) };
  }

  /**
   * Overlapping claims, checked before anything is written: only Deployments whose targets share
   * a `claimScope` with another of the run can overlap, so only those are planned here, one at a
   * time, and only the key names each would write are kept (never a plan or a value). Their
   * targets, read for this, stay in `loaded` so the streamed plan does not read them again.
   */
  private async overlappingClaimErrors(
    bindings: readonly DeploymentBinding[],
    planFor: (binding: DeploymentBinding, withClaims: boolean) => Promise<Planned>,
    loaded: Map<string, FoldedTarget>,
    shared: SharedStrings,
  ): Promise<ReadonlyMap<string, string>> {
    const byScope = new Map<string, DeploymentBinding[]>();
    for (const binding of bindings) {
      const scope = binding.target.claimScope;
      if (scope !== undefined) byScope.set(scope, [...(byScope.get(scope) ?? []), binding]);
    }
    const claims: DeploymentClaim[] = [];
    for (const [scope, sharing] of byScope) {
      if (new Set(sharing.map((b) => b.id)).size < 2) continue;
      for (const binding of sharing) {
        if (!loaded.has(binding.id)) loaded.set(binding.id, await this.tryLoadTarget(binding, shared));
        const planned = await planFor(binding, true);
        if ("claimed" in planned && planned.claimed !== undefined)
          claims.push({ deploymentId: binding.id, scope, target: binding.target.describe, keys: planned.claimed });
      }
    }
    return claims.length === 0 ? new Map() : overlappingClaims(claims);
  }

  /** Applies one planned Deployment (a sync) or reports its plan (a plan), as its report entry. */
  private async applyPlanned(
    mode: "plan" | "sync",
    p: Planned,
    how: HistoryTrigger,
    options: RunOptions,
    progress: { done: number; total: number },
    strings: ReportStrings,
  ): Promise<DeploymentReport> {
    const target = `${p.binding.target.type} ${p.binding.target.describe}`;
    if ("error" in p) {
      this.deps.logger.log("error", "deployment failed", { deployment: p.binding.id, error: p.error });
      return { id: p.binding.id, target, status: "failed", error: p.error, changes: [], writes: 0 };
    }
    if (mode === "plan")
      return { id: p.binding.id, target, status: "ok", changes: strings.changes(p.items.map((i) => i.change)), writes: 0 };
    progress.total += countOps(p.items);
    let result: Awaited<ReturnType<typeof applyPlan>>;
    try {
      result = await applyPlan(p.binding.id, p.binding.target, p.items, p.owned, this.deps.state, (n) => {
        progress.done += n;
        options.onProgress?.(progress.done, progress.total);
      });
    } catch (error) {
      // The state store failed (write-ahead records make the next run re-plan creates as ours).
      result = { errors: new Map(), writes: 0, failure: `the state store failed: ${errorMessage(error)}` };
    }
    await this.recordHistory(p.binding, p.items, result.errors, how);
    await this.recordPins(p.binding, p.pins, result.errors);
    const changes = strings.changes(
      p.items.map((i) => {
        const error = result.errors.get(i.change.key);
        return error === undefined ? i.change : { ...i.change, error };
      }),
    );
    const failedKeys = changes.filter((c) => c.error !== undefined).length;
    const error = result.failure ?? (failedKeys > 0 ? `${failedKeys} of ${countOps(p.items)} writes failed` : undefined);
    this.deps.logger.log(error === undefined ? "info" : "error", "deployment synced", {
      deployment: p.binding.id,
      writes: result.writes,
      failedKeys,
    });
    return {
      id: p.binding.id,
      target,
      status: error === undefined ? "ok" : "failed",
      ...(error === undefined ? {} : { error }),
      changes,
      writes: result.writes,
    };
  }

  /**
   * Appends what landed to the history, where the state store keeps one. A history that cannot be
   * written does not undo the writes (they happened): it is logged as an error instead.
   */
  private async recordHistory(
    binding: DeploymentBinding,
    items: readonly PlanItem[],
    errors: ReadonlyMap<KeyString, string>,
    how: HistoryTrigger,
  ): Promise<void> {
    const append = this.deps.state.appendHistory?.bind(this.deps.state);
    if (append === undefined) return;
    const entries = historyEntries(binding.id, binding.target.layer, items, errors, how, this.now());
    if (entries.length === 0) return;
    try {
      await append(entries);
    } catch (error) {
      this.deps.logger.log("error", "history not recorded", { deployment: binding.id, keys: entries.length, error: errorMessage(error) });
    }
  }

  /**
   * Keeps the pins a rollback made where its key landed, and drops those that ended. A pin that
   * cannot be written is logged, like history: the writes happened, and an unsaved pin only means
   * the next reconciliation applies the current value again.
   */
  private async recordPins(binding: DeploymentBinding, pins: PinPlan, errors: ReadonlyMap<KeyString, string>): Promise<void> {
    const save = this.deps.state.savePins?.bind(this.deps.state);
    const created = pins.created.filter((p) => !errors.has(p.key));
    if (save === undefined || (created.length === 0 && pins.lapsed.length === 0)) return;
    try {
      await save(binding.id, created, pins.lapsed);
      for (const key of pins.lapsed) this.deps.logger.log("info", "rollback pin ended", { deployment: binding.id, key });
    } catch (error) {
      this.deps.logger.log("error", "rollback pin not recorded", { deployment: binding.id, error: errorMessage(error) });
    }
  }

  /** A Deployment's pins for this run: the one a rollback makes, or those stored that still hold. */
  private async pinsOf(
    binding: DeploymentBinding,
    trigger: Trigger,
    hinted: readonly AirflowKey[],
    reads: SourceReadSet,
    rollback?: RollbackRequest,
  ): Promise<PinPlan> {
    if (rollback !== undefined) return pinsForRollback(binding, rollback, reads, this.now());
    const stored = await this.deps.state.loadPins?.(binding.id);
    if (stored === undefined || stored.size === 0) return NO_PINS;
    const scope = new Set(hinted.map(keyString));
    return pinsHeld(binding, stored, (ks) => trigger.kind === "full" || scope.has(ks), reads);
  }

  /** A rollback reads its one key, currently, from every source of the Deployments that select it. */
  private async readForRollback(
    bindings: readonly DeploymentBinding[],
    request: RollbackRequest,
    reads: SourceReadSet,
  ): Promise<Map<string, AirflowKey[]>> {
    const scopes = new Map<string, AirflowKey[]>();
    for (const binding of bindings) scopes.set(binding.id, [request.key]);
    await Promise.all(distinctSources(bindings).map((source) => reads.read(source, [request.key])));
    return scopes;
  }

  /** Reads what the trigger needs from every source involved, once each; returns each Deployment's keys. */
  private async readSources(
    bindings: readonly DeploymentBinding[],
    trigger: Trigger,
    reads: SourceReadSet,
    loaded: Map<string, FoldedTarget>,
    shared: SharedStrings,
    sizes: Map<string, number>,
    onPage: (source: SecretSource) => ((reads: readonly SourceRead[]) => void) | undefined,
  ): Promise<Map<string, AirflowKey[]>> {
    const scopes = new Map<string, AirflowKey[]>();
    if (trigger.kind === "full") {
      const sources = distinctSources(bindings);
      // A secrets backend observed above a target is compared by value hash: always read whole.
      const observed = new Set(bindings.flatMap((b) => (b.observe?.secretsBackend === undefined ? [] : [b.observe.secretsBackend])));
      const listable = new Set(
        sources.filter((s) => s.capabilities.listsVersions === true && s.listVersions !== undefined && !observed.has(s)),
      );
      // The reads that do not depend on the targets start now, side by side with the targets'
      // fold: a source read whole whatever was applied, and the listing of a source as soon as
      // one Deployment is known to have applied from it (a listing is then the floor). Only the
      // choice of a whole read for a source nothing was applied from waits for the whole fold.
      const whole = sources.filter((source) => !listable.has(source)).map((source) => reads.readAll(source, onPage(source)));
      const listings = new Map<SecretSource, Promise<readonly ListedVersion[] | undefined>>();
      const appliedFrom = (source: SecretSource) => {
        if (!listings.has(source)) listings.set(source, reads.listVersions(source));
      };
      const applied = await this.foldAppliedVersions([...listable], bindings, loaded, shared, sizes, appliedFrom);
      await Promise.all([
        ...whole,
        ...[...applied].map(([source, versions]) => {
          const listing = listings.get(source);
          return listing === undefined ? reads.readAll(source, onPage(source)) : this.readListed(source, versions, listing, reads);
        }),
      ]);
      return scopes;
    }
    // Hints from the edge arrive resolved; anything else (a file watch, a test) is resolved here, once.
    const hints = resolveHints(trigger.hints, distinctSources(bindings));
    const wanted = new Map<SecretSource, AirflowKey[]>();
    for (const binding of bindings) {
      const keys = keysForHints(hints, binding.sources).filter((k) => isKeySelected(keyString(k), binding.include, binding.exclude));
      scopes.set(binding.id, keys);
      for (const source of sourcesOf(binding)) wanted.set(source, [...(wanted.get(source) ?? []), ...keys]);
    }
    await Promise.all([...wanted].map(([source, keys]) => reads.read(source, keys, pinnedVersionsForHints(hints, source))));
    return scopes;
  }

  /**
   * What a whole read of `source` does with each page as it lands: plans its keys for the first
   * `deploymentsAtOnce` Deployments (the ones planned first, so no more plans are held than the
   * stream holds anyway) whose target is already loaded and whose one source it is, so their
   * planning overlaps the read instead of following it. A Deployment with a secrets backend
   * observed above it is planned whole, later (its verdicts need the backend's reads).
   */
  private planningEarly(
    bindings: readonly DeploymentBinding[],
    loaded: ReadonlyMap<string, FoldedTarget>,
    early: Map<string, EarlyPlan>,
    options: RunOptions,
    runTime: () => string,
  ): (source: SecretSource) => ((reads: readonly SourceRead[]) => void) | undefined {
    const first = bindings.slice(0, this.deps.deploymentsAtOnce ?? DEPLOYMENTS_AT_ONCE);
    return (source) => {
      const planned = first.filter((b) => b.sources.length === 1 && b.sources[0] === source && b.observe?.secretsBackend === undefined);
      if (planned.length === 0) return undefined;
      return (pageReads) => {
        for (const binding of planned) {
          const target = loaded.get(binding.id);
          if (target === undefined || "error" in target || "recordsDropped" in target) continue;
          let plan = early.get(binding.id);
          if (plan === undefined) {
            plan = { now: runTime(), keys: new Map() };
            early.set(binding.id, plan);
          }
          const input: PlanInput = {
            resolutions: [],
            targetEntries: target.snapshot.entries,
            targetReadsValues: binding.target.capabilities.readsValues,
            owned: target.owned,
            deletion: binding.deletion,
            adopt: binding.adopt,
            hash: this.hash,
            now: plan.now,
            showSecrets: options.showSecrets ?? false,
          };
          for (const read of pageReads) {
            const ks = keyString(read.key);
            if (!isKeySelected(ks, binding.include, binding.exclude)) continue;
            // As `answerOf` answers for a key the run has read (the read wins over any listing).
            const resolution = resolvePrecedence(read.key, [{ sourceId: source.id, read: asDeclared(source, read) }], this.hash);
            plan.keys.set(ks, { read, resolution, item: planKey(resolution, input) });
          }
        }
      };
    };
  }

  /**
   * Loads every Deployment's target (TARGET_LOADS_AT_ONCE at a time) and folds what each has
   * applied from each listable source into `AppliedVersions`, which decides the values to read.
   * Targets are kept in `loaded` for planning while they fit in LOADED_ENTRIES_KEPT, whole or,
   * where only their records would not fit and those live in the state store, as their key set
   * alone (`KeptSnapshot`); the rest are dropped and read again when planned, so memory does not
   * grow with keys × Deployments.
   */
  private async foldAppliedVersions(
    listable: readonly SecretSource[],
    bindings: readonly DeploymentBinding[],
    loaded: Map<string, FoldedTarget>,
    shared: SharedStrings,
    sizes: Map<string, number>,
    appliedFrom: (source: SecretSource) => void,
  ): Promise<Map<SecretSource, AppliedVersions>> {
    const applied = new Map(listable.map((source) => [source, new AppliedVersions(source.id, this.hash)] as const));
    if (applied.size === 0) return applied;
    const undecided = new Set(listable);
    // Called as soon as a Deployment's records are known (before its target is read, when the
    // records are in the state store): a source it applied from is listed from then on.
    const owns = (binding: DeploymentBinding, owned: ReadonlyMap<KeyString, StateRecord>) => {
      const sources = binding.sources.filter((source) => undecided.has(source));
      if (sources.length === 0) return;
      const ids = new Set(sources.map((source) => source.id));
      const from = new Set<string>();
      for (const record of owned.values()) {
        if (ids.has(record.sourceId)) from.add(record.sourceId);
        if (from.size === ids.size) break;
      }
      for (const source of sources) {
        if (!from.has(source.id)) continue;
        undecided.delete(source);
        appliedFrom(source);
      }
    };
    let kept = 0;
    // What keeping a target adds is what no target kept already holds: Deployments in step share
    // their key set (`StringPool.presentKeys`) and their records map (`SharedStrings.collect`), and
    // a view of a kept map (`RestampedRecords`, records applied at another time) holds only the
    // records that differ from it.
    const keptEntries = new Set<ReadonlyMap<KeyString, unknown>>();
    const keptRecords = new Set<ReadonlyMap<KeyString, StateRecord>>();
    const budget = new EntryBudget(FOLD_ENTRIES_IN_FLIGHT);
    await forEachAtOnce(bindings, TARGET_LOADS_AT_ONCE, async (binding) => {
      let admitted = () => {};
      // Weighed, before its target is read, as its records and as many entries.
      const admit = async (owned: ReadonlyMap<KeyString, StateRecord>) => {
        admitted = await budget.admit(2 * owned.size);
      };
      try {
        await this.foldOne(binding, applied, loaded, shared, sizes, owns, admit, ({ snapshot, owned }) => {
          const entries = keptEntries.has(snapshot.entries) ? 0 : snapshot.entries.size;
          const records = keptRecords.has(owned)
            ? 0
            : owned instanceof RestampedRecords && keptRecords.has(owned.base)
              ? owned.differing.size
              : owned.size;
          if (kept + entries + records <= LOADED_ENTRIES_KEPT) {
            kept += entries + records;
            keptEntries.add(snapshot.entries);
            keptRecords.add(owned);
            return "whole";
          }
          // Records out of step with every kept map, where the state store holds them apart from
          // the target: reloading them there when planned is cheaper than reading the target again.
          if (binding.target.capabilities.holdsState || kept + entries > LOADED_ENTRIES_KEPT) return "none";
          kept += entries;
          keptEntries.add(snapshot.entries);
          return "keys";
        });
      } finally {
        admitted();
      }
    });
    return applied;
  }

  /** Loads one Deployment's target, folds it into `applied`, and keeps it in `loaded` when `keep` says there is room. */
  private async foldOne(
    binding: DeploymentBinding,
    applied: ReadonlyMap<SecretSource, AppliedVersions>,
    loaded: Map<string, FoldedTarget>,
    shared: SharedStrings,
    sizes: Map<string, number>,
    owns: (binding: DeploymentBinding, owned: ReadonlyMap<KeyString, StateRecord>) => void,
    admit: (owned: ReadonlyMap<KeyString, StateRecord>) => Promise<void>,
    keep: (target: LoadedTarget) => "whole" | "keys" | "none",
  ): Promise<void> {
    const target = await this.tryLoadTarget(binding, shared, owns, admit);
    // A Deployment whose target could not be read fails on its own (kept: it is not read twice).
    if ("error" in target) return void loaded.set(binding.id, target);
    for (const source of binding.sources) {
      applied
        .get(source)
        ?.add({ ...target, include: binding.include, exclude: binding.exclude, readsValues: binding.target.capabilities.readsValues });
    }
    const size = target.snapshot.entries.size + target.owned.size;
    sizes.set(binding.id, size);
    const keeping = keep(target);
    if (keeping === "whole") {
      loaded.set(binding.id, target);
    } else if (keeping === "keys") {
      // The target keeps what it learnt from this read (as for a whole one): it is not read again.
      loaded.set(binding.id, { snapshot: target.snapshot, recordsDropped: true });
    } else {
      // Dropped until planned, where it is read again: the target must not keep its read meanwhile.
      binding.target.release?.();
    }
  }

  /**
   * Metadata-first full read of a source that lists versions: list (key, version), then read the
   * value of a key only where some Deployment could plan anything but "unchanged" from it
   * (`AppliedVersions.needsValue`, once every target is folded). The others are planned from
   * what was applied. The listing was started as soon as one Deployment showed it applied from
   * the source; a source none has applied from is read whole instead (`readSources`), which is
   * cheaper than a listing followed by reading everything.
   */
  private async readListed(
    source: SecretSource,
    applied: AppliedVersions,
    listed: Promise<readonly ListedVersion[] | undefined>,
    reads: SourceReadSet,
  ): Promise<void> {
    const listing = await listed;
    if (listing === undefined) return;
    const toRead = listing.filter((entry) => applied.needsValue(entry)).map((entry) => entry.key);
    await reads.completeFromListing(source, listing, toRead);
  }

  /** The target loaded, or why it could not be: the Deployment then fails on its own when planned. */
  private async tryLoadTarget(
    binding: DeploymentBinding,
    shared: SharedStrings,
    owns?: (binding: DeploymentBinding, owned: ReadonlyMap<KeyString, StateRecord>) => void,
    admit?: (owned: ReadonlyMap<KeyString, StateRecord>) => Promise<void>,
  ): Promise<LoadedTarget | { readonly error: unknown }> {
    try {
      return await this.loadTarget(binding, shared, owns, admit);
    } catch (error) {
      return { error };
    }
  }

  /**
   * Reads the target and what afsync owns there, its records on the run's strings (`shared`);
   * `owns` hears of the records as soon as they are known, and `admit` is awaited then, before
   * the target is read where the records are known first (the fold's memory budget).
   */
  private async loadTarget(
    binding: DeploymentBinding,
    shared = new SharedStrings(),
    owns?: (binding: DeploymentBinding, owned: ReadonlyMap<KeyString, StateRecord>) => void,
    admit?: (owned: ReadonlyMap<KeyString, StateRecord>) => Promise<void>,
  ): Promise<LoadedTarget> {
    if (binding.target.capabilities.holdsState) {
      const snapshot = await binding.target.read(shared);
      const owned = shared.records(new Map((snapshot.manifest ?? []).map((r) => [r.key, r] as const)));
      owns?.(binding, owned);
      await admit?.(owned);
      return { snapshot, owned };
    }
    // Records kept apart from the target are known before its read: the source's listing can start.
    const owned = await this.storedRecords(binding, shared);
    owns?.(binding, owned);
    await admit?.(owned);
    return { snapshot: await binding.target.read(shared), owned };
  }

  /** A Deployment's records from the state store (a target without `holdsState`), on the run's strings. */
  private async storedRecords(binding: DeploymentBinding, shared: SharedStrings): Promise<ReadonlyMap<KeyString, StateRecord>> {
    const { state } = this.deps;
    return state.loadShared === undefined ? shared.records(await state.load(binding.id)) : await state.loadShared(binding.id, shared);
  }

  private async planOne(
    binding: DeploymentBinding,
    hinted: readonly AirflowKey[],
    reads: SourceReadSet,
    trigger: Trigger,
    options: RunOptions,
    pins: PinPlan,
    shared: SharedStrings,
    resolutions: SharedResolutions,
    scopes: SharedScope,
    loaded: FoldedTarget | undefined,
    withClaims: boolean,
    runTime: () => string,
    early?: EarlyPlan,
  ): Promise<Planned> {
    try {
      if (loaded !== undefined && "error" in loaded) throw loaded.error;
      for (const source of binding.sources) {
        const failure = reads.failure(source.id);
        if (failure !== undefined) return { binding, error: `source ${source.id} could not be listed: ${failure}` };
      }
      const scopeOf = (owned: ReadonlyMap<KeyString, StateRecord>): ReadonlyMap<KeyString, AirflowKey> => {
        if (trigger.kind === "hints") {
          // Hinted keys were selected by the Deployment's include/exclude globs when they were read.
          return new Map(hinted.map((key) => [keyString(key), key] as const));
        }
        return scopes.scopeOf(binding, owned, () => {
          const scope = new Map<KeyString, AirflowKey>();
          const select = (ks: KeyString, key: AirflowKey) => {
            if (isKeySelected(ks, binding.include, binding.exclude)) scope.set(ks, key);
          };
          for (const source of binding.sources) for (const [ks, key] of reads.keysOf(source.id)) select(ks, key);
          for (const ks of owned.keys()) {
            // Most owned keys are a source's too: already in scope, not parsed again.
            if (scope.has(ks)) continue;
            const key = parseKeyString(ks);
            if (key !== null) select(ks, key);
          }
          return scope;
        });
      };
      // A key set the fold kept alone gets its records from the store again, not from a new read.
      const target =
        loaded === undefined
          ? await this.loadTarget(binding, shared)
          : "recordsDropped" in loaded
            ? { snapshot: loaded.snapshot, owned: await this.storedRecords(binding, shared) }
            : loaded;
      const plan = await this.planKeys(
        binding,
        scopeOf,
        reads,
        options,
        target,
        pins.active,
        target === loaded ? early : undefined,
        resolutions,
        runTime,
      );
      if (!withClaims) return { binding, items: plan.items, owned: plan.owned, pins };
      const claimed = new Set<KeyString>(plan.resolutions.filter((r) => r.outcome.kind !== "absent").map((r) => r.keyString));
      for (const item of plan.items) if (item.delete !== undefined) claimed.add(item.change.key);
      return { binding, items: plan.items, owned: plan.owned, claimed, pins };
    } catch (error) {
      return { binding, error: errorMessage(error) };
    }
  }

  /**
   * The planner's one front end: reads the target and what afsync owns there, resolves precedence
   * for the keys in scope, and plans them. A sync applies the items; explain renders the whole
   * plan. Throws when the target or the state cannot be read.
   */
  private async planKeys(
    binding: DeploymentBinding,
    scopeOf: (owned: ReadonlyMap<KeyString, StateRecord>) => ReadonlyMap<KeyString, AirflowKey>,
    reads: SourceReadSet,
    options: RunOptions,
    loaded?: LoadedTarget,
    pins: ReadonlyMap<KeyString, VersionPin> = new Map(),
    early?: EarlyPlan,
    shared?: SharedResolutions,
    /** The run's stamp for new records (see `run`); a plan made alone (explain) takes the time now. */
    runTime: () => string = () => this.now(),
  ): Promise<DeploymentPlan> {
    const { snapshot, owned } = loaded ?? (await this.loadTarget(binding));
    // Keys planned while the pages landed, from the very read the run kept for them (`early` is
    // only made for one-source Deployments planned from their loaded target).
    const known = new Map<Resolution, PlanItem | null>();
    const only = binding.sources.length === 1 ? binding.sources[0] : undefined;
    // Straight from the scope's iterator: a spread held an entry pair per key until the last key
    // was resolved, long enough to reach the old generation (about 0.5 MB per 10,000 keys).
    const resolutions = Array.from(scopeOf(owned), ([ks, key]) => {
      const planned = early?.keys.get(ks);
      if (planned !== undefined && only !== undefined && !pins.has(ks) && reads.get(only.id, ks) === planned.read) {
        known.set(planned.resolution, planned.item);
        return planned.resolution;
      }
      const pin = pins.get(ks);
      const record = owned.get(ks);
      // A key pinned by a rollback answers from the pin, not the run's reads: never shared.
      const sharing = shared !== undefined && pin === undefined;
      const held = sharing ? shared.find(ks, record, binding.sources, reads) : undefined;
      if (held !== undefined) return held;
      const resolution = resolvePrecedence(
        key,
        binding.sources.map((s) =>
          pin?.sourceId === s.id ? { sourceId: s.id, read: pinnedRead(pin, reads, key) } : answerOf(s, reads, ks, record),
        ),
        this.hash,
        ks,
      );
      if (sharing) shared.keep(ks, record, binding.sources, reads, resolution);
      return resolution;
    });
    const items = planDeployment({
      resolutions,
      targetEntries: snapshot.entries,
      targetReadsValues: binding.target.capabilities.readsValues,
      owned,
      deletion: binding.deletion,
      adopt: binding.adopt,
      ...observedAbove(
        binding,
        resolutions.map((r) => r.keyString),
        reads,
        this.hash,
        this.deps.logger,
      ),
      hash: this.hash,
      now: early?.now ?? runTime(),
      showSecrets: options.showSecrets ?? false,
      keyProblems: checkPlannedKeys(binding.target, resolutions, snapshot.entries),
      known,
    });
    return { binding, snapshot, owned, resolutions, items };
  }
}

/**
 * A source's answer for a key: what was read, or, for a key held as listed (value not read),
 * the hash afsync applied at that version. A listed key this Deployment has not applied at that
 * version would be a planner bug (`needsValue` reads those): it answers as unreadable, so
 * nothing changes, rather than as missing, which would delete it.
 */
function answerOf(source: SecretSource, reads: SourceReadSet, ks: KeyString, record: StateRecord | undefined) {
  const read = asDeclared(source, reads.get(source.id, ks));
  const listed = reads.listedOnly(source.id, ks);
  if (read !== undefined || listed === undefined) return { sourceId: source.id, read };
  if (record?.sourceId === source.id && record.version === listed.version.id && record.hash !== PENDING_HASH)
    return { sourceId: source.id, read: undefined, listed: { secretId: listed.secretId, version: listed.version, hash: record.hash } };
  const reason = "listed at a version this Deployment has not applied, and its value was not read";
  return { sourceId: source.id, read: { status: "error", key: listed.key, secretId: listed.secretId, reason } satisfies SourceRead };
}

/** Runs `task` over `items`, at most `limit` at once. */
async function forEachAtOnce<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A rollback's run: planned like an event run over its one key (the scope comes from `readForRollback`). */
const ROLLBACK_SCOPE: Trigger = { kind: "hints", hints: [] };

function sourcesOf(binding: DeploymentBinding): SecretSource[] {
  const backend = binding.observe?.secretsBackend;
  return backend === undefined ? [...binding.sources] : [...binding.sources, backend];
}

function distinctSources(bindings: readonly DeploymentBinding[]): SecretSource[] {
  return [...new Set(bindings.flatMap(sourcesOf))];
}

/**
 * A read as its source's capabilities vouch for it: a source that does not declare ordered
 * versions (`capabilities.orderedVersions`) gives no order to compare, so the planner never
 * refuses one of its values as "older" on the strength of an order the provider does not promise.
 */
function asDeclared(source: SecretSource, read: SourceRead | undefined): SourceRead | undefined {
  if (source.capabilities.orderedVersions || read === undefined || !("version" in read) || read.version?.order === undefined) return read;
  const { order: _unordered, ...version } = read.version;
  return { ...read, version };
}
