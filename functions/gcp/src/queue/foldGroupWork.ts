import type { Logger } from "@afsync/core";
import { mapWithConcurrency } from "@afsync/core/source/mapWithConcurrency";
import { runWorkerBatch, type WorkerDeps } from "@afsync/runtime/worker/runWorkerBatch";
import type { DeploymentWorkSubscriptions, PulledWorkMessage } from "./PubSubWorkSubscriptions.ts";
import { PullBudget } from "./PullBudget.ts";

export interface FoldOptions {
  /** Messages asked for a Pull (1,000: one page; a full page means more may be waiting). */
  readonly pullSize: number;
  /** Messages folded into one run, at most, over the whole group: the rest wait for the next doorbell. */
  readonly maxMessages: number;
}

export const DEFAULT_FOLD_OPTIONS: FoldOptions = { pullSize: 1000, maxMessages: 10_000 };

/**
 * Members pulled at once. A doorbell with nothing waiting costs one Pull per member, and one
 * after another they made a group of 20 wait 20 round trips before its run could start; bounded
 * so a large group does not open a connection per member.
 */
export const MEMBER_PULLS_AT_ONCE = 8;

export interface FoldOutcome {
  /** Work messages pulled and folded into the run, the group's (0: nothing was waiting for the rung Deployment, no run). */
  readonly pulled: number;
  /** Of those, handed back to their subscriptions because their Deployment's run failed. */
  readonly handedBack: number;
  /** Of those handed back, the rung Deployment's own: its doorbell must be answered with a failure, so it comes again. */
  readonly rungHandedBack: number;
  /** The Deployments whose work was folded into the run (the rung one first). */
  readonly folded: readonly string[];
  /** Deployments of the group whose Pull failed (all or part of their work left for their own doorbells). */
  readonly unpulled: readonly string[];
}

/**
 * What a doorbell makes the worker do (ADR 008, ADR 012): pull everything waiting on the rung
 * Deployment's work subscription (pages of `pullSize` while they come back full); nothing there →
 * no run (the work was folded into an earlier run of the group). Otherwise also pull the other
 * `members` of its sharing group, run the engine ONCE for all of it through the runtime's batch
 * loop (which reads each shared source once for all of them), then acknowledge on each
 * Deployment's own subscription what succeeded and hand back what failed (its lease ends now).
 *
 * Nothing is acknowledged before the run, so a worker killed mid-run loses nothing: its leases run
 * out and the messages come back. The doorbells' ordering key is the group, so no other fold
 * touches these Deployments meanwhile. A failed Pull of another member folds the rest without it:
 * what that Pull may have leased comes back when the lease runs out, and the member's own doorbell
 * (published after its work, under the same key) is still queued behind this one.
 */
export async function foldGroupWork(
  rung: string,
  members: readonly string[],
  subscriptions: DeploymentWorkSubscriptions,
  deps: WorkerDeps,
  options: FoldOptions = DEFAULT_FOLD_OPTIONS,
): Promise<FoldOutcome> {
  const { messages: own, error } = await pullWaiting(rung, new PullBudget(options.maxMessages), subscriptions, options);
  // The rung Deployment's Pull failing before anything came back: the doorbell is answered 500 and comes again.
  if (error !== undefined && own.length === 0) throw error;
  if (own.length === 0) return { pulled: 0, handedBack: 0, rungHandedBack: 0, folded: [], unpulled: [] };
  const unpulled: string[] = [];
  if (error !== undefined) {
    unpulled.push(rung);
    logPullFailed(deps.logger, rung, rung, error);
  }
  const pulled = new Map<string, PulledWorkMessage[]>([[rung, own]]);
  const others = members.filter((member) => member !== rung);
  const total = await pullMembers(others, pulled, unpulled, subscriptions, options, (member, failure) =>
    logPullFailed(deps.logger, rung, member, failure),
  );
  const { handedBackBy } = await runAndSettle(pulled, subscriptions, deps);
  const handedBack = [...handedBackBy.values()].reduce((sum, n) => sum + n, 0);
  const rungHandedBack = handedBackBy.get(rung) ?? 0;
  return { pulled: total, handedBack, rungHandedBack, folded: [...pulled.keys()], unpulled };
}

/** What a group doorbell's fold did; the doorbell succeeded only if nothing was handed back and every Pull succeeded. */
export interface GroupFoldOutcome {
  /** Work messages pulled and folded into the run (0: nothing waiting anywhere, or every Pull failed; no run). */
  readonly pulled: number;
  /** Of those, handed back to their subscriptions because their Deployment's run failed. */
  readonly handedBack: number;
  /** The Deployments whose work was folded into the run. */
  readonly folded: readonly string[];
  /** Deployments whose Pull failed (all or part of their work left on their subscription). */
  readonly unpulled: readonly string[];
  /** The fold reached `maxMessages`: work may still wait, which only this doorbell's redelivery is sure to take. */
  readonly capped: boolean;
}

/**
 * What a group doorbell makes the worker do (ADR 012, one doorbell per group per producer call):
 * pull every member's work subscription (pages of `pullSize` while they come back full, at most
 * `maxMessages` over the group); nothing anywhere → no run. Otherwise ONE run for all of it
 * through the runtime's batch loop, then acknowledge on each Deployment's subscription what
 * succeeded and hand back what failed.
 *
 * The group's other doorbells carry no promise to come after this one (a burst rings the group
 * once per producer call, not once per Deployment), so a failure is the doorbell's: the caller
 * answers 500 when anything was handed back, a Pull failed or the cap was reached, and the
 * redelivery finds exactly the work left (what succeeded was acknowledged). An empty doorbell
 * costs one Pull per member.
 */
export async function foldEveryMember(
  members: readonly string[],
  subscriptions: DeploymentWorkSubscriptions,
  deps: WorkerDeps,
  options: FoldOptions = DEFAULT_FOLD_OPTIONS,
): Promise<GroupFoldOutcome> {
  const pulled = new Map<string, PulledWorkMessage[]>();
  const unpulled: string[] = [];
  const total = await pullMembers(members, pulled, unpulled, subscriptions, options, (member, error) =>
    deps.logger.log("warn", "group doorbell: a Pull failed; the run folds what came back and the doorbell is redelivered", {
      pulledFor: member,
      error,
    }),
  );
  if (total === 0) return { pulled: 0, handedBack: 0, folded: [], unpulled, capped: false };
  const { handedBackBy } = await runAndSettle(pulled, subscriptions, deps);
  const handedBack = [...handedBackBy.values()].reduce((sum, n) => sum + n, 0);
  return { pulled: total, handedBack, folded: [...pulled.keys()], unpulled, capped: total >= options.maxMessages };
}

/**
 * One run of the batch loop over everything pulled, then each Deployment's messages settled on its
 * own subscription (an ackId is valid only there): acknowledged, or handed back if its run failed.
 * Every settlement is tried before a failure is reported, so one failed call holds back no other;
 * what was not acknowledged comes back when its lease runs out and is applied again (a no-op).
 */
async function runAndSettle(
  pulled: ReadonlyMap<string, readonly PulledWorkMessage[]>,
  subscriptions: DeploymentWorkSubscriptions,
  deps: WorkerDeps,
): Promise<{ handedBackBy: ReadonlyMap<string, number> }> {
  const all = [...pulled.values()].flat();
  const failed = new Set(
    await runWorkerBatch(
      all.map((m) => ({ messageId: m.messageId, body: m.body })),
      deps,
    ),
  );
  const handedBackBy = new Map<string, number>();
  const settled = await Promise.allSettled(
    [...pulled].map(async ([deployment, messages]) => {
      const done = messages.filter((m) => !failed.has(m.messageId)).map((m) => m.ackId);
      const again = messages.filter((m) => failed.has(m.messageId)).map((m) => m.ackId);
      handedBackBy.set(deployment, again.length);
      if (done.length > 0) await subscriptions.acknowledge(deployment, done);
      if (again.length > 0) await subscriptions.handBack(deployment, again);
    }),
  );
  const refused = settled.find((s) => s.status === "rejected");
  if (refused !== undefined) throw refused.reason;
  return { handedBackBy };
}

/**
 * Pulls `members` into `pulled`, up to MEMBER_PULLS_AT_ONCE at once (a member with nothing
 * waiting gets no entry), until the group's `maxMessages` is reached, counting what `pulled` held
 * already; a member whose Pull failed goes to `unpulled`, with what it leased before failing kept
 * in `pulled`. Each page reserves its share of the cap before it is asked for, in member order,
 * so the cap reaches the members in the order given. Returns the messages `pulled` now holds.
 */
async function pullMembers(
  members: readonly string[],
  pulled: Map<string, PulledWorkMessage[]>,
  unpulled: string[],
  subscriptions: DeploymentWorkSubscriptions,
  options: FoldOptions,
  onPullFailed: (member: string, error: unknown) => void,
): Promise<number> {
  const held = () => [...pulled.values()].reduce((sum, messages) => sum + messages.length, 0);
  const budget = new PullBudget(options.maxMessages - held());
  const results = await mapWithConcurrency(members, MEMBER_PULLS_AT_ONCE, (member) => pullWaiting(member, budget, subscriptions, options));
  // Recorded in member order, whatever order the Pulls came back in.
  for (const [i, member] of members.entries()) {
    const { messages, error } = results[i] ?? { messages: [] };
    if (error !== undefined) {
      unpulled.push(member);
      onPullFailed(member, error);
    }
    if (messages.length > 0) pulled.set(member, messages);
  }
  return held();
}

/**
 * What is waiting for a Deployment, page after full page, as far as `budget` allows. A Pull that
 * fails ends it with the pages already leased, which are then folded rather than left leased
 * until their deadline.
 */
async function pullWaiting(
  deployment: string,
  budget: PullBudget,
  subscriptions: DeploymentWorkSubscriptions,
  options: FoldOptions,
): Promise<{ messages: PulledWorkMessage[]; error?: unknown }> {
  const messages: PulledWorkMessage[] = [];
  for (;;) {
    const asked = budget.reserve(options.pullSize);
    if (asked === 0) break;
    let page: PulledWorkMessage[];
    try {
      page = await subscriptions.pull(deployment, asked);
    } catch (error) {
      budget.release(asked);
      return { messages, error };
    }
    budget.release(asked - page.length);
    messages.push(...page);
    // Pull may return fewer than are waiting; a short page ends the pull, and whatever it left
    // is bounded by the next doorbell (each work message has one after it) or reconciliation.
    if (page.length < asked) break;
  }
  return { messages };
}

/** What the failed Pull left (or leased) waits for the Deployment's next doorbell: one is queued behind each work message. */
function logPullFailed(logger: Logger, rung: string, pulledFor: string, error: unknown): void {
  logger.log("warn", "doorbell: a Pull failed; the run folds what came back, the rest waits for the Deployment's next doorbell", {
    deployment: rung,
    pulledFor,
    error,
  });
}
