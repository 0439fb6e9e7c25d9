import { readFileSync } from "node:fs";

/** Loads a conformance vector file from packages/core/test/vectors at test time. */
export function loadVectors<T>(name: "connection-uri.json" | "backend-naming.json"): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8")) as T;
}
