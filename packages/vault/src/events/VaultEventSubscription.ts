import type { ChangeHint } from "@afsync/core";
import type { ChangeStreamState } from "@afsync/core/ports/ChangeSubscription";
import WebSocket from "ws";
import type { VaultTokenSession } from "../VaultTokenSession.ts";
import { parseVaultEvent } from "./parseVaultEvent.ts";

export interface VaultEventSubscriptionOptions {
  readonly session: VaultTokenSession;
  /** The event types to subscribe to, with Vault's `*` wildcard. Default `kv*` (KV v1 and v2). */
  readonly eventTypes?: string;
  /** Enterprise: child namespaces to receive events from too (`namespaces=` patterns, relative to the session's). */
  readonly namespaces?: readonly string[];
  /** Each message's hints, in stream order. */
  readonly onHints: (hints: ChangeHint[]) => void | Promise<void>;
  /**
   * Called after every reconnect (not the first connect): Vault does not replay events missed
   * while the socket was down, so the caller runs a reconciliation here.
   */
  readonly onReconnect: () => void | Promise<void>;
  /** A message that did not parse, a refused or dropped connection. Messages name no value. */
  readonly onError?: (error: Error) => void;
  /**
   * `live` on every open, `reconnecting` once per drop (not per failed attempt), `refused` when
   * Vault answers the subscribe call with 403, 404 or 405: the subscription then stops for good.
   */
  readonly onStateChange?: (state: ChangeStreamState) => void;
  /** Reconnect backoff: starts here, doubles per failed attempt up to `maxBackoffMs`, with jitter. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Answers to the subscribe call that retrying will not change, in words for the operator. */
const REFUSALS: ReadonlyMap<number, string> = new Map([
  [403, "permission denied: the token's policy lacks `subscribe` on sys/events/subscribe/* (and `read` on the KV paths)"],
  [404, "this Vault has no events API (Community Edition, or Enterprise before 1.16)"],
  [405, "this Vault has no events API (Community Edition, or Enterprise before 1.16)"],
]);

/**
 * A long-lived subscription to Vault's event notifications (`GET /v1/sys/events/subscribe/<type>?json=true`
 * over a WebSocket, Enterprise 1.16+), for `afsync serve`. Each message becomes change hints;
 * a dropped connection (or a failed attempt) is retried with exponential backoff and jitter, a
 * refusal (403/404/405) ends it, and after each reconnect `onReconnect` lets the caller
 * reconcile what it may have missed.
 */
export class VaultEventSubscription {
  readonly #options: VaultEventSubscriptionOptions;
  #socket: WebSocket | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #everConnected = false;
  #closed = false;
  #opened: Promise<void> | null = null;
  #lastState: ChangeStreamState["kind"] | null = null;

  constructor(options: VaultEventSubscriptionOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Connects; resolves once the first connection is open (later drops reconnect on their own). */
  start(): Promise<void> {
    this.#opened ??= new Promise((resolve) => {
      void this.#connect(resolve);
    });
    return this.#opened;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once("close", () => resolve());
        socket.close();
        // A peer that never answers the close handshake.
        setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1000).unref();
      });
    }
  }

  async #connect(onFirstOpen: () => void): Promise<void> {
    if (this.#closed) return;
    const { session } = this.#options;
    let token: string;
    try {
      token = await session.token();
    } catch (err) {
      this.#report(err);
      this.#setState({ kind: "reconnecting", reason: "no Vault token (the login failed)" });
      return this.#scheduleReconnect(onFirstOpen);
    }
    const query = new URLSearchParams({ json: "true" });
    for (const ns of this.#options.namespaces ?? []) query.append("namespaces", ns);
    const url = `${session.http.webSocketUrl(`sys/events/subscribe/${this.#options.eventTypes ?? "kv*"}`)}?${query}`;
    const ca = session.http.ca;
    const socket = new WebSocket(url, { headers: session.http.baseHeaders(token), ...(ca ? { ca } : {}) });
    this.#socket = socket;
    let refusedWith: number | null = null;
    socket.on("open", () => {
      this.#attempt = 0;
      this.#setState({ kind: "live" });
      const reconnect = this.#everConnected;
      this.#everConnected = true;
      onFirstOpen();
      if (reconnect) void this.#run(() => this.#options.onReconnect());
    });
    socket.on("message", (raw: WebSocket.RawData) => {
      let hints: ChangeHint[];
      try {
        hints = parseVaultEvent(JSON.parse(raw.toString()));
      } catch (err) {
        // One bad message must not end the stream; the error names the field, never the message text.
        return this.#report(err instanceof SyntaxError ? new Error("a Vault event message is not JSON") : err);
      }
      void this.#run(() => this.#options.onHints(hints));
    });
    socket.on("unexpected-response", (_req, res) => {
      // 403: the token was revoked or expired early; get a fresh one before the next attempt.
      if (res.statusCode === 403) session.invalidate();
      if (res.statusCode !== undefined && REFUSALS.has(res.statusCode)) refusedWith = res.statusCode;
      else this.#report(new Error(`Vault refused the event subscription: HTTP ${res.statusCode}`));
      socket.terminate();
    });
    // After a refusal ws also reports the handshake it aborted; the refusal already says it all.
    socket.on("error", (err) => refusedWith === null && this.#report(err));
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = null;
      if (this.#closed) return;
      if (refusedWith !== null) {
        // 404/405: this Vault has no events API (Community Edition); 403: the token lacks the
        // `subscribe` capability on sys/events/subscribe. Retrying in a loop fixes neither.
        this.#closed = true;
        return this.#setState({ kind: "refused", httpStatus: refusedWith, reason: REFUSALS.get(refusedWith) ?? "refused" });
      }
      this.#setState({ kind: "reconnecting", reason: "the event stream closed" });
      this.#scheduleReconnect(onFirstOpen);
    });
  }

  #setState(state: ChangeStreamState): void {
    if (state.kind === this.#lastState) return;
    this.#lastState = state.kind;
    try {
      this.#options.onStateChange?.(state);
    } catch (err) {
      this.#report(err);
    }
  }

  #scheduleReconnect(onFirstOpen: () => void): void {
    if (this.#closed || this.#timer) return;
    const initial = this.#options.initialBackoffMs ?? 500;
    const max = this.#options.maxBackoffMs ?? 30_000;
    const ceiling = Math.min(max, initial * 2 ** this.#attempt);
    this.#attempt += 1;
    // Full jitter between half and all of the ceiling, so many workers do not reconnect in step.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect(onFirstOpen);
    }, delay);
  }

  async #run(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#report(err);
    }
  }

  #report(err: unknown): void {
    this.#options.onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}
