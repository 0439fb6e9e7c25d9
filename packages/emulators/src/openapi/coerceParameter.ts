/**
 * Query, path and header parameters arrive as strings; their schemas say `integer`, `boolean`
 * or `array`. Both connexion and FastAPI convert before validating, so a `limit=abc` fails as
 * "not an integer" while `limit=10` passes. This mirrors that conversion.
 */

type JsonSchema = Readonly<Record<string, unknown>>;

/** The primitive types a schema admits, looking through OpenAPI 3.1 `anyOf: [{type: X}, {type: 'null'}]`. */
export function schemaTypes(schema: JsonSchema | undefined, resolve: (s: JsonSchema) => JsonSchema): Set<string> {
  const out = new Set<string>();
  if (schema === undefined) return out;
  const s = resolve(schema);
  const t = s.type;
  if (typeof t === "string") out.add(t);
  else if (Array.isArray(t)) for (const x of t) if (typeof x === "string") out.add(x);
  for (const k of ["anyOf", "oneOf", "allOf"]) {
    const list = s[k];
    if (Array.isArray(list)) for (const sub of list) if (isSchema(sub)) for (const x of schemaTypes(sub, resolve)) out.add(x);
  }
  return out;
}

/**
 * Converts the raw strings of one parameter. `values` holds every occurrence (`?a=1&a=2`).
 * Arrays follow the parameter's `style`/`explode`: OpenAPI's default for query is
 * `form` + `explode: true` (repeated keys); `explode: false` means one comma-separated value.
 */
export function coerceParameter(
  values: readonly string[],
  param: { readonly schema?: JsonSchema; readonly explode?: boolean; readonly style?: string; readonly in: string },
  resolve: (s: JsonSchema) => JsonSchema,
): unknown {
  const types = schemaTypes(param.schema, resolve);
  if (types.has("array")) {
    const explode = param.explode ?? (param.style === undefined || param.style === "form");
    const raw = explode && param.in === "query" ? values : values.flatMap((v) => v.split(","));
    const items = itemSchema(param.schema, resolve);
    return raw.map((v) => coerceScalar(v, schemaTypes(items, resolve)));
  }
  const last = values[values.length - 1];
  return last === undefined ? undefined : coerceScalar(last, types);
}

function coerceScalar(value: string, types: Set<string>): unknown {
  if (types.has("string")) return value;
  if ((types.has("integer") || types.has("number")) && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  if (types.has("boolean")) {
    const lower = value.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  if (types.has("null") && value === "") return null;
  // Left as a string so the schema check reports it as the wrong type.
  return value;
}

function itemSchema(schema: JsonSchema | undefined, resolve: (s: JsonSchema) => JsonSchema): JsonSchema | undefined {
  if (schema === undefined) return undefined;
  const s = resolve(schema);
  if (isSchema(s.items)) return s.items;
  for (const k of ["anyOf", "oneOf"]) {
    const list = s[k];
    if (Array.isArray(list)) {
      for (const sub of list) {
        const found = isSchema(sub) ? itemSchema(sub, resolve) : undefined;
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
