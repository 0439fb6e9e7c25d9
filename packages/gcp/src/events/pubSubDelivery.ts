import { quoteReceivedName, UnrecognizedEventError } from "@afsync/core";

// A CloudEvent type (`google.cloud.pubsub.topic.v1.messagePublished`), for quoting in errors.
const CLOUDEVENT_TYPE = /^[a-z][a-z0-9-]*(\.[A-Za-z0-9-]+)+$/;

export const MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished";

/** A Pub/Sub message as both delivery shapes carry it; only what afsync reads. */
export interface PubSubMessage {
  readonly attributes: Readonly<Record<string, string>>;
  /** base64 of the Secret / SecretVersion JSON; absent on TOPIC_CONFIGURED. */
  readonly data?: string;
  readonly messageId?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/**
 * The Pub/Sub message inside a delivery, whichever shape it came in:
 * - a push subscription's POST body, `{message, subscription}` (also the body of a binary-mode
 *   CloudEvent, whose envelope sits in `ce-*` headers);
 * - a structured `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent, `{specversion,
 *   type, source, id, data: {message, subscription}}`, as functions-framework hands it over.
 * Errors name the field and where, never its content.
 */
export function pubSubMessageOf(event: unknown, where: string): PubSubMessage {
  if (!isObject(event)) throw new UnrecognizedEventError(`${where}: expected a JSON object, got ${typeName(event)}`);
  let body: Json = event;
  let at = where;
  if (typeof event.specversion === "string" || typeof event.type === "string") {
    if (event.type !== MESSAGE_PUBLISHED)
      throw new UnrecognizedEventError(
        `${where}.type: a CloudEvent of type ${quoteReceivedName(event.type, CLOUDEVENT_TYPE)}; afsync reads ${MESSAGE_PUBLISHED} (Pub/Sub) CloudEvents`,
      );
    if (!isObject(event.data))
      throw new UnrecognizedEventError(`${where}.data: expected the MessagePublishedData object, got ${typeName(event.data)}`);
    body = event.data;
    at = `${where}.data`;
  }
  const message = body.message;
  if (message === undefined)
    throw new UnrecognizedEventError(
      `${at}: not a Pub/Sub delivery (expected a push body {"message", "subscription"} or a ${MESSAGE_PUBLISHED} CloudEvent)`,
    );
  if (!isObject(message)) throw new UnrecognizedEventError(`${at}.message: expected an object, got ${typeName(message)}`);
  const attributes = message.attributes;
  if (attributes === undefined || attributes === null)
    throw new UnrecognizedEventError(`${at}.message.attributes: missing; Secret Manager notifications always carry eventType there`);
  if (!isObject(attributes)) throw new UnrecognizedEventError(`${at}.message.attributes: expected an object, got ${typeName(attributes)}`);
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== "string")
      throw new UnrecognizedEventError(
        `${at}.message.attributes.${name}: expected a string (Pub/Sub attributes are strings), got ${typeName(value)}`,
      );
    strings[name] = value;
  }
  if (message.data !== undefined && message.data !== null && typeof message.data !== "string")
    throw new UnrecognizedEventError(`${at}.message.data: expected a base64 string, got ${typeName(message.data)}`);
  const messageId =
    typeof message.messageId === "string" ? message.messageId : typeof message.message_id === "string" ? message.message_id : undefined;
  return {
    attributes: strings,
    ...(typeof message.data === "string" && message.data !== "" ? { data: message.data } : {}),
    ...(messageId !== undefined ? { messageId } : {}),
  };
}
