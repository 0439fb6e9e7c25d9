import type { ChangeHint, EventParser } from "@afsync/core";
import { quoteReceivedName, UnrecognizedEventError } from "@afsync/core";
import { type EventGridEventView, isObject, viewEvent } from "./eventGridShapes.ts";
import { type KeyVaultEventData, readKeyVaultEventData } from "./keyVaultEventData.ts";

// An Event Grid event type (`Microsoft.KeyVault.SecretNewVersionCreated`), for quoting in errors.
const EVENT_GRID_TYPE = /^Microsoft(\.[A-Za-z]+)+$/;

export const AZURE_KEY_VAULT_PROVIDER = "azure-key-vault";

const VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent";

/** What one Event Grid HTTP delivery is: the subscription handshake, or events that give hints. */
export type EventGridDelivery =
  | { readonly kind: "handshake"; readonly validationCode: string; readonly validationUrl?: string }
  | { readonly kind: "events"; readonly hints: ChangeHint[] };

/**
 * Reads an Event Grid delivery: a JSON array of events (Event Grid always sends an array and may
 * batch several), a CloudEvents 1.0 event or batch, or one bare event as the docs print them.
 * A `SubscriptionValidationEvent` is the subscription's handshake, not a change: the endpoint
 * must echo its code (answerSubscriptionValidation). Anything else becomes hints.
 */
export function parseEventGridDelivery(body: unknown): EventGridDelivery {
  const events = Array.isArray(body) ? body.map((e, i) => ({ e, where: `[${i}]` })) : [{ e: body, where: "event" }];
  if (events.length === 0) throw new UnrecognizedEventError("event: an empty array is not an Event Grid delivery");
  const views = events.map(({ e, where }) => viewEvent(e, where));
  const handshake = views.find((v) => v.type === VALIDATION);
  if (handshake !== undefined) {
    if (views.length > 1)
      throw new UnrecognizedEventError(
        `${handshake.where}: a SubscriptionValidationEvent arrives alone, not in a batch of ${views.length}`,
      );
    const code = handshake.data.validationCode;
    if (typeof code !== "string" || code === "")
      throw new UnrecognizedEventError(`${handshake.where}.data.validationCode: expected a non-empty string`);
    const url = handshake.data.validationUrl;
    return { kind: "handshake", validationCode: code, ...(typeof url === "string" ? { validationUrl: url } : {}) };
  }
  return { kind: "events", hints: views.map(hintFor) };
}

/**
 * The change hints of an Event Grid delivery from Key Vault (the parser `afsync event parse`
 * and every Azure entry point share). The subscription handshake gives no hint.
 */
export function parseAzureKeyVaultEvent(body: unknown): ChangeHint[] {
  const delivery = parseEventGridDelivery(body);
  return delivery.kind === "events" ? delivery.hints : [];
}

/** Whether a parsed JSON body looks like an Event Grid delivery (for a registry that detects the provider). */
export function looksLikeEventGrid(body: unknown): boolean {
  const first = Array.isArray(body) ? body[0] : body;
  if (!isObject(first)) return false;
  const type = typeof first.eventType === "string" ? first.eventType : typeof first.type === "string" ? first.type : "";
  return type.startsWith("Microsoft.KeyVault.") || type.startsWith("Microsoft.EventGrid.");
}

function hintFor(view: EventGridEventView): ChangeHint {
  const type = view.type;
  if (type === "Microsoft.KeyVault.VaultAccessPolicyChanged") {
    const vault = typeof view.data.VaultName === "string" ? view.data.VaultName : view.topic || view.subject;
    return ignore(vault, "VaultAccessPolicyChanged concerns the vault's access policy, not a secret's value");
  }
  if (type.startsWith("Microsoft.EventGrid.")) return ignore(view.subject || view.topic, `${type} is Event Grid housekeeping`);
  if (/^Microsoft\.KeyVault\.(Key|Certificate)/.test(type)) {
    const data = readKeyVaultEventData(view.data, view.where);
    return ignore(secretIdOf(data), `${type} concerns a key or certificate; Airflow reads secrets only`);
  }
  if (!type.startsWith("Microsoft.KeyVault.Secret"))
    throw new UnrecognizedEventError(
      `${view.where}.${view.schema === "cloudevents" ? "type" : "eventType"}: ${quoteReceivedName(type, EVENT_GRID_TYPE)} is not a Key Vault event`,
    );
  const data = readKeyVaultEventData(view.data, view.where);
  if (data.objectType !== undefined && data.objectType.toLowerCase() !== "secret")
    return ignore(secretIdOf(data), `${type} names an object of type ${data.objectType}, not a secret`);
  const secretId = secretIdOf(data);
  switch (type) {
    case "Microsoft.KeyVault.SecretNewVersionCreated":
      // Covers both a new secret and a new value; read exactly the announced version.
      return { provider: AZURE_KEY_VAULT_PROVIDER, secretId, version: data.version, action: "upsert" };
    case "Microsoft.KeyVault.SecretNearExpiry":
      return notice(secretId, data, `the current version expires${at(data.exp)} (Key Vault warns 30 days ahead): rotate it`);
    case "Microsoft.KeyVault.SecretExpired":
      return notice(secretId, data, `the current version expired${at(data.exp)}: rotate it`);
    default:
      throw new UnrecognizedEventError(
        `${view.where}: ${quoteReceivedName(type, EVENT_GRID_TYPE)} is not a Key Vault secret event afsync understands`,
      );
  }
}

/** The versionless secret URL: names the vault too, so a source can refuse another vault's events. */
function secretIdOf(data: KeyVaultEventData): string {
  const base = data.id.replace(/\/secrets\/.*$/, "").replace(/\/(keys|certificates)\/.*$/, "");
  const collection = /\/(secrets|keys|certificates)\//.exec(data.id)?.[1] ?? "secrets";
  return `${base}/${collection}/${data.objectName}`;
}

function at(exp: number | undefined): string {
  return exp === undefined ? "" : ` at ${new Date(exp * 1000).toISOString()}`;
}

function notice(secretId: string, data: KeyVaultEventData, reason: string): ChangeHint {
  return { provider: AZURE_KEY_VAULT_PROVIDER, secretId, version: data.version, action: "notice", reason };
}

function ignore(secretId: string, reason: string): ChangeHint {
  return { provider: AZURE_KEY_VAULT_PROVIDER, secretId, action: "ignore", reason };
}

/** The Azure entry of the runtime's event parser registry (Key Vault events via Event Grid, both schemas). */
export const azureEventParser: EventParser = {
  provider: "azure",
  expects: "an Event Grid event or CloudEvent (or an array of them) of a Microsoft.KeyVault.* or Microsoft.EventGrid.* type",
  detect: looksLikeEventGrid,
  parse: (event) => parseAzureKeyVaultEvent(event),
};
