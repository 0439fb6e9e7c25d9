import type { AirflowKey } from "@afsync/core";
import { parseKeyString } from "@afsync/core";
import * as z from "@afsync/core/config/zodMini";
import type { $ZodType } from "zod/v4/core";

/**
 * The zod schemas the edge decoders were, kept as the reference the hand-written decoders
 * (`decodeSyncMessage`, `parseWebhookBody`) are held to: same answer, same reason, for any input
 * (edgeDecoders.property.test.ts). These are the functions' code before the change, verbatim.
 */
const nonEmpty = () => z.string().check(z.minLength(1));

const keySchema = z.strictObject({ kind: z.enum(["connection", "variable"]), id: nonEmpty() });

const hintSchema = z.strictObject({
  provider: nonEmpty(),
  sourceId: z.optional(nonEmpty()),
  secretId: nonEmpty(),
  version: z.optional(nonEmpty()),
  action: z.enum(["upsert", "delete", "notice", "ignore"]),
  reason: z.optional(z.string()),
  keys: z.optional(z.array(keySchema)),
});

export const syncMessageSchema = z.strictObject({
  v: z.literal(1),
  deployment: nonEmpty(),
  trigger: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("full") }),
    z.strictObject({ kind: z.literal("hints"), hints: z.array(hintSchema).check(z.minLength(1)) }),
  ]),
  origin: nonEmpty(),
  fanout: z.optional(
    z.strictObject({
      fingerprint: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be the 64 hex digits of a keyed hash")),
      at: nonEmpty(),
    }),
  ),
});

const webhookBodySchema = z.strictObject({
  source: z.string().check(z.minLength(1)),
  keys: z.optional(
    z.array(z.string()).check(z.minLength(1, "list at least one key, or leave keys out for the whole source"), z.maxLength(10_000)),
  ),
});

type JsonProblem = { readonly kind: "not-json" } | { readonly kind: "schema"; readonly path: string | null; readonly message: string };

function parseJsonWith<S extends $ZodType>(
  schema: S,
  text: string,
): { readonly ok: true; readonly data: z.output<S> } | { readonly ok: false; readonly problem: JsonProblem } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: { kind: "not-json" } };
  }
  const parsed = z.safeParse(schema, json);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    problem: { kind: "schema", path: issue && issue.path.length > 0 ? issue.path.join(".") : null, message: issue?.message ?? "" },
  };
}

export function zodDecodeSyncMessage(body: string): { ok: true; message: unknown } | { ok: false; reason: string } {
  const parsed = parseJsonWith(syncMessageSchema, body);
  if (parsed.ok) return { ok: true, message: withoutAbsentKeys(parsed.data) };
  const { problem } = parsed;
  if (problem.kind === "not-json") return { ok: false, reason: "message body is not JSON" };
  return { ok: false, reason: `invalid sync message at ${problem.path ?? "(root)"}: ${problem.message || "does not match the schema"}` };
}

export function zodParseWebhookBody(
  raw: string,
): { ok: true; request: { source: string; keys: readonly AirflowKey[] | null } } | { ok: false; error: string } {
  const parsed = parseJsonWith(webhookBodySchema, raw);
  if (!parsed.ok) {
    const { problem } = parsed;
    if (problem.kind === "not-json") return { ok: false, error: "body is not valid JSON" };
    return {
      ok: false,
      error: `${problem.path ?? "body"}: ${problem.message || "invalid"} (expected {"source": id, "keys"?: ["conn:<id>" | "var:<key>"]})`,
    };
  }
  if (parsed.data.keys === undefined) return { ok: true, request: { source: parsed.data.source, keys: null } };
  const keys: AirflowKey[] = [];
  for (const [i, text] of parsed.data.keys.entries()) {
    const key = parseKeyString(text);
    if (key === null) return { ok: false, error: `keys.${i}: expected "conn:<conn_id>" or "var:<key>"` };
    keys.push(key);
  }
  return { ok: true, request: { source: parsed.data.source, keys } };
}

/** zod's output with the keys it leaves undefined dropped (the decoder's `stripUndefined` did this). */
function withoutAbsentKeys(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
