/**
 * What the Airflow REST API hides on read, reproduced so clients are tested against answers
 * that carry `***` where the real server puts it (airflow `utils/log/secrets_masker.py`
 * `DEFAULT_SENSITIVE_FIELDS` and `should_hide_value_for_key`: a name is sensitive when its
 * lower-cased form *contains* one of these words).
 */
const SENSITIVE_WORDS = [
  "access_token",
  "api_key",
  "apikey",
  "authorization",
  "passphrase",
  "passwd",
  "password",
  "private_key",
  "secret",
  "token",
  "keyfile_dict",
  "service_account",
] as const;

export const REDACTED = "***";

export function isSensitiveName(name: string): boolean {
  const lower = name.trim().toLowerCase();
  return SENSITIVE_WORDS.some((w) => lower.includes(w));
}

/** `redact(obj)`: every value under a sensitive key becomes `***`, at any depth. */
export function redactNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactNested);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSensitiveName(k) ? REDACTED : redactNested(v);
    return out;
  }
  return value;
}

/**
 * A connection's `extra` as the API returns it: parsed, sensitive keys masked, dumped again
 * with Python's `json.dumps` spacing. Text that is not JSON comes back as is.
 */
export function redactExtra(extra: string | null): string | null {
  if (extra === null) return null;
  try {
    return pythonJsonDumps(redactNested(JSON.parse(extra)));
  } catch {
    return extra;
  }
}

/**
 * Airflow 3 `VariableResponse.redact_val`: a JSON value has its sensitive nested keys masked
 * (and is re-dumped); any other value is masked whole when the variable's key is sensitive.
 */
export function redactVariableValue(key: string, value: string): string {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === "object") return pythonJsonDumps(redactNested(parsed));
  } catch {
    // not JSON: fall through to the key-name rule
  }
  return isSensitiveName(key) ? REDACTED : value;
}

/** Python's `json.dumps` default formatting (`", "` and `": "` separators, ASCII escapes). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string")
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`)
      .join(", ")}}`;
  }
  return "null";
}
