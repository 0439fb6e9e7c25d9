import { readFileSync } from "node:fs";

/**
 * Time this process's main thread has spent runnable but waiting for a core (Linux
 * `/proc/self/schedstat`, second field, ns); undefined elsewhere. On a loaded machine, what wall
 * time holds beyond the work and the round trips.
 */
export function runQueueWaitMs(): number | undefined {
  try {
    const waitNs = Number(readFileSync("/proc/self/schedstat", "utf8").split(" ")[1]);
    return Number.isFinite(waitNs) ? Math.round(waitNs / 1e6) : undefined;
  } catch {
    return undefined;
  }
}
