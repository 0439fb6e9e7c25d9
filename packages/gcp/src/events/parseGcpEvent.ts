import type { ChangeAction, ChangeHint, EventParser } from "@afsync/core";
import { quoteReceivedName, UnrecognizedEventError } from "@afsync/core";
import { parseSecretResourceName } from "../secretResourceName.ts";
import { MESSAGE_PUBLISHED, type PubSubMessage, pubSubMessageOf } from "./pubSubDelivery.ts";

// A Secret Manager notification type (`SECRET_VERSION_ADD`), for quoting in errors.
const SECRET_MANAGER_EVENT_TYPE = /^[A-Z][A-Z0-9_]*$/;

export const GCP_SECRET_MANAGER = "gcp-secret-manager";

interface Mapped {
  readonly action: ChangeAction;
  readonly reason: string;
  /** Pin the read to the version the event names. */
  readonly pin?: boolean;
}

/**
 * Turns a Secret Manager notification into change hints: a Pub/Sub push body, a
 * `messagePublished` CloudEvent, or an array of either. Quirks handled here:
 * - `secretId` names the project by NUMBER (`projects/1019248048664/secrets/x`); the source
 *   matches it on the secret name (and on `project_number` when configured);
 * - `TOPIC_CONFIGURED` is a test message with no secretId, sent before the write is known to
 *   have succeeded;
 * - the `data` payload is informational only (one captured fixture's `data.name` even disagrees
 *   with its `versionId`): the attributes say what changed, and values are always re-read;
 * - `SECRET_ROTATE` is a reminder: Secret Manager changes no value.
 */
export function parseGcpEvent(event: unknown): ChangeHint[] {
  if (Array.isArray(event)) return event.flatMap((e, i) => parseOne(e, `[${i}]`));
  return parseOne(event, "event");
}

function parseOne(event: unknown, where: string): ChangeHint[] {
  const message = pubSubMessageOf(event, where);
  const eventType = message.attributes.eventType;
  if (eventType === undefined)
    throw new UnrecognizedEventError(`${where}: message.attributes.eventType is missing; not a Secret Manager notification`);
  if (eventType === "TOPIC_CONFIGURED")
    return [
      {
        provider: GCP_SECRET_MANAGER,
        secretId: "",
        action: "ignore",
        reason: "TOPIC_CONFIGURED is Secret Manager's test message when a secret's topics are set; it names no secret",
      },
    ];
  const secretId = message.attributes.secretId;
  if (secretId === undefined)
    throw new UnrecognizedEventError(
      `${where}: message.attributes.secretId is missing on a ${quoteReceivedName(eventType, SECRET_MANAGER_EVENT_TYPE)} notification`,
    );
  const secret = parseSecretResourceName(secretId);
  if (secret === null || secret.version !== undefined)
    throw new UnrecognizedEventError(
      `${where}: message.attributes.secretId is not a secret resource name (projects/{project}/secrets/{id})`,
    );
  const mapped = mapEventType(eventType);
  const version = mapped.pin === true ? versionOf(message, secretId) : undefined;
  return [
    {
      provider: GCP_SECRET_MANAGER,
      secretId,
      action: mapped.action,
      ...(version !== undefined ? { version } : {}),
      reason: mapped.reason.replace("{v}", version ?? versionOf(message, secretId) ?? "?"),
    },
  ];
}

function mapEventType(eventType: string): Mapped {
  switch (eventType) {
    case "SECRET_VERSION_ADD":
      return { action: "upsert", reason: "new version {v}", pin: true };
    case "SECRET_VERSION_ENABLE":
      return { action: "upsert", reason: "version {v} enabled (or its scheduled destruction cancelled)", pin: true };
    case "SECRET_VERSION_DISABLE":
      return { action: "upsert", reason: "version {v} disabled: re-read what latest now is" };
    case "SECRET_VERSION_DESTROY":
      return { action: "upsert", reason: "version {v} destroyed: re-read what latest now is" };
    case "SECRET_VERSION_DESTROY_SCHEDULED":
      return { action: "upsert", reason: "version {v} disabled and scheduled for destruction: re-read what latest now is" };
    case "SECRET_DELETE":
      return { action: "delete", reason: "secret deleted (by request or on expiry)" };
    case "SECRET_ROTATE":
      return {
        action: "notice",
        reason: "rotation reminder: Secret Manager changes no value; the rotator's new version arrives as SECRET_VERSION_ADD",
      };
    case "SECRET_CREATE":
      return { action: "ignore", reason: "secret created without a value; its first version arrives as SECRET_VERSION_ADD" };
    case "SECRET_UPDATE":
      return { action: "ignore", reason: "secret metadata changed (labels, topics, rotation, expiry), not its value" };
    default:
      return { action: "ignore", reason: `${eventType} is not a Secret Manager event afsync acts on` };
  }
}

/** The version number from the `versionId` attribute, when it names a version of this very secret. */
function versionOf(message: PubSubMessage, secretId: string): string | undefined {
  const versionId = message.attributes.versionId;
  if (versionId === undefined || !versionId.startsWith(`${secretId}/versions/`)) return undefined;
  const version = parseSecretResourceName(versionId)?.version;
  return version !== undefined && /^\d+$/.test(version) ? version : undefined;
}

/** A Pub/Sub push body (`{message, subscription}`) or a messagePublished CloudEvent, alone or in an array. */
export function isGcpEvent(event: unknown): boolean {
  if (Array.isArray(event)) return event.length > 0 && event.every(isGcpEvent);
  if (typeof event !== "object" || event === null) return false;
  const e = event as Record<string, unknown>;
  if (e.type === MESSAGE_PUBLISHED) return true;
  return typeof e.message === "object" && e.message !== null && e.specversion === undefined;
}

/**
 * The GCP entry of the runtime's event parser registry (Secret Manager notifications via Pub/Sub).
 * `expects` is a getter: a template built from an import at module scope is a statement esbuild
 * must keep, which would keep this parser in bundles built without it (`eventParsers`).
 */
export const gcpEventParser: EventParser = {
  provider: "gcp",
  get expects() {
    return `a Pub/Sub push body {"message", "subscription"} or a ${MESSAGE_PUBLISHED} CloudEvent`;
  },
  detect: isGcpEvent,
  parse: (event) => parseGcpEvent(event),
};
