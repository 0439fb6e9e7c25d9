/**
 * ajv errors turned into framework-neutral `SpecViolation`s: the location as the servers report
 * it (`["body", "actions", 0, "entities", 1, "port"]`), a jsonschema-style message, and the
 * offending input for servers that echo it.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { valueAt } from "./specOperations.ts";
import type { SpecViolation } from "./validationErrorBody.ts";

export function check(fn: ValidateFunction, value: unknown, prefix: readonly (string | number)[]): SpecViolation[] {
  if (fn(value)) return [];
  return dedupe((fn.errors ?? []).filter((e) => !isAggregate(e)).map((e) => toViolation(e, value, prefix)));
}

/** `anyOf`/`oneOf` failures repeat what their branches already said. */
function isAggregate(error: ErrorObject): boolean {
  return error.keyword === "anyOf" || error.keyword === "oneOf" || error.keyword === "if";
}

function toViolation(error: ErrorObject, root: unknown, prefix: readonly (string | number)[]): SpecViolation {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const input = valueAt(root, segments);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") {
    const name = String(params.missingProperty);
    return { loc: [...prefix, ...segments, name], message: `'${name}' is a required property`, keyword: "required" };
  }
  if (error.keyword === "additionalProperties") {
    const name = String(params.additionalProperty);
    return {
      loc: [...prefix, ...segments, name],
      message: `Additional properties are not allowed ('${name}' was unexpected)`,
      keyword: "additionalProperties",
      input: valueAt(input, [name]),
    };
  }
  const message = error.keyword === "type" ? `value is not of type '${String(params.type)}'` : `value ${error.message ?? "is invalid"}`;
  return { loc: [...prefix, ...segments], message, keyword: error.keyword, input };
}

function dedupe(violations: SpecViolation[]): SpecViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const id = `${JSON.stringify(v.loc)}|${v.keyword}|${v.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
