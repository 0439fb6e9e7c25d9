import { isSensitiveFieldName } from "../formats/redact.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { Connection } from "../model/Connection.ts";
import type { FieldDiff } from "./RunReport.ts";

/** How many hex characters of a keyed hash reports show: enough to tell values apart, not to brute-force them. */
export const HASH_PREFIX_LENGTH = 12;

export function hashPrefix(hash: string): string {
  return hash.slice(0, HASH_PREFIX_LENGTH);
}

const MASK = "***";
const SCALAR_FIELDS = ["conn_type", "description", "host", "login", "password", "schema", "port"] as const;

/**
 * The fields that change between what the target holds and what afsync will write, masked the
 * way Airflow's UI masks them: the password and any extra whose name Airflow deems sensitive
 * become `***`, nested extras show only `{…}`, and a variable (which may well be a secret) shows
 * only hash prefixes. `before` is "unknown" when the target cannot return values (REST APIs
 * redact them): every field then shows `?` before.
 */
export function maskedDiff(
  before: AirflowValue | "unknown" | undefined,
  after: AirflowValue,
  hashes: { readonly before?: string; readonly after: string },
  showSecrets = false,
): FieldDiff[] {
  if (after.kind === "variable" || (before !== undefined && before !== "unknown" && before.kind === "variable")) {
    if (showSecrets && after.kind === "variable") {
      const prev = before !== undefined && before !== "unknown" && before.kind === "variable" ? before.value : undefined;
      return [withOptional({ field: "value", after: after.value }, prev)];
    }
    const prev = before === "unknown" ? "?" : hashes.before === undefined ? undefined : `hash:${hashPrefix(hashes.before)}`;
    return [withOptional({ field: "value", after: `hash:${hashPrefix(hashes.after)}` }, prev)];
  }
  const next = after.connection;
  const prev = before === undefined || before === "unknown" || before.kind !== "connection" ? undefined : before.connection;
  const unknown = before === "unknown";
  const diffs: FieldDiff[] = [];
  for (const field of SCALAR_FIELDS) {
    const a = prev?.[field] ?? null;
    const b = next[field] ?? null;
    if (!unknown && a === b) continue;
    if (unknown && b === null) continue;
    const secret = field === "password";
    diffs.push(entry(field, unknown ? "?" : show(a, secret, showSecrets), show(b, secret, showSecrets)));
  }
  diffs.push(...extraDiff(prev, next, unknown, showSecrets));
  return diffs;
}

function extraDiff(prev: Connection | undefined, next: Connection, unknown: boolean, showSecrets: boolean): FieldDiff[] {
  const a = prev?.extra ?? {};
  const b = next.extra ?? {};
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diffs: FieldDiff[] = [];
  for (const name of names) {
    const va = a[name];
    const vb = b[name];
    // One side absent and the other present always differs: no need to serialise either.
    if (!unknown && (va === undefined) === (vb === undefined) && (va === vb || stableJson(va) === stableJson(vb))) continue;
    if (unknown && vb === undefined) continue;
    const secret = isSensitiveFieldName(name);
    diffs.push(entry(`extra.${name}`, unknown ? "?" : show(va, secret, showSecrets), show(vb, secret, showSecrets)));
  }
  return diffs;
}

function show(value: unknown, secret: boolean, showSecrets: boolean): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (showSecrets) return typeof value === "string" ? value : JSON.stringify(value);
  if (secret) return MASK;
  // A nested object in `extra` (a key file, a config dict) may hide a secret under any name.
  if (typeof value === "object") return "{…}";
  return typeof value === "string" ? value : String(value);
}

/**
 * One literal per shape, not `{ field, ...(before ? { before } : {}) }`: spreads after a field
 * leave V8 a dictionary-mode object several times the size, and a first sync makes one per field
 * of every connection it creates (10,000 connections × 10 Deployments: hundreds of thousands).
 */
function entry(field: string, before: string | undefined, after: string | undefined): FieldDiff {
  if (before === undefined) return after === undefined ? { field } : { field, after };
  return after === undefined ? { field, before } : { field, before, after };
}

function withOptional(diff: { field: string; after: string }, before: string | undefined): FieldDiff {
  return before === undefined ? diff : { field: diff.field, before, after: diff.after };
}

function stableJson(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
