import {
  type EventGridHttpOutcome,
  type EventGridHttpRequest,
  handleEventGridDelivery,
} from "@afsync/azure/events/handleEventGridDelivery";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";

export type { EventGridHttpOutcome, EventGridHttpRequest };

/** An HTTP endpoint that accepts Event Grid deliveries presenting the configured key. */
export interface EventGridEndpoint {
  /** The env var the key came from, for messages (never the key). */
  readonly keyEnv: string;
  /** Authenticates, answers the handshakes and parses: the caller acts only on `hints`. */
  handle(request: EventGridHttpRequest): EventGridHttpOutcome;
}

export type EventGridEndpointSetup =
  | { readonly enabled: true; readonly endpoint: EventGridEndpoint }
  | { readonly enabled: false; readonly reason: string };

/**
 * The Event Grid endpoint of `afsync serve` and of the Azure function app's HTTP trigger, set up
 * the same way: the delivery key is in the env var `serve.eventgrid_key_env` names (or
 * `defaultKeyEnv`, which the function app has and serve has not), presented by the subscription
 * as `?code=` on its endpoint URL or the `x-afsync-delivery-key` delivery header. Without a key
 * the endpoint is off: a delivery is then refused, never accepted unauthenticated.
 */
export function eventGridEndpoint(
  config: AfsyncConfig,
  env: NodeJS.ProcessEnv,
  options: { readonly defaultKeyEnv?: string } = {},
): EventGridEndpointSetup {
  const keyEnv = config.serve.eventGridKeyEnv ?? options.defaultKeyEnv;
  if (keyEnv === undefined) return { enabled: false, reason: "no serve.eventgrid_key_env in the config" };
  const secret = env[keyEnv];
  if (secret === undefined || secret === "") return { enabled: false, reason: `the environment variable ${keyEnv} is not set` };
  return { enabled: true, endpoint: { keyEnv, handle: (request) => handleEventGridDelivery(request, { secret }) } };
}
