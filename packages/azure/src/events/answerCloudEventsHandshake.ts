/** An HTTP answer as the entry points write it; the platform binding turns it into its own type. */
export interface DeliveryResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body, if any. */
  readonly body?: unknown;
}

/**
 * The origin is echoed into a response header, so only a DNS name is echoed (CloudEvents' abuse
 * protection names the sender by host, `eventgrid.azure.net` for Event Grid): a CR/LF would make
 * node throw while writing the header (a 500, or header injection on a laxer stack), and a
 * kilobytes-long value would be reflected as is.
 */
const ORIGIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/;

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
  if (!ORIGIN.test(origin))
    return {
      status: 400,
      headers: { "content-type": "application/json" },
      body: { error: "WebHook-Request-Origin is not a host name" },
    };
  return {
    status: 200,
    headers: { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*", Allow: "POST" },
  };
}
