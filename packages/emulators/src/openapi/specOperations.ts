/**
 * The operations of an OpenAPI document, ready for routing: each method + path template as a
 * regex (with the base path), its parameters merged from path and operation level, and the
 * JSON pointers of its body schemas, so ajv can compile them in place and resolve their `$ref`s
 * against the whole document.
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: JsonObject;
  readonly style?: string;
  readonly explode?: boolean;
  readonly pointer: string;
}

export interface Operation {
  readonly method: string;
  readonly template: string;
  readonly regex: RegExp;
  readonly paramNames: readonly string[];
  readonly literalWeight: number;
  readonly operationId: string;
  readonly parameters: readonly Parameter[];
  readonly bodyRequired: boolean;
  /** Content type → JSON pointer of its schema. */
  readonly bodySchemas: ReadonlyMap<string, string>;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export function buildOperations(doc: JsonObject, basePath: string, greedy: ReadonlySet<string>): Operation[] {
  const out: Operation[] = [];
  const paths = asObject(doc.paths);
  for (const [template, rawItem] of Object.entries(paths)) {
    const item = asObject(rawItem);
    const itemPointer = `/paths/${escapePointer(template)}`;
    const shared = parametersOf(doc, item.parameters, `${itemPointer}/parameters`);
    for (const method of METHODS) {
      const rawOp = item[method];
      if (rawOp === undefined) continue;
      const op = asObject(rawOp);
      const opPointer = `${itemPointer}/${method}`;
      const own = parametersOf(doc, op.parameters, `${opPointer}/parameters`);
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      const full = `${basePath}${template}`;
      const paramNames: string[] = [];
      const regexSource = full
        .split("/")
        .map((segment) =>
          segment.replace(/\{([^}]+)\}|([^{]+)/g, (_m, name: string | undefined, literal: string | undefined) => {
            if (name === undefined) return escapeRegex(literal ?? "");
            paramNames.push(name);
            const isGreedy = greedy.has(name) || parameters.some((p) => p.name === name && p.in === "path" && p.schema?.format === "path");
            return isGreedy ? "(.+)" : "([^/]+)";
          }),
        )
        .join("/");
      const requestBody = resolveRef(doc, asObject(op.requestBody));
      const bodyPointer = isRef(op.requestBody) ? refPointer(op.requestBody) : `${opPointer}/requestBody`;
      const bodySchemas = new Map<string, string>();
      for (const [type, media] of Object.entries(asObject(requestBody.content))) {
        if (asObject(media).schema !== undefined) bodySchemas.set(type, `${bodyPointer}/content/${escapePointer(type)}/schema`);
      }
      out.push({
        method,
        template: full,
        regex: new RegExp(`^${regexSource}/?$`),
        paramNames,
        literalWeight: full.split("/").filter((s) => s !== "" && !s.includes("{")).length * 100 - paramNames.length,
        operationId: typeof op.operationId === "string" ? op.operationId : `${method} ${full}`,
        parameters,
        bodyRequired: requestBody.required === true,
        bodySchemas,
      });
    }
  }
  // Literal segments win: `/connections/test` must not be taken for `/connections/{connection_id}`.
  return out.sort((a, b) => b.literalWeight - a.literalWeight);
}

function parametersOf(doc: JsonObject, raw: unknown, pointer: string): Parameter[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((entry, i) => {
    const at = isRef(entry) ? refPointer(entry) : `${pointer}/${i}`;
    const p = resolveRef(doc, asObject(entry));
    return {
      name: String(p.name),
      in: String(p.in),
      ...(typeof p.required === "boolean" ? { required: p.required } : {}),
      ...(p.schema === undefined ? {} : { schema: asObject(p.schema) }),
      ...(typeof p.style === "string" ? { style: p.style } : {}),
      ...(typeof p.explode === "boolean" ? { explode: p.explode } : {}),
      pointer: at,
    };
  });
}

export function resolveRef(doc: JsonObject, node: JsonObject): JsonObject {
  let cur = node;
  for (let depth = 0; depth < 20 && isRef(cur); depth++) cur = asObject(valueAt(doc, pointerSegments(refPointer(cur))));
  return cur;
}

function isRef(node: unknown): node is { $ref: string } {
  return typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string";
}

function refPointer(node: { $ref: string }): string {
  return node.$ref.startsWith("#") ? node.$ref.slice(1) : node.$ref;
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function collectFormats(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const x of node) collectFormats(x, out);
  else if (typeof node === "object" && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "format" && typeof v === "string") out.add(v);
      else collectFormats(v, out);
    }
  }
  return out;
}

export function serverBasePath(doc: JsonObject): string {
  const servers = doc.servers;
  const first = Array.isArray(servers) ? asObject(servers[0]).url : undefined;
  if (typeof first !== "string") return "";
  if (first.startsWith("/")) return first;
  try {
    return new URL(first).pathname;
  } catch {
    return "";
  }
}

export function asObject(value: unknown): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}
