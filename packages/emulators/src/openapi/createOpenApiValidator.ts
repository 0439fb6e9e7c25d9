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
import type { ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { check } from "./ajvViolations.ts";
import { coerceParameter } from "./coerceParameter.ts";
import { buildOperations, collectFormats, type JsonObject, resolveRef, serverBasePath } from "./specOperations.ts";
import { type ErrorStyle, type SpecViolation, validationErrorBody } from "./validationErrorBody.ts";

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

function headerValue(headers: OpenApiRequest["headers"], name: string): string | undefined {
  const v = headers?.[name] ?? headers?.[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}
