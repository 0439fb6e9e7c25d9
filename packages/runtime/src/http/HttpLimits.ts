import type { Server } from "node:http";

/**
 * The bounds every HTTP endpoint afsync serves holds a caller to, so a hostile or broken client
 * costs bounded memory and time: bodies are small JSON (a source id and keys, an Event Grid or
 * Pub/Sub delivery), and a client that sends a byte a second is cut off instead of holding a
 * socket (and a slot of the 2-core box) forever.
 */
export interface HttpLimits {
  /** The largest request body read; a longer one is answered 413 and the rest is never read. */
  readonly maxBodyBytes: number;
  /** How long a client may take to send its request headers (node's `server.headersTimeout`). */
  readonly headersTimeoutMs: number;
  /** How long a client may take to send its whole request (node's `server.requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** How long a handler waits for the body once the headers are in (answered 408 after). */
  readonly bodyDeadlineMs: number;
  /** Open sockets at most: a flood of idle or slow connections cannot exhaust file descriptors. */
  readonly maxConnections: number;
}

/**
 * A webhook body is a source id and at most 10,000 keys (parseWebhookBody's cap): 256 KiB holds
 * that comfortably. Event Grid batches up to 1 MB (its documented maximum); Pub/Sub push
 * messages up to 10 MB, but afsync's notifications carry no payload beyond attributes.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxBodyBytes: 256 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyDeadlineMs: 10_000,
  maxConnections: 256,
};

/**
 * The `createServer` options that bound header and request time. Node checks both timeouts only
 * every `connectionsCheckingInterval` (30 s by default), which would let a slow client outlive a
 * short timeout by up to that long, so the interval follows the shortest timeout.
 */
export function serverTimeoutOptions(limits: HttpLimits): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  // node requires headersTimeout <= requestTimeout (it throws otherwise).
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
  };
}

/** Applies the limits that are server properties rather than `createServer` options. */
export function applyServerLimits(server: Server, limits: HttpLimits): Server {
  server.maxConnections = limits.maxConnections;
  // An idle keep-alive socket is closed after 5 s (node's default), a slow one by the timeouts above.
  server.keepAliveTimeout = 5_000;
  return server;
}
