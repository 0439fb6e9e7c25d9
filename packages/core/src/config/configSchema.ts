import { z } from "zod";
import { DEFAULT_HMAC_KEY_ENV, DEFAULT_STATE_PATH } from "./AfsyncConfig.ts";

/** Ids of sources and Deployments: they appear in reports, state keys and CLI flags. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID_HINT = "letters, digits, '_', '.' or '-', starting with a letter or digit";

/** The name of an environment variable (what every `*_env` option holds). */
export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits, '_')");

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
  .refine((s) => parseDuration(s) !== null && (parseDuration(s) ?? 0) > 0, "must be a duration like 30s, 15m or 1h");

/** A source entry: `type` plus the source type's own options, validated by its factory's schema. */
export const sourceEntrySchema = z.looseObject({ type: z.string().min(1) });
export const targetEntrySchema = z.looseObject({ type: z.string().min(1) });

export const deploymentSchema = z.strictObject({
  target: targetEntrySchema,
  sources: z.array(z.string().min(1)).min(1, "list at least one source id"),
  deletion: z.enum(["retain", "delete"]).default("retain"),
  adopt: z.boolean().default(false),
  include: z.array(z.string().min(1)).default(["*"]),
  exclude: z.array(z.string().min(1)).default([]),
  observe: z.strictObject({ secrets_backend: z.string().min(1).optional() }).optional(),
});

export const stateSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("sqlite"), path: z.string().min(1).default(DEFAULT_STATE_PATH) }),
    z.strictObject({ type: z.literal("memory") }),
    z.strictObject({ type: z.literal("target"), hmac_key_env: envVarName.default(DEFAULT_HMAC_KEY_ENV) }),
  ])
  .default({ type: "sqlite", path: DEFAULT_STATE_PATH });

export const serveSchema = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    reconcile_every: duration.default("15m"),
    webhook_secret_env: envVarName.optional(),
    /** Accept authenticated Pub/Sub push deliveries on `POST /pubsub`: the OIDC token's audience and service account. */
    pubsub_push: z
      .strictObject({
        audience: z.string().min(1),
        service_account: z.string().regex(/^[^@\s]+@[^@\s]+$/, "must be the push subscription's service account email"),
      })
      .optional(),
    eventgrid_key_env: envVarName.optional(),
  })
  .default({ host: "127.0.0.1", port: 8080, reconcile_every: "15m" });

const idRecord = <T extends z.ZodType>(value: T) =>
  z.record(z.string().regex(idPattern, `ids are ${ID_HINT}`), value).refine((r) => Object.keys(r).length > 0, "define at least one entry");

export const configSchema = z.strictObject({
  sources: idRecord(sourceEntrySchema),
  deployments: idRecord(deploymentSchema),
  state: stateSchema,
  serve: serveSchema,
});

export const TOP_LEVEL_KEYS = ["sources", "deployments", "state", "serve"] as const;
export const DEPLOYMENT_KEYS = ["target", "sources", "deletion", "adopt", "include", "exclude", "observe"] as const;
