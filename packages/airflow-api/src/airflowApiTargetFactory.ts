/**
 * `deployments.<id>.target` with `type: airflow-api`, validated and turned into a target.
 *
 * ```yaml
 * target:
 *   type: airflow-api
 *   url: https://airflow.example.com      # /api/v1 or /api/v2 is appended
 *   api_version: 2                        # 1 | 2 | auto (ask the server)
 *   auth: { type: basic, username_env: AIRFLOW_USER, password_env: AIRFLOW_PASSWORD }
 * ```
 *
 * Credentials are never inline: `*_env` options name the environment variables that hold them,
 * read once here; an unset one is a `ConfigError` naming the option's path.
 */
// zod/mini: validated on a Lambda worker's cold start (see @afsync/core/config/zodMini).
import * as z from "@afsync/core/config/zodMini";
import { AIRFLOW_API_RETRY, type AirflowApiTarget } from "./AirflowApiTarget.ts";
import { type AirflowApiFactoryContext, airflowApiTargetFromOptions } from "./airflowApiTargetFromOptions.ts";
import { DEFAULT_MANIFEST_VARIABLE } from "./targetManifest.ts";

const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));
const httpUrl = z.string().check(z.refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), "must be an http(s) URL"));

export const airflowApiTargetOptions = z.strictObject({
  url: httpUrl,
  /** Overrides where requests go (tests point it at the emulators). */
  api_url: z.optional(httpUrl),
  api_version: z._default(z.union([z.literal(1), z.literal(2), z.literal("auto")]), "auto"),
  auth: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("basic"), username_env: envName, password_env: envName }),
    z.strictObject({ type: z.literal("bearer"), token_env: envName }),
    z.strictObject({ type: z.literal("airflow-token"), username_env: envName, password_env: envName }),
  ]),
  /** `manifest`: afsync's ownership records live in an Airflow variable of the Deployment. */
  state: z._default(z.enum(["manifest", "none"]), "manifest"),
  manifest_variable: z._default(z.string().check(z.minLength(1), z.maxLength(250)), DEFAULT_MANIFEST_VARIABLE),
  /** Page size asked for on lists; the server may clamp it (`[api] maximum_page_limit`). */
  page_limit: z._default(intBetween(1, 1000), 100),
  /** Entities per bulk call (v2). */
  batch_size: z._default(intBetween(1, 1000), 100),
  /** v1 (one entity per call): calls in flight at once. */
  concurrency: z._default(intBetween(1, 16), 4),
  retry: z.optional(
    z.strictObject({
      max_attempts: z._default(intBetween(1, 20), AIRFLOW_API_RETRY.maxAttempts),
      base_delay_ms: z._default(z.int().check(z.gte(0)), AIRFLOW_API_RETRY.baseDelayMs),
      max_delay_ms: z._default(z.int().check(z.gte(0)), AIRFLOW_API_RETRY.maxDelayMs),
    }),
  ),
});

export type AirflowApiTargetOptions = z.infer<typeof airflowApiTargetOptions>;

function intBetween(min: number, max: number) {
  return z.int().check(z.gte(min), z.lte(max));
}

export const airflowApiTargetFactory = {
  schema: airflowApiTargetOptions,
  create(raw: unknown, ctx: AirflowApiFactoryContext): AirflowApiTarget {
    return airflowApiTargetFromOptions(airflowApiTargetOptions.parse(raw), ctx);
  },
};
