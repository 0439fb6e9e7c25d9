import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { DEPLOYMENT_ATTRIBUTE, DEPLOYMENTS_ATTRIBUTE, DOORBELL_ATTRIBUTE, GROUP_ATTRIBUTE } from "../queue/PubSubSyncQueue.ts";
import type { GcpWorkerDeps, LoadGcpWorkerDeps } from "../runtime/GcpFunctionDeps.ts";
import { refuseUnverifiedToken } from "./refuseUnverifiedToken.ts";

/**
 * The ordered push subscription of the sync topic → the worker, one message per request (Pub/Sub
 * holds the Deployment's next message until this one is acknowledged). Two kinds of message:
 * - a sync message (data = the message): the runtime's batch loop runs it;
 * - a group doorbell (attributes `afsync-doorbell` and `afsync-deployments`, no data; ADR 012):
 *   the worker waits out the batching window, pulls every member's work subscription and folds
 *   all of it into one run (`foldEveryMember`); nothing anywhere → acknowledged without a run; a
 *   member's run or Pull that failed → 500, so the doorbell comes again for what is left;
 * - a Deployment's doorbell (`afsync-doorbell` without `afsync-deployments`: a producer deployed
 *   before group doorbells; ADR 008): pulls the Deployment's work subscription and, if anything
 *   waits there, the other subscriptions of its sharing group (`foldGroupWork`); nothing waiting
 *   for the Deployment → acknowledged without a run.
 * 204 acknowledges; 500 nacks, so Pub/Sub redelivers it, then dead-letters it after the policy's
 * attempts. A body that is not a push delivery did not come from the subscription: 400.
 */
export function createWorkerFunction(load: LoadGcpWorkerDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    const deps = await load();
    if (await refuseUnverifiedToken(req, res, deps.verifyToken, deps.logger)) return;
    const pushed = pushedMessageOf(req.body);
    if (typeof pushed === "string") {
      deps.logger.log("error", "worker request is not a Pub/Sub push", { reason: pushed });
      res.status(400).json({ error: pushed });
      return;
    }
    if (pushed.kind === "doorbell") return doorbell(deps, pushed, res);
    // Imported on use, not at the top: the batch loop's decoder is zod, which the instance's start
    // need not evaluate (the first run loads it once).
    const { runWorkerBatch } = await import("@afsync/runtime/worker/runWorkerBatch");
    const failures = await runWorkerBatch([pushed.record], deps);
    if (failures.length > 0) {
      res.status(500).json({ error: "sync failed; Pub/Sub will redeliver", messageId: pushed.record.messageId });
      return;
    }
    res.status(204).end();
  };
}

async function doorbell(deps: GcpWorkerDeps, rung: Doorbell, res: Response): Promise<void> {
  if (deps.workSubscriptions === undefined) {
    deps.logger.log("error", "a doorbell arrived but the worker has no work subscriptions (AFSYNC_WORK_SUBSCRIPTION_PREFIX)", {
      deployment: rung.deployment,
    });
    res.status(500).json({ error: "work subscriptions are not configured" });
    return;
  }
  const windowMs = deps.batchingWindowMs ?? 0;
  if (windowMs > 0 && deps.clock !== undefined && deps.sleep !== undefined) {
    const wait = rung.publishedAtMs + windowMs - deps.clock.now().getTime();
    if (wait > 0) await deps.sleep(Math.min(wait, windowMs));
  }
  if (rung.named !== undefined) return groupDoorbell(deps, deps.workSubscriptions, { ...rung, named: rung.named }, res);
  const members = groupToFold(deps, rung);
  const { foldGroupWork } = await import("../queue/foldGroupWork.ts");
  let outcome: Awaited<ReturnType<typeof foldGroupWork>>;
  try {
    outcome = await foldGroupWork(rung.deployment, members, deps.workSubscriptions, deps);
  } catch (error) {
    // The rung Deployment's Pull, or an Acknowledge, that failed (a Deployment without its
    // subscription: NOT_FOUND). What was pulled and not acknowledged comes back when its lease
    // runs out; the doorbell is redelivered.
    deps.logger.log("error", "doorbell: a work subscription could not be pulled or acknowledged", {
      deployment: rung.deployment,
      group: rung.group,
      doorbell: rung.messageId,
      error,
    });
    res.status(500).json({ error: "work subscription call failed; Pub/Sub will redeliver the doorbell" });
    return;
  }
  deps.logger.log("info", outcome.pulled === 0 ? "doorbell: nothing waiting" : "doorbell: work folded into one run", {
    deployment: rung.deployment,
    group: rung.group,
    doorbell: rung.messageId,
    pulled: outcome.pulled,
    handedBack: outcome.handedBack,
    ...(outcome.pulled === 0 ? {} : { folded: outcome.folded }),
    ...(outcome.unpulled.length === 0 ? {} : { unpulled: outcome.unpulled }),
  });
  // Only the rung Deployment's failure fails the doorbell: another member's work handed back is
  // taken by that member's own doorbell, queued behind this one under the group's key, while a
  // redelivery of this one would find its own subscription empty and do nothing.
  if (outcome.rungHandedBack > 0) {
    res.status(500).json({ error: "sync failed; the work goes back to its subscription and the doorbell is redelivered" });
    return;
  }
  res.status(204).end();
}

async function groupDoorbell(
  deps: GcpWorkerDeps,
  subscriptions: NonNullable<GcpWorkerDeps["workSubscriptions"]>,
  rung: Doorbell & { readonly named: readonly string[] },
  res: Response,
): Promise<void> {
  const members = membersToFold(deps, rung);
  const { foldEveryMember } = await import("../queue/foldGroupWork.ts");
  let outcome: Awaited<ReturnType<typeof foldEveryMember>>;
  try {
    outcome = await foldEveryMember(members, subscriptions, deps);
  } catch (error) {
    // An Acknowledge or ModifyAckDeadline that failed: what was not acknowledged comes back when
    // its lease runs out; the doorbell is redelivered.
    deps.logger.log("error", "group doorbell: a work subscription could not be acknowledged", {
      group: rung.group,
      deployments: rung.named,
      doorbell: rung.messageId,
      error,
    });
    res.status(500).json({ error: "work subscription call failed; Pub/Sub will redeliver the doorbell" });
    return;
  }
  const failed = outcome.handedBack > 0 || outcome.unpulled.length > 0 || outcome.capped;
  deps.logger.log(
    failed ? "warn" : "info",
    outcome.pulled === 0 ? "group doorbell: nothing waiting" : "group doorbell: work folded into one run",
    {
      group: rung.group,
      deployments: rung.named,
      doorbell: rung.messageId,
      pulled: outcome.pulled,
      handedBack: outcome.handedBack,
      ...(outcome.pulled === 0 ? {} : { folded: outcome.folded }),
      ...(outcome.unpulled.length === 0 ? {} : { unpulled: outcome.unpulled }),
      ...(outcome.capped ? { capped: true } : {}),
    },
  );
  // Any member's failure fails the doorbell: no later doorbell of the group is sure to come for
  // that member's work, and the redelivery finds only what is left (the rest was acknowledged).
  if (failed) {
    res.status(500).json({ error: "work left on a member's subscription; Pub/Sub will redeliver the doorbell" });
    return;
  }
  res.status(204).end();
}

/**
 * The Deployments a group doorbell folds: the members this worker's config computes for the
 * doorbell's group id, plus every Deployment the doorbell names (ADR 012's config-change window:
 * the producer's config may have put another Deployment in the group). A group id this config
 * does not know folds the named Deployments; one the config does not know has no work
 * subscription here, so its Pull fails and the doorbell is redelivered, then dead-lettered: never
 * dropped.
 */
function membersToFold(deps: GcpWorkerDeps, rung: Doorbell & { readonly named: readonly string[] }): readonly string[] {
  const group = deps.sharingGroups?.get(rung.group);
  const configMembers = group?.id === rung.group ? group.members : [];
  const outside = rung.named.filter((d) => !configMembers.includes(d));
  if (outside.length > 0 && deps.sharingGroups !== undefined)
    deps.logger.log("warn", "group doorbell: names Deployments outside this config's group; folding them with it", {
      group: rung.group,
      configMembers,
      outside,
      doorbell: rung.messageId,
    });
  return [...configMembers, ...outside];
}

/**
 * The Deployments a doorbell folds: its sharing group in this worker's config when the doorbell
 * was ordered under that group's key (ADR 012). A doorbell ordered under another key — published
 * by a producer still on an older config, or before group keys (keyed by its Deployment) — is
 * serialized with that key's doorbells only, so folding this config's group could overlap a run
 * under the group's own key: it folds its own Deployment alone. A Deployment the config does not
 * know is folded alone too; the batch loop refuses its messages.
 */
function groupToFold(deps: GcpWorkerDeps, rung: Doorbell): readonly string[] {
  const group = deps.sharingGroups?.get(rung.deployment);
  if (group === undefined || group.members.length === 1) return [rung.deployment];
  if (group.id === rung.group) return group.members;
  deps.logger.log("warn", "doorbell: ordered under another key than this config's sharing group; folding its own Deployment only", {
    deployment: rung.deployment,
    group: rung.group,
    configGroup: group.id,
    doorbell: rung.messageId,
  });
  return [rung.deployment];
}

interface Doorbell {
  readonly kind: "doorbell";
  readonly deployment: string;
  /** The ordering key it was published under: its `afsync-group` attribute, else (a doorbell keyed by Deployment) the Deployment. */
  readonly group: string;
  /** A group doorbell's `afsync-deployments`: the Deployments it rang for; absent on a Deployment's doorbell. */
  readonly named?: readonly string[];
  readonly messageId: string;
  /** When Pub/Sub accepted the doorbell (its publishTime), epoch ms; NaN when absent. */
  readonly publishedAtMs: number;
}
type Pushed = { readonly kind: "sync"; readonly record: { messageId: string; body: string } } | Doorbell;

/**
 * The message inside a push body `{message: {data, attributes, messageId, publishTime}, subscription}`,
 * or what is missing. The data's decoding and schema are the batch loop's (a bad message is nacked there).
 */
function pushedMessageOf(body: unknown): Pushed | string {
  if (typeof body !== "object" || body === null || !("message" in body)) return 'body: expected a push body {"message", "subscription"}';
  const message = body.message;
  if (typeof message !== "object" || message === null) return "body.message: expected an object";
  const id = "messageId" in message ? message.messageId : "message_id" in message ? message.message_id : undefined;
  const messageId = typeof id === "string" ? id : "";
  const attributes =
    "attributes" in message && typeof message.attributes === "object" && message.attributes !== null ? message.attributes : {};
  if (DOORBELL_ATTRIBUTE in attributes) {
    const deployment = DEPLOYMENT_ATTRIBUTE in attributes ? attributes[DEPLOYMENT_ATTRIBUTE] : undefined;
    if (typeof deployment !== "string" || deployment === "")
      return `body.message.attributes: a doorbell without its ${DEPLOYMENT_ATTRIBUTE} attribute`;
    const group = GROUP_ATTRIBUTE in attributes ? attributes[GROUP_ATTRIBUTE] : undefined;
    const list = DEPLOYMENTS_ATTRIBUTE in attributes ? attributes[DEPLOYMENTS_ATTRIBUTE] : undefined;
    const named = typeof list === "string" ? list.split(",").filter((d) => d !== "") : [];
    const time = "publishTime" in message ? message.publishTime : "publish_time" in message ? message.publish_time : undefined;
    return {
      kind: "doorbell",
      deployment,
      group: typeof group === "string" && group !== "" ? group : deployment,
      ...(named.length === 0 ? {} : { named: named.includes(deployment) ? named : [deployment, ...named] }),
      messageId,
      publishedAtMs: typeof time === "string" ? Date.parse(time) : Number.NaN,
    };
  }
  const data = "data" in message ? message.data : undefined;
  if (typeof data !== "string") return "body.message.data: expected the base64 sync message";
  return { kind: "sync", record: { messageId, body: Buffer.from(data, "base64").toString("utf8") } };
}
