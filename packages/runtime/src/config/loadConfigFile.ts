import { readFile } from "node:fs/promises";
import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { yamlErrorText } from "@afsync/core/formats/yamlErrorText";
import { LineCounter, parseDocument } from "yaml";
import { loadOptionsRegistry } from "../compose/optionSchemaLoaders.ts";

/**
 * Reads and validates afsync.yaml. YAML syntax errors name the line and column; everything else
 * is `parseConfig`'s. Environment variables are not read here: only a factory that needs a
 * credential reads the variable its `*_env` option names, when it is built.
 */
export async function loadConfigFile(path: string, _env: NodeJS.ProcessEnv = {}): Promise<AfsyncConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      "",
      code === "ENOENT" ? `config file ${path} not found (pass --config <file>)` : `cannot read config file ${path}: ${code ?? "error"}`,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new ConfigError("", `${path}${pos === undefined ? "" : `:${pos.line}:${pos.col}`}: not valid YAML: ${yamlErrorText(first)}`);
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb (more than 100 alias expansions) or an alias to an anchor not defined before it.
    const bomb = error instanceof Error && /alias count/i.test(error.message);
    throw new ConfigError(
      "",
      `${path}: not valid YAML: ${bomb ? yamlErrorText({ code: "RESOURCE_EXHAUSTION" }) : "an alias refers to an anchor that is not defined before it"}`,
    );
  }
  try {
    // Only the adapters this file names are loaded (see loadOptionsRegistry).
    return parseConfig(input, await loadOptionsRegistry(input));
  } catch (error) {
    // Name the file in front of the message; keep `path` (the bad key) for callers that use it.
    if (error instanceof ConfigError)
      throw Object.assign(new ConfigError("", `${path}: ${error.message}`, { cause: error }), { path: error.path });
    throw error;
  }
}
