/**
 * Secret Manager's change notifications in the two shapes a subscriber receives them (events.md
 * §4): the body a Pub/Sub push subscription POSTs, and the `messagePublished` CloudEvent that
 * Eventarc / Cloud Functions gen2 deliver. Attributes: `eventType`, `dataFormat`, `secretId`
 * (project NUMBER), `timestamp` (RFC 3339), `versionId` on version events; `data` is the base64
 * of the Secret or SecretVersion in proto3 JSON. `TOPIC_CONFIGURED` carries `eventType` only.
 */
export type SecretEventType =
  | "SECRET_CREATE"
  | "SECRET_UPDATE"
  | "SECRET_DELETE"
  | "SECRET_VERSION_ADD"
  | "SECRET_VERSION_ENABLE"
  | "SECRET_VERSION_DISABLE"
  | "SECRET_VERSION_DESTROY"
  | "SECRET_VERSION_DESTROY_SCHEDULED"
  | "SECRET_ROTATE"
  | "TOPIC_CONFIGURED";

export interface PubSubMessage {
  readonly attributes: Readonly<Record<string, string>>;
  readonly data?: string;
  readonly messageId: string;
  readonly publishTime: string;
}

/** One notification as published to one topic, in both delivery shapes. */
export interface SecretManagerNotification {
  /** `projects/{project id}/topics/{topic}` */
  readonly topic: string;
  readonly eventType: SecretEventType;
  readonly message: PubSubMessage;
  /** What a push subscription POSTs (camelCase and snake_case copies, as captured). */
  readonly pushBody: {
    readonly message: PubSubMessage & { readonly message_id: string; readonly publish_time: string };
    readonly subscription: string;
  };
  /** The `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (structured form). */
  readonly cloudEvent: {
    readonly specversion: "1.0";
    readonly type: "google.cloud.pubsub.topic.v1.messagePublished";
    readonly source: string;
    readonly id: string;
    readonly time: string;
    readonly datacontenttype: "application/json";
    readonly data: { readonly message: PubSubMessage; readonly subscription: string };
  };
}

export function buildNotification(
  topic: string,
  eventType: SecretEventType,
  attributes: Readonly<Record<string, string>>,
  resource: unknown,
  messageId: string,
  publishTime: string,
): SecretManagerNotification {
  const message: PubSubMessage = {
    attributes: { ...attributes, eventType },
    ...(resource !== undefined ? { data: Buffer.from(JSON.stringify(resource)).toString("base64") } : {}),
    messageId,
    publishTime,
  };
  const subscription = `${topic.replace("/topics/", "/subscriptions/")}-afsync`;
  return {
    topic,
    eventType,
    message,
    pushBody: { message: { ...message, message_id: messageId, publish_time: publishTime }, subscription },
    cloudEvent: {
      specversion: "1.0",
      type: "google.cloud.pubsub.topic.v1.messagePublished",
      source: `//pubsub.googleapis.com/${topic}`,
      id: messageId,
      time: publishTime,
      datacontenttype: "application/json",
      data: { message, subscription },
    },
  };
}
