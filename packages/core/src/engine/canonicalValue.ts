import { PythonFloat } from "../formats/pythonJson.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import { CONNECTION_FIELDS } from "../model/Connection.ts";

/**
 * The one serialization of a value that afsync hashes. Two values Airflow treats as the same
 * connection must serialize identically, whichever source or format they came from, so:
 * fields in `CONNECTION_FIELDS` order, an absent `description` equal to null, an empty `extra`
 * object equal to no extra (Airflow's `as_json` prunes a falsy `extra_dejson` the same way),
 * and object keys sorted at every depth (JSON key order carries no meaning in `extra`). Port 0
 * is no port: Airflow's `get_uri` leaves it out and `from_json` reads it as None. A Python float
 * in `extra` keeps its repr (`1.0` is not `1` in what Airflow writes back).
 * The kind is part of the text, so a variable can never hash like a connection.
 */
export function canonicalValue(value: AirflowValue): string {
  if (value.kind === "variable") return `var\n${value.value}`;
  const conn = value.connection;
  const fields: Record<string, unknown> = {};
  for (const field of CONNECTION_FIELDS) {
    const raw = conn[field];
    if (field === "extra") {
      fields.extra = raw !== null && raw !== undefined && typeof raw === "object" && Object.keys(raw).length > 0 ? sortKeys(raw) : null;
    } else if (field === "port") {
      fields.port = raw === 0 ? null : (raw ?? null);
    } else {
      fields[field] = raw ?? null;
    }
  }
  return `conn\n${JSON.stringify(fields)}`;
}

function sortKeys(value: unknown): unknown {
  if (value instanceof PythonFloat) return { "py/float": value.toString() };
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
