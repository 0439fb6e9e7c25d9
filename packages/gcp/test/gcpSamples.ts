import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The real Secret Manager notification samples in the repository's `events/gcp/` folder. */
export const GCP_EVENTS_DIR = fileURLToPath(new URL("../../../events/gcp/", import.meta.url));

export function gcpSampleNames(): string[] {
  return readdirSync(GCP_EVENTS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

export function loadGcpSample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${GCP_EVENTS_DIR}${name}`, "utf8")) as Record<string, unknown>;
}
