import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { parse as parseYaml } from "yaml";
import { loadOptionsRegistry } from "../compose/optionSchemaLoaders.ts";

/**
 * A config given as text in the environment variable `envName` (YAML or JSON), validated strictly:
 * a YAML error is reported against the variable, a schema error by the config path, what was
 * expected and what was found. Functions import this module only when the config is not the file
 * their bundle embeds, so neither the YAML parser nor the schemas run on the usual cold start.
 */
export async function parseConfigText(raw: string, envName: string): Promise<AfsyncConfig> {
  let input: unknown;
  try {
    input = parseYaml(raw);
  } catch (error) {
    throw new ConfigError(envName, `does not parse as YAML/JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseConfig(input, await loadOptionsRegistry(input));
}
