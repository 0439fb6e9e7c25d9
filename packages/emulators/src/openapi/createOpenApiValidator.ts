/**
 * A request validator built from an OpenAPI 3.0 or 3.1 spec file, for the emulators: every
 * request an emulator receives goes through it first, so a client that sends what the real
 * server would reject fails in tests the way it would fail in production.
 *
 * Usage:
 *
 * ```ts
 * const validator = createOpenApiValidator("packages/emulators/specs/airflow-rest-api-v2.yaml");
 * const result = validator.validate({ method: "PATCH", path: "/api/v2/connections", query: url.searchParams,
 *                                     headers: req.headers, body: rawBodyText });
 * if (!result.ok) return send(result.status, result.body);   // 400/422 shaped like the real server
 * switch (result.operationId) { case "bulk_connections": handle(result.pathParams, result.query, result.body); }
 * ```
 *
 * - Routing: the method and path (raw, URL-encoded) are matched against the spec's path
 *   templates, literal segments winning over parameters (`/connections/test` before
 *   `/connections/{connection_id}`). A relative `servers[0].url` (`/api/v1`) is the base path
 *   unless `basePath` says otherwise. No match: 404; path matched but not the method: 405.
 * - Parameters: path and query parameters are converted from strings as the framework does
 *   (`coerceParameter`) and checked against their schemas; unknown query parameters are ignored,
 *   as both connexion and FastAPI do. Header parameters are not checked.
 * - Body: JSON (or `application/x-www-form-urlencoded` where the operation accepts it) is
 *   parsed and checked against the operation's schema with ajv: draft-07 plus OpenAPI's
 *   `nullable` for 3.0, JSON Schema 2020-12 for 3.1 (`anyOf` with `type: 'null'`, `const`).
 *   `$ref`s resolve inside the spec document. Unknown `format`s (`path`, `password`) pass.
 * - Errors: `errorStyle` picks the answer's shape (`validationErrorBody.ts`); by default
 *   `connexion` (400) for 3.0 specs and `fastapi` (422) for 3.1 specs.
 */
import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { coerceParameter } from "./coerceParameter.ts";
import { type ErrorStyle, type SpecViolation, validationErrorBody } from "./validationErrorBody.ts";

type JsonObject = Readonly<Record<string, unknown>>;

export interface OpenApiRequest {
  readonly method: string;
  /** The request path without the query string, still URL-encoded. */
  readonly path: string;
  readonly query?: URLSearchParams | string;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body text; empty or undefined when there is none. */
  readonly body?: string;
}

export type OpenApiValidation =
  | {
      readonly ok: true;
      readonly operationId: string;
      /** The matched template, with the base path: `/api/v1/connections/{connection_id}`. */
      readonly pathTemplate: string;
      /** Decoded path parameters. */
      readonly pathParams: Readonly<Record<string, string>>;
      /** Declared query parameters, converted to their schema types. */
      readonly query: Readonly<Record<string, unknown>>;
      /** The parsed body (JSON value or form fields), undefined when there was none. */
      readonly body: unknown;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly body: unknown;
      readonly violations: readonly SpecViolation[];
      /** Set when the route matched and only the parameters or body were wrong. */
      readonly operationId?: string;
    };

export interface OpenApiValidator {
  readonly openapi: "3.0" | "3.1";
  readonly basePath: string;
  validate(request: OpenApiRequest): OpenApiValidation;
}

export interface OpenApiValidatorOptions {
  readonly errorStyle?: ErrorStyle;
  /** Overrides the base path taken from `servers[0].url`. */
  readonly basePath?: string;
  /**
   * Path parameters that may contain `/`. OpenAPI 3.0 marks them `format: path`; FastAPI's
   * `{variable_key:path}` loses the marker in the generated 3.1 spec, so name them here.
   */
  readonly greedyPathParams?: readonly string[];
}

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: JsonObject;
  readonly style?: string;
  readonly explode?: boolean;
  readonly pointer: string;
}

interface Operation {
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
const SPEC_ID = "openapi-spec";
// ajv-formats ships CommonJS with `module.exports = exports.default`; take whichever is callable.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export function createOpenApiValidator(specPath: string, options: OpenApiValidatorOptions = {}): OpenApiValidator {
  const doc = parseYaml(readFileSync(specPath, "utf8")) as JsonObject;
  const version = String(doc.openapi ?? "").startsWith("3.1") ? "3.1" : "3.0";
  const ajv = version === "3.1" ? new Ajv2020(ajvOptions()) : new Ajv(ajvOptions());
  addFormats(ajv as Ajv);
  for (const format of collectFormats(doc)) if (ajv.formats[format] === undefined) ajv.addFormat(format, true);
  ajv.addSchema(doc as object, SPEC_ID);

  const basePath = trimSlash(options.basePath ?? serverBasePath(doc));
  const greedy = new Set(options.greedyPathParams ?? []);
  const errorStyle = options.errorStyle ?? (version === "3.1" ? "fastapi" : "connexion");
  const operations = buildOperations(doc, basePath, greedy);
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string): ValidateFunction => {
    let fn = compiled.get(pointer);
    if (fn === undefined) {
      fn = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
      compiled.set(pointer, fn);
    }
    return fn;
  };
  const resolve = (schema: JsonObject): JsonObject => resolveRef(doc, schema);

  function fail(violations: SpecViolation[], operationId: string): OpenApiValidation {
    return { ok: false, ...validationErrorBody(errorStyle, violations), violations, operationId };
  }

  return {
    openapi: version,
    basePath,
    validate(request) {
      const method = request.method.toLowerCase();
      const path = request.path.split("?")[0] ?? "";
      const candidates = operations.filter((op) => op.regex.test(path));
      if (candidates.length === 0) return routingError(errorStyle, 404);
      const op = candidates.find((c) => c.method === method);
      if (op === undefined) return routingError(errorStyle, 405);

      const violations: SpecViolation[] = [];
      const match = op.regex.exec(path);
      const pathParams: Record<string, string> = {};
      op.paramNames.forEach((name, i) => {
        const raw = match?.[i + 1] ?? "";
        try {
          pathParams[name] = decodeURIComponent(raw);
        } catch {
          violations.push({ loc: ["path", name], message: "is not a valid URL-encoded value", keyword: "format" });
        }
      });
      const search = request.query instanceof URLSearchParams ? request.query : new URLSearchParams(request.query ?? "");
      const query: Record<string, unknown> = {};
      for (const param of op.parameters) {
        if (param.in !== "query" && param.in !== "path") continue;
        const values =
          param.in === "path"
            ? pathParams[param.name] === undefined
              ? []
              : [pathParams[param.name] as string]
            : search.getAll(param.name);
        if (values.length === 0) {
          if (param.required === true)
            violations.push({ loc: [param.in, param.name], message: `'${param.name}' is a required parameter`, keyword: "required" });
          continue;
        }
        const value = coerceParameter(values, param, resolve);
        if (param.schema !== undefined) violations.push(...check(validatorAt(`${param.pointer}/schema`), value, [param.in, param.name]));
        if (param.in === "query") query[param.name] = value;
      }

      let body: unknown;
      const text = request.body ?? "";
      if (op.bodySchemas.size > 0) {
        const contentType = headerValue(request.headers, "content-type")?.split(";")[0]?.trim().toLowerCase() ?? "application/json";
        if (text.trim() === "") {
          if (op.bodyRequired) violations.push({ loc: ["body"], message: "Request body is required", keyword: "required" });
        } else if (contentType === "application/x-www-form-urlencoded" && op.bodySchemas.has(contentType)) {
          body = Object.fromEntries(new URLSearchParams(text));
          violations.push(...check(validatorAt(op.bodySchemas.get(contentType) as string), body, ["body"]));
        } else {
          const pointer = op.bodySchemas.get("application/json") ?? op.bodySchemas.get(contentType);
          if (pointer === undefined) {
            return { ok: false, status: 415, body: { detail: "Unsupported Media Type" }, violations: [], operationId: op.operationId };
          }
          try {
            body = JSON.parse(text);
            violations.push(...check(validatorAt(pointer), body, ["body"]));
          } catch {
            violations.push({ loc: ["body"], message: "Request body is not valid JSON", keyword: "json_invalid" });
          }
        }
      }
      if (violations.length > 0) return fail(violations, op.operationId);
      return { ok: true, operationId: op.operationId, pathTemplate: op.template, pathParams, query, body };
    },
  };
}

function ajvOptions() {
  // strict: false because OpenAPI schemas carry keywords JSON Schema does not know
  // (`example`, `xml`, `x-*`, `discriminator`); validateSchema: false because the root
  // document is an OpenAPI file, not a schema.
  return { strict: false, allErrors: true, validateSchema: false, logger: false } as const;
}

function check(fn: ValidateFunction, value: unknown, prefix: readonly (string | number)[]): SpecViolation[] {
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

function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

function routingError(style: ErrorStyle, status: 404 | 405): OpenApiValidation {
  const title = status === 404 ? "Not Found" : "Method Not Allowed";
  const body =
    style === "connexion"
      ? {
          detail:
            status === 404
              ? "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
              : "The method is not allowed for the requested URL.",
          status,
          title,
          type: "about:blank",
        }
      : { detail: title };
  return { ok: false, status, body, violations: [] };
}

function buildOperations(doc: JsonObject, basePath: string, greedy: ReadonlySet<string>): Operation[] {
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

function resolveRef(doc: JsonObject, node: JsonObject): JsonObject {
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

function collectFormats(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const x of node) collectFormats(x, out);
  else if (typeof node === "object" && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "format" && typeof v === "string") out.add(v);
      else collectFormats(v, out);
    }
  }
  return out;
}

function serverBasePath(doc: JsonObject): string {
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

function headerValue(headers: OpenApiRequest["headers"], name: string): string | undefined {
  const v = headers?.[name] ?? headers?.[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

function asObject(value: unknown): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
