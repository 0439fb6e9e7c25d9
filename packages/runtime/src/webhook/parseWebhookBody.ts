import { type AirflowKey, parseKeyString } from "@afsync/core";
import {
  arrayProblem,
  at,
  dottedPath,
  expected,
  type FieldProblem,
  firstProblem,
  isJsonObject,
  nonEmptyStringProblem,
  problem,
  stringProblem,
  unknownKeysProblem,
} from "../edge/jsonFieldProblems.ts";

export type WebhookRequest = { readonly source: string; readonly keys: readonly AirflowKey[] | null };

/** The most keys one request may name (a body of at most 256 KiB holds them: see HttpLimits). */
const MAX_KEYS = 10_000;

/**
 * The parsed body, or what is wrong with it (for a 400), naming the field at fault:
 * `{"source": "<source id>", "keys"?: ["conn:<id>" | "var:<key>", …]}`; no `keys` means
 * "everything in that source". Checked by hand rather than by a zod schema (see
 * `jsonFieldProblems.ts`; the schema it replaces is the test's reference).
 */
export function parseWebhookBody(raw: string): { ok: true; request: WebhookRequest } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: "body is not valid JSON" };
  }
  const found = webhookBodyProblem(json);
  if (found !== undefined) {
    return {
      ok: false,
      error: `${dottedPath(found) ?? "body"}: ${found.message || "invalid"} (expected {"source": id, "keys"?: ["conn:<id>" | "var:<key>"]})`,
    };
  }
  const body = json as { source: string; keys?: string[] };
  if (body.keys === undefined) return { ok: true, request: { source: body.source, keys: null } };
  const keys: AirflowKey[] = [];
  for (const [i, text] of body.keys.entries()) {
    const key = parseKeyString(text);
    if (key === null) return { ok: false, error: `keys.${i}: expected "conn:<conn_id>" or "var:<key>"` };
    keys.push(key);
  }
  return { ok: true, request: { source: body.source, keys } };
}

function webhookBodyProblem(value: unknown): FieldProblem | undefined {
  if (!isJsonObject(value)) return expected("object", value);
  return firstProblem(
    () => at("source", nonEmptyStringProblem(value.source)),
    () => (value.keys === undefined ? undefined : at("keys", keysProblem(value.keys))),
    () => unknownKeysProblem(value, ["source", "keys"]),
  );
}

function keysProblem(value: unknown): FieldProblem | undefined {
  const found = arrayProblem(value, stringProblem, 1, "list at least one key, or leave keys out for the whole source");
  if (found !== undefined || !Array.isArray(value) || value.length <= MAX_KEYS) return found;
  return problem(`Too big: expected array to have <=${MAX_KEYS} items`);
}
