import { type JsonObject, objectAt, stringAt } from "./eventShapes.ts";

/**
 * How afsync recognises events its own writes caused. afsync writes only to targets (Airflow,
 * Astro), never to AWS secrets, so an AWS event comes from afsync only when a target is itself
 * an AWS secrets backend that afsync writes through the API. Such writes carry a
 * `clientRequestToken` starting with `afsync-`, or are made by a principal the config names; their
 * events are ignored so one change cannot chase its own tail.
 */
export class OwnWriteMarkers {
  readonly #tokenPrefix: string;
  readonly #principals: readonly string[];

  constructor(options: { tokenPrefix?: string; principals?: readonly string[] } = {}) {
    this.#tokenPrefix = options.tokenPrefix ?? "afsync-";
    this.#principals = options.principals ?? [];
  }

  /** Why the record is afsync's own write, or undefined. */
  match(detail: JsonObject): string | undefined {
    const token = stringAt(objectAt(detail, "requestParameters"), "clientRequestToken");
    if (token?.startsWith(this.#tokenPrefix)) return `clientRequestToken starts with ${this.#tokenPrefix}`;
    const identity = objectAt(detail, "userIdentity");
    const sessionIssuer = stringAt(objectAt(objectAt(identity, "sessionContext"), "sessionIssuer"), "arn");
    for (const candidate of [stringAt(identity, "arn"), stringAt(identity, "principalId"), sessionIssuer]) {
      if (candidate && this.#principals.includes(candidate)) return `principal ${candidate}`;
    }
    return undefined;
  }
}
