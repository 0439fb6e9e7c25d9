import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The real Vault samples in the repository's `events/vault/` folder. */
export const VAULT_EVENTS_DIR = fileURLToPath(new URL("../../../events/vault/", import.meta.url));

/** Event notifications only (the `*-response.json` files are API responses). */
export function vaultEventSampleNames(): string[] {
  return readdirSync(VAULT_EVENTS_DIR)
    .filter((f) => f.endsWith(".json") && !f.endsWith("-response.json"))
    .sort();
}

export function loadVaultSample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${VAULT_EVENTS_DIR}${name}`, "utf8")) as Record<string, unknown>;
}
