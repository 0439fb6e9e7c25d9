import type { ChangeHint } from "../model/ChangeHint.ts";

/** What the edge knows about afsync's own writes, so their events are not synced back (no loops). */
export interface EventParseOptions {
  /** Principals (IAM ARNs, service principals, Vault entity ids…) whose writes are afsync's own. */
  readonly ownPrincipals?: readonly string[];
}

/**
 * One provider's change-event parser. `detect` looks only at the shape (EventBridge's
 * `source`/`detail-type`, Event Grid's `eventType`/`subject`, a CloudEvent's `specversion`,
 * Pub/Sub's `message`…), so a registry can pick the parser without trying each; `parse` then
 * turns the event (or a batch of them, where the provider sends batches) into hints, and throws
 * `UnrecognizedEventError` for a shape it detected but does not act on, naming what it expected.
 */
export interface EventParser {
  /** A short name for errors and `afsync event parse`: `aws`, `azure`, `gcp`, `vault`. */
  readonly provider: string;
  /** The shapes it accepts, for the "no parser understands this" error. */
  readonly expects: string;
  detect(event: unknown): boolean;
  parse(event: unknown, options?: EventParseOptions): ChangeHint[];
}
