import type { ChangeHint } from "@afsync/core";
import {
  arrayProblem,
  at,
  dottedPath,
  expected,
  type FieldProblem,
  firstProblem,
  isJsonObject,
  type JsonObject,
  nonEmptyStringProblem,
  oneOfProblem,
  problem,
  stringProblem,
  unknownKeysProblem,
} from "./jsonFieldProblems.ts";
import { SYNC_MESSAGE_VERSION, type SyncMessage } from "./SyncMessage.ts";

export type DecodeResult = { readonly ok: true; readonly message: SyncMessage } | { readonly ok: false; readonly reason: string };

/**
 * Parses a queue body; the reason names the bad field and never echoes the body.
 *
 * Every object is strict (an unknown field is refused: a message from a newer producer is
 * rejected rather than half-read), every string that names something is non-empty, a hint list
 * holds at least one hint. Written out by hand rather than as a zod schema: see
 * `jsonFieldProblems.ts` (the zod schema it replaces is the test's reference).
 */
export function decodeSyncMessage(body: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "message body is not JSON" };
  }
  const found = syncMessageProblem(json);
  if (found === undefined) return { ok: true, message: toSyncMessage(json as JsonObject) };
  return { ok: false, reason: `invalid sync message at ${dottedPath(found) ?? "(root)"}: ${found.message || "does not match the schema"}` };
}

const MESSAGE_FIELDS = ["v", "deployment", "trigger", "origin", "fanout"];
const HINT_FIELDS = ["provider", "sourceId", "secretId", "version", "action", "reason", "keys"];
const HINT_ACTIONS = ["upsert", "delete", "notice", "ignore"];
const KEY_KINDS = ["connection", "variable"];
const FINGERPRINT = /^[0-9a-f]{64}$/;

function syncMessageProblem(value: unknown): FieldProblem | undefined {
  if (!isJsonObject(value)) return expected("object", value);
  return firstProblem(
    () => (value.v === SYNC_MESSAGE_VERSION ? undefined : at("v", problem(`Invalid input: expected ${SYNC_MESSAGE_VERSION}`))),
    () => at("deployment", nonEmptyStringProblem(value.deployment)),
    () => at("trigger", triggerProblem(value.trigger)),
    () => at("origin", nonEmptyStringProblem(value.origin)),
    () => (value.fanout === undefined ? undefined : at("fanout", fanoutProblem(value.fanout))),
    () => unknownKeysProblem(value, MESSAGE_FIELDS),
  );
}

function triggerProblem(value: unknown): FieldProblem | undefined {
  if (!isJsonObject(value)) return expected("object", value);
  if (value.kind === "full") return unknownKeysProblem(value, ["kind"]);
  if (value.kind === "hints")
    return firstProblem(
      () => at("hints", arrayProblem(value.hints, hintProblem, 1)),
      () => unknownKeysProblem(value, ["kind", "hints"]),
    );
  return at("kind", problem("Invalid discriminator value. Expected 'full' | 'hints'"));
}

function hintProblem(value: unknown): FieldProblem | undefined {
  if (!isJsonObject(value)) return expected("object", value);
  return firstProblem(
    () => at("provider", nonEmptyStringProblem(value.provider)),
    () => (value.sourceId === undefined ? undefined : at("sourceId", nonEmptyStringProblem(value.sourceId))),
    () => at("secretId", nonEmptyStringProblem(value.secretId)),
    () => (value.version === undefined ? undefined : at("version", nonEmptyStringProblem(value.version))),
    () => at("action", oneOfProblem(value.action, HINT_ACTIONS)),
    () => (value.reason === undefined ? undefined : at("reason", stringProblem(value.reason))),
    () => (value.keys === undefined ? undefined : at("keys", arrayProblem(value.keys, keyProblem, 0))),
    () => unknownKeysProblem(value, HINT_FIELDS),
  );
}

function keyProblem(value: unknown): FieldProblem | undefined {
  if (!isJsonObject(value)) return expected("object", value);
  return firstProblem(
    () => at("kind", oneOfProblem(value.kind, KEY_KINDS)),
    () => at("id", nonEmptyStringProblem(value.id)),
    () => unknownKeysProblem(value, ["kind", "id"]),
  );
}

function fanoutProblem(value: unknown): FieldProblem | undefined {
  if (!isJsonObject(value)) return expected("object", value);
  return firstProblem(
    () => {
      const fingerprint = value.fingerprint;
      if (typeof fingerprint !== "string") return at("fingerprint", expected("string", fingerprint));
      return FINGERPRINT.test(fingerprint) ? undefined : at("fingerprint", problem("must be the 64 hex digits of a keyed hash"));
    },
    () => at("at", nonEmptyStringProblem(value.at)),
    () => unknownKeysProblem(value, ["fingerprint", "at"]),
  );
}

/** The message a checked value holds: only the known fields, absent optional ones left out. */
function toSyncMessage(data: JsonObject): SyncMessage {
  const trigger = data.trigger as JsonObject;
  const fanout = data.fanout as JsonObject | undefined;
  const message: SyncMessage = {
    v: SYNC_MESSAGE_VERSION,
    deployment: data.deployment as string,
    trigger: trigger.kind === "full" ? { kind: "full" } : { kind: "hints", hints: (trigger.hints as JsonObject[]).map(toHint) },
    origin: data.origin as string,
    ...(fanout === undefined ? {} : { fanout: { fingerprint: fanout.fingerprint as string, at: fanout.at as string } }),
  };
  return message;
}

function toHint(h: JsonObject): ChangeHint {
  return {
    provider: h.provider as string,
    secretId: h.secretId as string,
    action: h.action as ChangeHint["action"],
    ...(h.sourceId === undefined ? {} : { sourceId: h.sourceId as string }),
    ...(h.version === undefined ? {} : { version: h.version as string }),
    ...(h.reason === undefined ? {} : { reason: h.reason as string }),
    ...(h.keys === undefined
      ? {}
      : { keys: (h.keys as JsonObject[]).map((k) => ({ kind: k.kind as "connection" | "variable", id: k.id as string })) }),
  };
}
