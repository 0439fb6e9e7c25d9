import type { OptionsRegistry } from "@afsync/core/config/parseConfig";
import { sourceFactories } from "./sourceFactories.ts";
import { targetFactories } from "./targetFactories.ts";

/**
 * The option schemas of every registered source and target type, all loaded. Hosts that start
 * cold (the functions, the config loader) use `loadOptionsRegistry`, which loads only the types a
 * config names; this is for callers that want every schema at hand (the fuzz tests).
 */
export function optionsRegistry(): OptionsRegistry {
  return {
    sources: Object.fromEntries(Object.entries(sourceFactories).map(([type, f]) => [type, f.schema])),
    targets: Object.fromEntries(Object.entries(targetFactories).map(([type, f]) => [type, f.schema])),
  };
}
