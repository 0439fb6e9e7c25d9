import { UnrecognizedEventError } from "@afsync/core";

/**
 * One event of an Event Grid delivery, whichever schema the subscription chose, reduced to
 * what the parser needs. Event Grid schema: `{id, topic, subject, eventType, eventTime, data,
 * dataVersion, metadataVersion}`; CloudEvents 1.0: `{id, source, subject, type, time, data,
 * specversion}`.
 */
export interface EventGridEventView {
  readonly schema: "eventgrid" | "cloudevents";
  readonly type: string;
  readonly subject: string;
  /** `topic` or `source`: the ARM id of the vault. */
  readonly topic: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Where in the delivery it sits (`[0]`, `event`), for error messages. */
  readonly where: string;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads one event's envelope, or says which field of which event is wrong. */
export function viewEvent(event: unknown, where: string): EventGridEventView {
  if (!isObject(event)) throw new UnrecognizedEventError(`${where}: expected an event object, got ${kindOf(event)}`);
  const cloud = "specversion" in event;
  if (cloud && event.specversion !== "1.0")
    throw new UnrecognizedEventError(`${where}.specversion: only CloudEvents 1.0 is understood, got ${kindOf(event.specversion)}`);
  if (!cloud && !("eventType" in event))
    throw new UnrecognizedEventError(
      `${where}: not an Event Grid event (expected "eventType" of the Event Grid schema or "specversion" of CloudEvents 1.0)`,
    );
  const typeField = cloud ? "type" : "eventType";
  const topicField = cloud ? "source" : "topic";
  const type = requireString(event, typeField, where);
  const subject = optionalString(event, "subject", where) ?? "";
  const topic = optionalString(event, topicField, where) ?? "";
  const data = event.data ?? {};
  if (!isObject(data)) throw new UnrecognizedEventError(`${where}.data: expected an object, got ${kindOf(data)}`);
  return { schema: cloud ? "cloudevents" : "eventgrid", type, subject, topic, data, where };
}

function requireString(obj: Record<string, unknown>, field: string, where: string): string {
  const v = obj[field];
  if (typeof v !== "string" || v === "")
    throw new UnrecognizedEventError(`${where}.${field}: expected a non-empty string, got ${kindOf(v)}`);
  return v;
}

function optionalString(obj: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new UnrecognizedEventError(`${where}.${field}: expected a string, got ${kindOf(v)}`);
  return v;
}

/** A value's JSON kind, for error messages that must not quote the value itself. */
export function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
