/**
 * The checks the edge decoders (`decodeSyncMessage`, `parseWebhookBody`) make on parsed JSON,
 * written out by hand instead of as zod schemas: zod's module initialisation, its schema
 * construction and its first parse were about 5 ms of a producer's cold start, for two small
 * shapes. Each check reports what zod reported for the same input (the first issue's path and
 * its English message), so the reasons the functions log and the webhook answers stay the same;
 * `test/edgeDecoders.property.test.ts` holds them to the zod schemas they replace.
 */

/** The first thing wrong with a value: where (a path below it) and zod's message. */
export interface FieldProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A problem at the value itself. */
export function problem(message: string): FieldProblem {
  return { path: [], message };
}

/** `inner`, found at `key` of the value. */
export function at(key: string | number, inner: FieldProblem | undefined): FieldProblem | undefined {
  return inner === undefined ? undefined : { path: [key, ...inner.path], message: inner.message };
}

export function expected(type: "object" | "array" | "string", value: unknown): FieldProblem {
  return problem(`Invalid input: expected ${type}, received ${jsonTypeName(value)}`);
}

export function stringProblem(value: unknown): FieldProblem | undefined {
  return typeof value === "string" ? undefined : expected("string", value);
}

export function nonEmptyStringProblem(value: unknown): FieldProblem | undefined {
  if (typeof value !== "string") return expected("string", value);
  return value.length >= 1 ? undefined : problem("Too small: expected string to have >=1 characters");
}

export function oneOfProblem(value: unknown, options: readonly string[]): FieldProblem | undefined {
  return typeof value === "string" && options.includes(value)
    ? undefined
    : problem(`Invalid option: expected one of ${options.map((o) => `"${o}"`).join("|")}`);
}

/**
 * An array whose every element passes `element` (the first failing element wins, as in zod, and
 * then its length is not checked), with at least `min` elements.
 */
export function arrayProblem(
  value: unknown,
  element: (item: unknown) => FieldProblem | undefined,
  min: number,
  tooFew = `Too small: expected array to have >=${min} items`,
): FieldProblem | undefined {
  if (!Array.isArray(value)) return expected("array", value);
  for (const [i, item] of value.entries()) {
    const found = at(i, element(item));
    if (found !== undefined) return found;
  }
  return value.length >= min ? undefined : problem(tooFew);
}

/** A strict object's keys beyond `known`, reported after its fields, as zod does. */
export function unknownKeysProblem(value: JsonObject, known: readonly string[]): FieldProblem | undefined {
  const extra = Object.keys(value).filter((key) => !known.includes(key));
  if (extra.length === 0) return undefined;
  return problem(`Unrecognized key${extra.length > 1 ? "s" : ""}: ${extra.map((key) => `"${key}"`).join(", ")}`);
}

/** The first problem of several checks made in order (zod checks an object's fields in its shape's order). */
export function firstProblem(...checks: (() => FieldProblem | undefined)[]): FieldProblem | undefined {
  for (const check of checks) {
    const found = check();
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A dotted path (`trigger.hints.0.secretId`), or null at the root. */
export function dottedPath(found: FieldProblem): string | null {
  return found.path.length > 0 ? found.path.join(".") : null;
}

/** A JSON value's type as zod's messages name it. */
function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
