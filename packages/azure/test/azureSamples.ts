import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The real Event Grid / Key Vault samples in the repository's `events/azure/` folder. */
export const AZURE_EVENTS_DIR = fileURLToPath(new URL("../../../events/azure/", import.meta.url));

export function azureSampleNames(): string[] {
  return readdirSync(AZURE_EVENTS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

export function loadAzureSample(name: string): unknown {
  return JSON.parse(readFileSync(`${AZURE_EVENTS_DIR}${name}`, "utf8")) as unknown;
}
