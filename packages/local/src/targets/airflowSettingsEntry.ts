import type { Connection } from "@afsync/core";
import { parseIntendedConnectionUri } from "@afsync/core/formats/intendedConnectionUri";

/**
 * One `airflow.connections` item of the Astro CLI's `airflow_settings.yaml`. The Astro CLI
 * (settings/types.go) decodes `conn_port` as an int, `conn_extra` as either a map (which it
 * JSON-encodes) or a string, and has no field for `description`, so a description cannot be
 * carried into this file. `conn_uri` is an alternative to the separate fields.
 */
export type SettingsConnectionEntry = Record<string, unknown>;

/** The item afsync writes for a connection, fields in the Astro CLI template's order; nulls left out. */
export function connectionToSettingsEntry(connId: string, conn: Connection): SettingsConnectionEntry {
  const entry: SettingsConnectionEntry = { conn_id: connId };
  if (conn.conn_type !== null) entry.conn_type = conn.conn_type;
  if (conn.host !== null) entry.conn_host = conn.host;
  if (conn.schema !== null) entry.conn_schema = conn.schema;
  if (conn.login !== null) entry.conn_login = conn.login;
  if (conn.password !== null) entry.conn_password = conn.password;
  if (conn.port !== null) entry.conn_port = conn.port;
  if (conn.extra !== null && Object.keys(conn.extra).length > 0) entry.conn_extra = conn.extra;
  return entry;
}

/**
 * The connection an item describes, or a reason it cannot be read (never quoting the value).
 * Values are read as the file holds them, so what afsync wrote reads back unchanged.
 */
export function connectionFromSettingsEntry(entry: Readonly<Record<string, unknown>>): { connection: Connection } | { problem: string } {
  const uri = entry.conn_uri;
  if (typeof uri === "string" && uri !== "") {
    try {
      // A hand-written conn_uri that is no URI (a pasted password) has no fields to show in a diff.
      return { connection: parseIntendedConnectionUri(uri) };
    } catch {
      return { problem: "conn_uri is not a valid connection URI" };
    }
  }
  const port = readPort(entry.conn_port);
  if (port === "invalid") return { problem: "conn_port is not an integer between 0 and 65535" };
  const extra = readExtra(entry.conn_extra);
  if (extra === "invalid") return { problem: "conn_extra is neither a mapping nor a JSON object string" };
  return {
    connection: {
      conn_type: optionalString(entry.conn_type),
      host: optionalString(entry.conn_host),
      schema: optionalString(entry.conn_schema),
      login: optionalString(entry.conn_login),
      password: optionalString(entry.conn_password),
      port,
      extra,
    },
  };
}

/** A variable's value as the Astro CLI passes it on: YAML scalars of any type become strings. */
export function variableValueFromSettings(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

function optionalString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

function readPort(value: unknown): number | null | "invalid" {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) return "invalid";
  return n;
}

function readExtra(value: unknown): Record<string, unknown> | null | "invalid" {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      return "invalid";
    }
  }
  return "invalid";
}
