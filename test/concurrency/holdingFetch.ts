import type { FetchLike } from "@afsync/http/FetchLike";

/**
 * A transport that holds the first request `matches` picks until `release()`: a party stopped
 * inside a read-modify-write cycle, between its read and its write, at the HTTP level.
 * `held` resolves when that request has arrived.
 */
export function holdingFetch(matches: (request: Request) => boolean | Promise<boolean>): {
  fetch: FetchLike;
  held: Promise<void>;
  release: () => void;
} {
  let arrived!: () => void;
  const held = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = true;
  const fetch: FetchLike = async (request) => {
    if (holding && (await matches(request))) {
      holding = false;
      arrived();
      await released;
    }
    return globalThis.fetch(request);
  };
  return { fetch, held, release };
}
