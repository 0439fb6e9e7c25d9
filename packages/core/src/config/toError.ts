import { ConfigError } from "../errors.ts";
import type { ConfigIssue } from "./formatConfigIssue.ts";

// Apart from parseConfig so that checking a validated config (configuredFiles, on a function's
// cold start) does not build the config schema to report its own issues.
/**
 * One ConfigError for many issues, naming the first path. Unknown keys first: a typo (`pth:`) is
 * usually why a required key (`path:`) looks missing.
 */
export function toError(issues: readonly ConfigIssue[]): ConfigError {
  const ordered = [
    ...issues.filter((i) => i.message.startsWith("unknown key")),
    ...issues.filter((i) => !i.message.startsWith("unknown key")),
  ];
  const [first, ...rest] = ordered;
  if (first === undefined) return new ConfigError("", "the config is invalid");
  const more = rest.map((i) => `\n  ${i.path}: ${i.message}`).join("");
  return new ConfigError(first.path, `${first.message}${more}`);
}
