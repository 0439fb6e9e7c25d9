import type { AirflowValue } from "@afsync/core";
import { envVarValueFor } from "@afsync/core/formats/envVars";

/**
 * The strings of a value that must never come back in an error message: the whole serialized
 * value, a variable's text, a connection's password and every string inside its `extra`. Server
 * messages are scrubbed of these before afsync reports them (a validation error may echo input).
 */
export function secretFragments(value: AirflowValue): string[] {
  const out = [envVarValueFor(value)];
  if (value.kind === "variable") {
    out.push(value.value);
    return out;
  }
  const { password, extra } = value.connection;
  if (password !== null && password !== "") out.push(password, encodeURIComponent(password));
  if (extra !== null) collectStrings(extra, out);
  return out;
}

function collectStrings(node: unknown, out: string[]): void {
  if (typeof node === "string") out.push(node);
  else if (Array.isArray(node)) for (const item of node) collectStrings(item, out);
  else if (typeof node === "object" && node !== null) for (const item of Object.values(node)) collectStrings(item, out);
}
