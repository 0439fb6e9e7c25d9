/**
 * How a server answers a request that breaks its OpenAPI spec. Each framework has its own
 * shape, and clients parse that shape, so the emulators answer exactly like the real server:
 *
 * - `connexion` (Airflow 2 `/api/v1`): HTTP 400 with an RFC 7807 problem object whose `detail`
 *   is one jsonschema-style sentence (`'abc' is not of type 'integer' - 'limit'`).
 * - `fastapi` (Airflow 3 `/api/v2`, `/auth/token`): HTTP 422 `HTTPValidationError`
 *   `{detail: [{type, loc, msg, input}]}`. FastAPI echoes the offending `input`, as the real
 *   server does, so clients must never copy an error body verbatim into a message.
 * - a function: any other server (the Astro API answers `{message, statusCode, fieldErrors}`).
 */

/** One schema violation, framework-neutral. */
export interface SpecViolation {
  /** Where: `body`, `query`, `path` or `header`, then the property path (`["body","port"]`). */
  readonly loc: readonly (string | number)[];
  /** What was expected, in plain words. */
  readonly message: string;
  /** The ajv keyword that failed (`type`, `required`, `additionalProperties`, …) or `json_invalid`. */
  readonly keyword: string;
  /** The offending value (for FastAPI's `input` echo); absent when missing. */
  readonly input?: unknown;
}

export type ErrorStyle =
  | "connexion"
  | "fastapi"
  | ((violations: readonly SpecViolation[]) => { readonly status: number; readonly body: unknown });

export function validationErrorBody(style: ErrorStyle, violations: readonly SpecViolation[]): { status: number; body: unknown } {
  if (typeof style === "function") return style(violations);
  if (style === "fastapi") {
    return {
      status: 422,
      body: {
        detail: violations.map((v) => ({
          type: fastapiType(v.keyword),
          loc: v.loc,
          msg: v.message,
          ...(v.input === undefined ? {} : { input: v.input }),
        })),
      },
    };
  }
  const first = violations[0];
  const where = first === undefined ? "" : first.loc.slice(1).join(".");
  return {
    status: 400,
    body: {
      detail: first === undefined ? "Bad request" : `${first.message}${where ? ` - '${where}'` : ""}`,
      status: 400,
      title: "Bad Request",
      type: "about:blank",
    },
  };
}

/** Pydantic v2 error `type`s for the ajv keywords that can fail. */
function fastapiType(keyword: string): string {
  switch (keyword) {
    case "required":
      return "missing";
    case "additionalProperties":
      return "extra_forbidden";
    case "maxLength":
      return "string_too_long";
    case "minLength":
      return "string_too_short";
    case "pattern":
      return "string_pattern_mismatch";
    case "enum":
    case "const":
      return "literal_error";
    case "json_invalid":
      return "json_invalid";
    case "minimum":
      return "greater_than_equal";
    default:
      return "value_error";
  }
}
