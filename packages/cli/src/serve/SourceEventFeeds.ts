import type { Logger, SecretSource } from "@afsync/core";
import {
  type ChangeStreamState,
  type ChangeSubscription,
  isSubscribable,
  type SubscribableSource,
} from "@afsync/core/ports/ChangeSubscription";
import { formatDuration } from "./formatDuration.ts";
import type { EventFeedStatus, ServeStatus } from "./ServeStatus.ts";
import type { SyncCoordinator } from "./SyncCoordinator.ts";

/** How long serve waits for the event streams to settle before its initial sync, so it misses nothing in between. */
const FIRST_STATE_WAIT_MS = 3000;

interface Feed {
  readonly source: SubscribableSource;
  subscription: ChangeSubscription | null;
  /** The refusal already reported, so a retry refused the same way stays quiet. */
  reportedRefusal: number | null;
  state: EventFeedStatus["state"];
}

/**
 * serve's push channels: for every source that can stream its changes (Vault's event
 * notifications) and whose config asks for it, a subscription whose hints go through the
 * coordinator like file changes and webhooks. Events are not replayed, so every time a stream
 * comes (back) up after the initial sync, a full reconciliation runs. A refused subscription
 * (no events API, no policy) is reported once and retried at each scheduled reconciliation,
 * which keeps the targets right meanwhile; nothing here can stop serve.
 */
export class SourceEventFeeds {
  private readonly feeds: Feed[] = [];
  private synced = false;
  private closed = false;

  constructor(
    sources: Iterable<SecretSource>,
    private readonly deps: {
      readonly coordinator: SyncCoordinator;
      readonly status: ServeStatus;
      readonly now: () => Date;
      readonly logger: Logger;
      /** One plain line for the operator (serve's stdout). */
      readonly say: (line: string) => void;
      readonly reconcileEveryMs: number;
    },
  ) {
    for (const source of sources) {
      if (isSubscribable(source)) this.feeds.push({ source, subscription: null, reportedRefusal: null, state: "off" });
    }
  }

  /** Subscribes every enabled feed; resolves once each has connected, been refused or failed a first attempt (or after a few seconds). */
  async start(): Promise<void> {
    const settled: Promise<void>[] = [];
    for (const feed of this.feeds) {
      const events = feed.source.changeEvents;
      if (!events.enabled) {
        this.setStatus(feed, "off", events.why);
        continue;
      }
      settled.push(this.subscribe(feed));
    }
    if (settled.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(settled),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_STATE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The initial sync has started: from now on a stream that comes up may have missed something. */
  markSynced(): void {
    this.synced = true;
  }

  /** At each scheduled reconciliation: ask again where the server refused (a policy may have been fixed). */
  retryRefused(): void {
    for (const feed of this.feeds) if (feed.subscription === null && feed.reportedRefusal !== null) void this.subscribe(feed);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.feeds.map((f) => f.subscription?.close()));
  }

  private subscribe(feed: Feed): Promise<void> {
    const { coordinator, logger } = this.deps;
    const id = feed.source.id;
    const label = `${feed.source.provider} events (${id})`;
    let liveOnce = false;
    let settle: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.setStatus(feed, "connecting", "subscribing");
    const onState = (state: ChangeStreamState) => {
      settle();
      if (this.closed) return;
      if (state.kind === "live") {
        const again = feed.reportedRefusal !== null || feed.state === "reconnecting";
        feed.reportedRefusal = null;
        this.setStatus(feed, "live", "connected");
        if (!liveOnce) this.deps.say(`${label}: ${again ? "connected again" : "live"}; changes apply as they happen.`);
        // A first connect after the initial sync began (slow, or a retry after a refusal) may
        // have missed changes; a reconnect is handled by onReconnect.
        if (!liveOnce && this.synced) void coordinator.requestFull(`${label} live`);
        liveOnce = true;
      } else if (state.kind === "reconnecting") {
        this.setStatus(feed, "reconnecting", `${state.reason}; retrying with backoff`);
        this.deps.say(`${label}: ${state.reason}; reconnecting with backoff (the scheduled reconciliation continues).`);
      } else {
        const detail = `refused by the server (HTTP ${state.httpStatus}): ${state.reason}`;
        feed.subscription = null;
        this.setStatus(feed, "off", `${detail}; falling back to the scheduled reconciliation`, true);
        if (feed.reportedRefusal !== state.httpStatus) {
          const every = formatDuration(this.deps.reconcileEveryMs);
          this.deps.say(
            `${label}: ${detail}. Falling back to the scheduled reconciliation every ${every}; the subscription is retried then.`,
          );
          logger.log("warn", "event subscription refused", { source: id, status: state.httpStatus, reason: state.reason });
        }
        feed.reportedRefusal = state.httpStatus;
      }
    };
    feed.source
      .subscribe({
        onHints: (hints) => {
          if (hints.length > 0) void coordinator.requestHints(`${label}`, hints);
        },
        onReconnect: () => void coordinator.requestFull(`${label} reconnected`),
        onState,
        onError: (error) => logger.log("warn", "event stream error", { source: id, message: error.message }),
      })
      .then(
        (subscription) => {
          // A refusal can arrive before the subscription object does; then it is already over.
          if (this.closed) void subscription.close();
          else if (feed.state !== "off") feed.subscription = subscription;
        },
        (error: unknown) => {
          settle();
          const message = error instanceof Error ? error.message : String(error);
          this.setStatus(feed, "off", `could not subscribe: ${message}`, true);
          this.deps.say(`${label}: could not subscribe (${message}); relying on the scheduled reconciliation.`);
        },
      );
    return settled;
  }

  private setStatus(feed: Feed, state: EventFeedStatus["state"], detail: string, refused = false): void {
    feed.state = state;
    this.deps.status.setEventFeed({
      source: feed.source.id,
      state,
      detail,
      since: this.deps.now().toISOString(),
      ...(refused && { refused }),
    });
  }
}
