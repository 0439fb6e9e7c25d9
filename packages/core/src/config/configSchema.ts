import { DEFAULT_HMAC_KEY_ENV, DEFAULT_STATE_PATH } from "./AfsyncConfig.ts";
import * as z from "./zodMini.ts";

/** Ids of sources and Deployments: they appear in reports, state keys and CLI flags. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID_HINT = "letters, digits, '_', '.' or '-', starting with a letter or digit";

/** The name of an environment variable (what every `*_env` option holds). */
export const envVarName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits, '_')"));

/** `15m`, `30s`, `1h`, `500ms` → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 3_600_000;
  return n * unit;
}

const duration = z
  .string()
  .check(z.refine((s) => parseDuration(s) !== null && (parseDuration(s) ?? 0) > 0, "must be a duration like 30s, 15m or 1h"));

/** A source entry: `type` plus the source type's own options, validated by its factory's schema. */
export const sourceEntrySchema = z.looseObject({ type: z.string().check(z.minLength(1)) });
export const targetEntrySchema = z.looseObject({ type: z.string().check(z.minLength(1)) });

export const deploymentSchema = z.strictObject({
  target: targetEntrySchema,
  sources: z.array(nonEmpty()).check(z.minLength(1, "list at least one source id")),
  deletion: z._default(z.enum(["retain", "delete"]), "retain"),
  adopt: z._default(z.boolean(), false),
  include: z._default(z.array(nonEmpty()), ["*"]),
  exclude: z._default(z.array(nonEmpty()), []),
  observe: z.optional(z.strictObject({ secrets_backend: z.optional(nonEmpty()) })),
});

export const stateSchema = z._default(
  z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("sqlite"), path: z._default(nonEmpty(), DEFAULT_STATE_PATH) }),
    z.strictObject({ type: z.literal("memory") }),
    z.strictObject({ type: z.literal("target"), hmac_key_env: z._default(envVarName, DEFAULT_HMAC_KEY_ENV) }),
  ]),
  { type: "sqlite", path: DEFAULT_STATE_PATH },
);

export const serveSchema = z._default(
  z.strictObject({
    host: z._default(nonEmpty(), "127.0.0.1"),
    port: z._default(z.number().check(z.int(), z.gte(0), z.lte(65535)), 8080),
    reconcile_every: z._default(duration, "15m"),
    webhook_secret_env: z.optional(envVarName),
    /** Accept authenticated Pub/Sub push deliveries on `POST /pubsub`: the OIDC token's audience and service account. */
    pubsub_push: z.optional(
      z.strictObject({
        audience: nonEmpty(),
        service_account: z.string().check(z.regex(/^[^@\s]+@[^@\s]+$/, "must be the push subscription's service account email")),
      }),
    ),
    eventgrid_key_env: z.optional(envVarName),
  }),
  { host: "127.0.0.1", port: 8080, reconcile_every: "15m" },
);

/**
 * `reconcile:` — how the cloud functions' scheduled reconciliation fans out. `changed` (default)
 * lists the sources once (versions where the provider lists them, keyed value hashes otherwise),
 * and enqueues only the Deployments whose snapshot fingerprint changed, whose last fan-out was not
 * confirmed by a worker, or whose last one is older than `full_every` (drift inside a target is
 * only found by reading the target). `all` enqueues every Deployment at every firing (the old way).
 */
export const reconcileSchema = z._default(
  z.strictObject({
    fanout: z._default(z.enum(["changed", "all"]), "changed"),
    full_every: z._default(duration, "24h"),
  }),
  { fanout: "changed", full_every: "24h" },
);

const idRecord = <T extends z.ZodMiniType>(value: T) =>
  z
    .record(z.string().check(z.regex(idPattern, `ids are ${ID_HINT}`)), value)
    .check(z.refine((r) => Object.keys(r).length > 0, "define at least one entry"));

function nonEmpty() {
  return z.string().check(z.minLength(1));
}

export const configSchema = z.strictObject({
  sources: idRecord(sourceEntrySchema),
  deployments: idRecord(deploymentSchema),
  state: stateSchema,
  serve: serveSchema,
  reconcile: reconcileSchema,
});

export const TOP_LEVEL_KEYS = ["sources", "deployments", "state", "serve", "reconcile"] as const;
export const DEPLOYMENT_KEYS = ["target", "sources", "deletion", "adopt", "include", "exclude", "observe"] as const;
