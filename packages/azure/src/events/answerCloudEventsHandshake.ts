/** An HTTP answer as the entry points write it; the platform binding turns it into its own type. */
export interface DeliveryResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body, if any. */
  readonly body?: unknown;
}

/**
 * The CloudEvents 1.0 webhook abuse protection that Event Grid runs before it delivers to an
 * endpoint using the CloudEvents schema: an OPTIONS request with `WebHook-Request-Origin`,
 * answered with `WebHook-Allowed-Origin` naming that origin (end-point-validation-cloud-events-schema.md).
 * An OPTIONS without the header is not a handshake.
 */
export function answerCloudEventsHandshake(headers: Readonly<Record<string, string | undefined>>): DeliveryResponse {
  const origin = headers["webhook-request-origin"]?.trim();
  if (origin === undefined || origin === "")
    return {
      status: 400,
      headers: { "content-type": "application/json" },
      body: { error: "OPTIONS without WebHook-Request-Origin is not a CloudEvents handshake" },
    };
  return {
    status: 200,
    headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*", Allow: "POST" },
  };
}
