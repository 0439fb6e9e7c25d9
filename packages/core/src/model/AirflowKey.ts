/**
 * An Airflow key: what a Deployment looks up. Written `conn:<conn_id>` or `var:<key>` in the
 * config (`include`/`exclude` globs), plans, reports and `afsync explain`.
 */
export type AirflowKind = "connection" | "variable";

export interface AirflowKey {
  readonly kind: AirflowKind;
  readonly id: string;
}

/** The stable string form of a key, used as map keys, in state and in every report. */
export type KeyString = `conn:${string}` | `var:${string}`;

export function keyString(key: AirflowKey): KeyString {
  return key.kind === "connection" ? `conn:${key.id}` : `var:${key.id}`;
}

export function parseKeyString(text: string): AirflowKey | null {
  if (text.startsWith("conn:") && text.length > 5) return { kind: "connection", id: text.slice(5) };
  if (text.startsWith("var:") && text.length > 4) return { kind: "variable", id: text.slice(4) };
  return null;
}

export function connectionKey(id: string): AirflowKey {
  return { kind: "connection", id };
}

export function variableKey(id: string): AirflowKey {
  return { kind: "variable", id };
}
