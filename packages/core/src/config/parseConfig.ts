import type { $ZodType } from "zod/v4/core";
import { ConfigError } from "../errors.ts";
import { quoteReceivedName } from "../quoteReceivedName.ts";
import { type AfsyncConfig, DEFAULT_RECONCILE_CONFIG, type DeploymentConfig, type SourceConfig, type StateConfig } from "./AfsyncConfig.ts";
import { configSchema, DEPLOYMENT_KEYS, parseDuration, TOP_LEVEL_KEYS } from "./configSchema.ts";
import { type ConfigIssue, formatConfigIssue, formatPath } from "./formatConfigIssue.ts";
import { toError } from "./toError.ts";
import * as z from "./zodMini.ts";

/** The option schemas of every source and target type, from the composition root's registries. */
export interface OptionsRegistry {
  // Core zod types: an adapter's schema may be built with classic `zod` or `zod/mini`.
  readonly sources: Readonly<Record<string, $ZodType>>;
  readonly targets: Readonly<Record<string, $ZodType>>;
}

/**
 * afsync.yaml, validated once: the structure by afsync's schema, each source's and target's
 * options by its adapter's own schema, every reference between them, and the rule that
 * credentials are never inline. Pure: the YAML is parsed and environment variables are read
 * by the caller. Throws one `ConfigError` naming the first bad path, listing any others.
 */
export function parseConfig(input: unknown, registry: OptionsRegistry): AfsyncConfig {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError("", "the config must be a mapping with `sources` and `deployments`");
  }
  const parsed = z.safeParse(configSchema, input);
  if (!parsed.success) {
    throw toError(parsed.error.issues.flatMap((i) => formatConfigIssue(i, input, [], knownKeysAt(i.path))));
  }
  const doc = parsed.data;
  const issues: ConfigIssue[] = [];

  const sources: SourceConfig[] = [];
  for (const [id, entry] of Object.entries(doc.sources)) {
    const { type, ...options } = entry;
    const options_ = checkOptions(["sources", id], type, options, registry.sources, "source", issues);
    if (options_ !== undefined) sources.push({ id, type, options: options_.value });
  }
  const sourceIds = new Set(Object.keys(doc.sources));

  const deployments: DeploymentConfig[] = [];
  for (const [id, d] of Object.entries(doc.deployments)) {
    const { type, ...options } = d.target;
    const target = checkOptions(["deployments", id, "target"], type, options, registry.targets, "target", issues);
    const seen = new Set<string>();
    d.sources.forEach((ref, i) => {
      if (!sourceIds.has(ref)) issues.push({ path: formatPath(["deployments", id, "sources", i]), message: unknownSource(ref, sourceIds) });
      if (seen.has(ref))
        issues.push({
          path: formatPath(["deployments", id, "sources", i]),
          message: `source ${quoteReceivedName(ref, CONFIG_NAME, "'")} is listed twice`,
        });
      seen.add(ref);
    });
    const backend = d.observe?.secrets_backend;
    if (backend !== undefined && !sourceIds.has(backend)) {
      issues.push({ path: formatPath(["deployments", id, "observe", "secrets_backend"]), message: unknownSource(backend, sourceIds) });
    }
    if (target !== undefined) {
      deployments.push({
        id,
        target: { type, options: target.value },
        sources: d.sources,
        deletion: d.deletion,
        adopt: d.adopt,
        include: d.include,
        exclude: d.exclude,
        ...(backend === undefined ? {} : { observe: { secretsBackend: backend } }),
      });
    }
  }
  if (issues.length > 0) throw toError(issues);

  const state: StateConfig = doc.state.type === "target" ? { type: "target", hmacKeyEnv: doc.state.hmac_key_env } : doc.state;
  const serve = doc.serve;
  return {
    sources,
    deployments,
    state,
    serve: {
      host: serve.host,
      port: serve.port,
      reconcileEveryMs: parseDuration(serve.reconcile_every) ?? 15 * 60_000,
      ...(serve.webhook_secret_env === undefined ? {} : { webhookSecretEnv: serve.webhook_secret_env }),
      ...(serve.pubsub_push === undefined
        ? {}
        : { pubsubPush: { audience: serve.pubsub_push.audience, serviceAccount: serve.pubsub_push.service_account } }),
      ...(serve.eventgrid_key_env === undefined ? {} : { eventGridKeyEnv: serve.eventgrid_key_env }),
    },
    reconcile: {
      fanout: doc.reconcile.fanout,
      fullEveryMs: parseDuration(doc.reconcile.full_every) ?? DEFAULT_RECONCILE_CONFIG.fullEveryMs,
    },
  };
}

/** Names that hold a credential; such an option must instead name an env var (`<name>_env`). */
const CREDENTIAL_NAME =
  /(^|_)(password|passwd|passphrase|secret|token|api_?key|private_key|access_key|secret_key|keyfile_dict|credentials?)(_|$)/i;

function checkOptions(
  at: readonly PropertyKey[],
  type: string,
  options: Record<string, unknown>,
  schemas: Readonly<Record<string, $ZodType>>,
  what: "source" | "target",
  issues: ConfigIssue[],
): { value: unknown } | undefined {
  // Own keys only: `type: constructor` (or `__proto__`) would otherwise find Object.prototype's.
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) {
    const known = Object.keys(schemas).sort();
    issues.push({
      path: formatPath([...at, "type"]),
      message: `unknown ${what} type ${quoteReceivedName(type, CONFIG_NAME, "'")}; expected one of: ${known.join(", ") || "(none registered)"}`,
    });
    return undefined;
  }
  const inline = inlineCredentials(options, at);
  if (inline.length > 0) {
    issues.push(...inline);
    return undefined;
  }
  const result = z.safeParse(schema, options);
  if (!result.success) {
    const known = shapeKeys(schema);
    issues.push(...result.error.issues.flatMap((i) => formatConfigIssue(i, options, at, known)));
    return undefined;
  }
  return { value: result.data };
}

/** Every option, at any depth (`auth: { password: … }`), whose name says it holds a credential. */
function inlineCredentials(value: unknown, at: readonly PropertyKey[]): ConfigIssue[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([name, inner]) =>
    CREDENTIAL_NAME.test(name) && !name.endsWith("_env")
      ? [
          {
            path: formatPath([...at, name]),
            message: `credentials are never inline: put the value in an environment variable and name it with '${name}_env'`,
          },
        ]
      : inlineCredentials(inner, [...at, name]),
  );
}

function shapeKeys(schema: $ZodType): string[] | undefined {
  const shape = (schema as unknown as { shape?: unknown }).shape;
  return shape !== null && typeof shape === "object" ? Object.keys(shape) : undefined;
}

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return TOP_LEVEL_KEYS;
  if (path.length === 2 && path[0] === "deployments") return DEPLOYMENT_KEYS;
  if (path.length === 3 && path[0] === "deployments" && path[2] === "observe") return ["secrets_backend"];
  if (path.length === 1 && path[0] === "serve")
    return ["host", "port", "reconcile_every", "webhook_secret_env", "pubsub_push", "eventgrid_key_env"];
  if (path.length === 1 && path[0] === "reconcile") return ["fanout", "full_every"];
  if (path.length === 2 && path[0] === "serve" && path[1] === "pubsub_push") return ["audience", "service_account"];
  if (path.length === 1 && path[0] === "state") return ["type", "path", "hmac_key_env"];
  return undefined;
}

// A source id or an adapter type, quoted in a message; anything else (a URI, a pasted token) is
// only described.
const CONFIG_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;

function unknownSource(ref: string, known: ReadonlySet<string>): string {
  return `unknown source ${quoteReceivedName(ref, CONFIG_NAME, "'")}; defined sources: ${[...known].join(", ")}`;
}
