import type { ChangeHint } from "../model/ChangeHint.ts";
import type { SecretSource } from "./SecretSource.ts";

/** Where a source's push stream of changes stands, as a long-running host (serve) shows it. */
export type ChangeStreamState =
  | { readonly kind: "live" }
  /** Dropped or not reachable; the stream retries with backoff. `reason` names no value. */
  | { readonly kind: "reconnecting"; readonly reason: string }
  /** The server answered the subscribe call with a refusal (no events API, no policy); it stops retrying. */
  | { readonly kind: "refused"; readonly httpStatus: number; readonly reason: string };

export interface ChangeSubscriptionHandlers {
  /** Each message's hints, with `sourceId` set to the subscribing source. */
  readonly onHints: (hints: ChangeHint[]) => void;
  /** After every reconnect (not the first connect): events are not replayed, so the host reconciles. */
  readonly onReconnect: () => void;
  readonly onState: (state: ChangeStreamState) => void;
  /** A message that did not parse, a failed attempt; names no value. */
  readonly onError?: (error: Error) => void;
}

export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * A source that can push change hints to a long-running host (Vault's event notifications).
 * `changeEvents` says whether the config asked for them; when false the host relies on its
 * scheduled reconciliation and says why.
 */
export interface SubscribableSource extends SecretSource {
  readonly changeEvents: { readonly enabled: true } | { readonly enabled: false; readonly why: string };
  subscribe(handlers: ChangeSubscriptionHandlers): Promise<ChangeSubscription>;
}

export function isSubscribable(source: SecretSource): source is SubscribableSource {
  const s = source as Partial<SubscribableSource>;
  return typeof s.subscribe === "function" && typeof s.changeEvents === "object" && s.changeEvents !== null;
}
