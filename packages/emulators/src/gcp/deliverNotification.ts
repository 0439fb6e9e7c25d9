import type { SecretManagerNotification } from "./secretManagerNotifications.ts";

/** Where a subscription delivers, and how. */
export interface HttpDeliveryTarget {
  /** A loopback URL (the handler under test). */
  readonly url: string;
  /**
   * `push`: a Pub/Sub push subscription's POST body. `cloudevent`: the messagePublished CloudEvent
   * in binary content mode (ce-* headers, MessagePublishedData body), as Eventarc sends it.
   */
  readonly shape: "push" | "cloudevent";
  /** The Authorization header an authenticated subscription adds (`Bearer <OIDC token>`); none when absent. */
  readonly authorization?: () => string | undefined;
}

export interface DeliveryResult {
  readonly messageId: string;
  readonly eventType: string;
  readonly status: number;
  /** Pub/Sub counts 102, 200, 201, 202 and 204 as an acknowledgement; anything else is a nack (redelivered later). */
  readonly acked: boolean;
}

const ACK_STATUSES = new Set([102, 200, 201, 202, 204]);

/** POSTs one notification the way Pub/Sub (push) or Eventarc (CloudEvent) would. */
export async function deliverNotification(notification: SecretManagerNotification, target: HttpDeliveryTarget): Promise<DeliveryResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const authorization = target.authorization?.();
  if (authorization !== undefined) headers.authorization = authorization;
  let body: unknown = notification.pushBody;
  if (target.shape === "cloudevent") {
    const ce = notification.cloudEvent;
    Object.assign(headers, {
      "ce-specversion": ce.specversion,
      "ce-id": ce.id,
      "ce-type": ce.type,
      "ce-source": ce.source,
      "ce-time": ce.time,
    });
    body = ce.data;
  }
  const response = await fetch(target.url, { method: "POST", headers, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return {
    messageId: notification.message.messageId,
    eventType: notification.eventType,
    status: response.status,
    acked: ACK_STATUSES.has(response.status),
  };
}
