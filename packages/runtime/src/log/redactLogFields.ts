import { isSensitiveFieldName, MASK } from "@afsync/core/formats/redact";

// Beyond Airflow's masker words: what cloud SDKs and afsync's own edge name their secrets.
const ALSO_SENSITIVE = /pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|authorization|signature|hmac/i;
// Names and ids of secrets are what operators search logs for, not secrets: `secretId`, `secret_ids`, `tokenArn`.
const IDENTIFIER = /(id|ids|arn|name|names|count)$/i;

/** The one redaction rule of every afsync log: does a field of this name get masked? */
export function isSensitiveLogField(name: string): boolean {
  return (isSensitiveFieldName(name) || ALSO_SENSITIVE.test(name)) && !IDENTIFIER.test(name);
}

/**
 * Core never hands a secret to the logger; this is the second line of defence: any field whose
 * name looks secret-bearing is masked, at any depth, whatever it holds. Errors are kept as they
 * are (the renderer shows their name, code and message: afsync's messages never hold a value).
 */
export function redactLogFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redact(fields, 0) as Record<string, unknown>;
}

function redact(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value))
    out[name] = isSensitiveLogField(name) && v !== null && v !== undefined ? MASK : redact(v, depth + 1);
  return out;
}
