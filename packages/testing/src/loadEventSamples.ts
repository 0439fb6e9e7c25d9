import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository's real provider event samples: `events/<provider>/*.json`, one file per variant. */
export const EVENTS_ROOT = fileURLToPath(new URL("../../../events/", import.meta.url));

export interface EventSample {
  /** The file name, e.g. `aws-secretsmanager-putsecretvalue.json`. */
  readonly name: string;
  readonly event: unknown;
}

/** The directory of one provider's samples, with a trailing slash. */
export function eventSamplesDir(provider: string): string {
  return `${EVENTS_ROOT}${provider}/`;
}

/** Every sample of `events/<provider>/`, sorted by name; each is parsed afresh (callers may mutate it). */
export function loadEventSamples(provider: string): EventSample[] {
  const dir = eventSamplesDir(provider);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((name) => ({ name, event: JSON.parse(readFileSync(`${dir}${name}`, "utf8")) as unknown }));
}
