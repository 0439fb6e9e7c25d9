import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The real AWS event samples in the repository's `events/` folder. */
export const EVENTS_DIR = fileURLToPath(new URL("../../../events/", import.meta.url));

export function awsSampleNames(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((f) => f.startsWith("aws-") && f.endsWith(".json"))
    .sort();
}

export function loadAwsSample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${EVENTS_DIR}${name}`, "utf8")) as Record<string, unknown>;
}
