/** Narrowing helpers for raw event JSON: parse, don't trust. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function stringAt(obj: unknown, key: string): string | undefined {
  if (!isObject(obj)) return undefined;
  const value = obj[key];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function objectAt(obj: unknown, key: string): JsonObject | undefined {
  if (!isObject(obj)) return undefined;
  const value = obj[key];
  return isObject(value) ? value : undefined;
}

/** An EventBridge envelope: `detail-type`, `source` and a `detail` object. */
export interface EventBridgeEnvelope {
  readonly "detail-type": string;
  readonly source: string;
  readonly resources?: unknown;
  readonly detail: JsonObject;
}

export function isEventBridgeEnvelope(value: unknown): value is EventBridgeEnvelope {
  return isObject(value) && typeof value["detail-type"] === "string" && typeof value.source === "string" && isObject(value.detail);
}

export function firstResource(event: EventBridgeEnvelope): string | undefined {
  return Array.isArray(event.resources) && typeof event.resources[0] === "string" ? event.resources[0] : undefined;
}
