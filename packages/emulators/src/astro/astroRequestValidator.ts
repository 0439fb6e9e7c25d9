import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { createOpenApiValidator, type OpenApiValidation } from "../openapi/createOpenApiValidator.ts";
import type { SpecViolation } from "../openapi/validationErrorBody.ts";

/**
 * Checks each Astro API request against its spec: Deployments against the Astro API v1 spec
 * (`/v1`, reconstructed from the generated v1 clients) or the saved Platform API v1beta1 file
 * (`/platform/v1beta1`), by the version the request was sent to; the Environment Manager against
 * the reconstructed environment-objects file. Failures answer like the Astro API: 400
 * `{message, requestId, statusCode, fieldErrors}`.
 */

export type AstroApiVersion = "v1" | "v1beta1";

const DEPLOYMENT_SPECS: Readonly<Record<AstroApiVersion, string>> = {
  v1: fileURLToPath(new URL("../../specs/astro-api-v1-deployments.yaml", import.meta.url)),
  v1beta1: fileURLToPath(new URL("../../specs/astro-platform-api-v1beta1.yaml", import.meta.url)),
};
const ENVIRONMENT_OBJECTS_SPEC = fileURLToPath(new URL("./astro-environment-objects.openapi.yaml", import.meta.url));
const VARIANTS: Readonly<Record<string, string>> = {
  STANDARD: "UpdateStandardDeploymentRequest",
  DEDICATED: "UpdateDedicatedDeploymentRequest",
  HYBRID: "UpdateHybridDeploymentRequest",
};
const UPDATE_DEPLOYMENT = /^\/organizations\/([^/]+)\/deployments\/([^/]+)\/?$/;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface AstroRequest {
  /** The API the request was sent to, from its path prefix. */
  readonly version: AstroApiVersion;
  readonly method: string;
  /** Path below the API version prefix: `/organizations/o/deployments/d`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
}

export type AstroValidation = OpenApiValidation;

export function createAstroRequestValidator(nextRequestId: () => string): (request: AstroRequest) => AstroValidation {
  const errorStyle = (violations: readonly SpecViolation[]) => ({ status: 400, body: astroValidationBody(violations, nextRequestId()) });
  const deployments = {
    v1: createOpenApiValidator(DEPLOYMENT_SPECS.v1, { basePath: "", errorStyle }),
    v1beta1: createOpenApiValidator(DEPLOYMENT_SPECS.v1beta1, { basePath: "", errorStyle }),
  };
  const environmentObjects = createOpenApiValidator(ENVIRONMENT_OBJECTS_SPEC, { basePath: "", errorStyle });
  const variants = { v1: deploymentVariantValidators(DEPLOYMENT_SPECS.v1), v1beta1: deploymentVariantValidators(DEPLOYMENT_SPECS.v1beta1) };

  const variantViolations = (version: AstroApiVersion, body: Record<string, unknown>): SpecViolation[] => {
    const check = variants[version].get(String(body.type));
    if (check === undefined) return [typeViolation(body.type)];
    if (check(body)) return [];
    return (check.errors ?? []).map((e) => ({
      loc: ["body", ...e.instancePath.split("/").slice(1), ...(e.keyword === "required" ? [String(e.params.missingProperty)] : [])],
      message: e.keyword === "required" ? "is required" : (e.message ?? "is invalid"),
      keyword: e.keyword,
    }));
  };

  return (request) => {
    const validator = request.path.includes("/environment-objects") ? environmentObjects : deployments[request.version];
    const result = validator.validate(request);
    // UpdateDeploymentRequest is a oneOf, and a STANDARD body is also a valid DEDICATED one, so
    // plain oneOf semantics cannot decide (and its errors mix all three variants). v1beta1 has
    // no discriminator; v1 declares `type` as one. The server picks the variant by `type`, as
    // astro-cli's generated clients do, and so does the emulator, for both versions.
    const match = request.method === "POST" ? UPDATE_DEPLOYMENT.exec(request.path) : null;
    const body = match === null ? undefined : parseObject(request.body);
    if (match === null || body === undefined) return result;
    const violations = variantViolations(request.version, body);
    if (violations.length > 0) return { ok: false, ...errorStyle(violations), violations };
    return {
      ok: true,
      operationId: "UpdateDeployment",
      pathTemplate: "/organizations/{organizationId}/deployments/{deploymentId}",
      pathParams: { organizationId: decodeURIComponent(match[1] ?? ""), deploymentId: decodeURIComponent(match[2] ?? "") },
      query: {},
      body,
    };
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function deploymentVariantValidators(specPath: string): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addSchema(parseYaml(readFileSync(specPath, "utf8")) as object, "astro-deployments");
  return new Map(
    Object.entries(VARIANTS).map(([type, schema]) => [type, ajv.compile({ $ref: `astro-deployments#/components/schemas/${schema}` })]),
  );
}

function typeViolation(value: unknown): SpecViolation {
  return { loc: ["body", "type"], message: `must be one of STANDARD, DEDICATED, HYBRID (got ${JSON.stringify(value)})`, keyword: "enum" };
}

/**
 * The Astro API's 400: one sentence plus `fieldErrors`. Violations name the field and the rule,
 * never the offending value, as a secret could be in it.
 */
function astroValidationBody(violations: readonly SpecViolation[], requestId: string): Record<string, unknown> {
  const fieldErrors = violations.map((v) => `${v.loc.slice(1).join(".") || v.loc.join(".")}: ${v.message}`);
  return { message: `Invalid request: ${fieldErrors.join("; ")}`, requestId, statusCode: 400, fieldErrors };
}
