import * as z from "@afsync/core/config/zodMini";
import type { $ZodType } from "zod/v4/core";

/** Where the JSON broke: not JSON at all, or the first schema issue with its dotted path (null at the root). */
export type JsonProblem =
  | { readonly kind: "not-json" }
  | { readonly kind: "schema"; readonly path: string | null; readonly message: string };

/**
 * Parses text the edge received (a queue body, a webhook body) as JSON and then by a schema. The
 * problem names the field at fault, never the text: a body may be anything a caller sent.
 */
export function parseJsonWith<S extends $ZodType>(
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
