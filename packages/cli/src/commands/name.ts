import { InvalidValueError } from "@afsync/core";
import {
  BACKEND_NAMES,
  type BackendName,
  keysForSecretId,
  type NamingKind,
  normalizeBackendName,
  type SecretId,
  secretIdForKey,
} from "@afsync/core/formats/backendNaming";
import type { CliIO, Command } from "../CliIO.ts";
import { EXIT_INVALID, EXIT_OK } from "../CliIO.ts";
import { parseBackendKwargs, parseCommandArgs, parseLineJson, runCommand, UsageError } from "../formats-cli/commandArgs.ts";
import { type NdjsonResult, ndjsonLoop } from "../formats-cli/ndjsonLoop.ts";

const HELP = `Usage:
  afsync name --backend B --kind connection|variable|config KEY [--backend-kwargs JSON] [--json]
  afsync name --backend B --from-secret-id ID [--backend-kwargs JSON] [--json]
  afsync name --ndjson [--backend B] [--backend-kwargs JSON]

The secret id Airflow's secrets backend B looks up for a key, or the reverse.

B: aws-secrets-manager, aws-ssm, azure-key-vault, gcp-secret-manager, vault, env, local
   (the snake_case names aws_secrets_manager, hashicorp_vault, environment_variables… also work).
--backend-kwargs JSON  the backend's own kwargs, as in AIRFLOW__SECRETS__BACKEND_KWARGS:
   connections_prefix, variables_prefix, config_prefix, sep, *_lookup_pattern, mount_point,
   connections_path, variables_path, config_path, kv_engine_version, multi_team + team_name.

Forward: prints the secret id (Vault: {"mount_point","path"} as JSON). In multi-team mode every id
the backend tries is printed, one per line, first tried first. When the backend would never look
the key up (a null prefix, a lookup pattern that does not match, no mount point…) it says why and
exits 1.
--from-secret-id: prints {"kind","keys"[,"note"]} as JSON. Where the mapping is lossy (Key Vault
turns '_' into '-', env var names ignore case) every candidate key is listed.

--json    forward: print {"secret_id": id, "lookup_order"?, "warnings"?}, or {"secret_id": null,
          "reason"} (exit 1) when the backend would never look the key up; errors as JSON too.
          (--from-secret-id always prints JSON.)
--ndjson  each stdin line {"backend","kind","key","config"} (config = backend kwargs, as in
          backend-naming.json) → {"ok":true,"secret_id": id | null[, "reason"][, "lookup_order"]};
          a line {"backend","secret_id","config"} → {"ok":true,"kind","keys"}; bad lines give
          {"ok":false,"error"} and the run goes on. --backend/--backend-kwargs are defaults.

Exit status: 0 ok; 1 not looked up / not recognized / invalid input; 2 usage error.`;

const OPTIONS = {
  backend: { type: "string" },
  kind: { type: "string" },
  "from-secret-id": { type: "string" },
  "backend-kwargs": { type: "string" },
  ndjson: { type: "boolean" },
  json: { type: "boolean" },
} as const;

const KINDS: readonly NamingKind[] = ["connection", "variable", "config"];

function backendOf(name: unknown): BackendName {
  const b = typeof name === "string" ? normalizeBackendName(name) : null;
  if (b === null) throw new InvalidValueError(`unknown backend '${String(name)}'; use one of ${BACKEND_NAMES.join(", ")}`);
  return b;
}

function kindOf(kind: unknown): NamingKind {
  if (typeof kind === "string" && (KINDS as readonly string[]).includes(kind)) return kind as NamingKind;
  throw new InvalidValueError(`unknown kind '${String(kind)}'; use connection, variable or config`);
}

function idText(id: SecretId): string {
  return typeof id === "string" ? id : JSON.stringify(id);
}

function nameLine(line: string, defaults: { backend?: string; kwargs: Record<string, unknown> }): NdjsonResult {
  const input = parseLineJson(line);
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw new InvalidValueError("each line must be a JSON object");
  const o = input as Record<string, unknown>;
  const backend = backendOf(o.backend ?? defaults.backend);
  const config = o.config ?? defaults.kwargs;
  if (config === null || typeof config !== "object" || Array.isArray(config))
    throw new InvalidValueError('"config" must be an object of backend kwargs');
  const kwargs = config as Record<string, unknown>;
  if (typeof o.secret_id === "string") {
    const r = keysForSecretId(backend, o.secret_id, kwargs);
    if (!r.ok) throw new InvalidValueError(r.reason);
    return { ok: true, kind: r.kind, keys: r.keys, ...(r.note ? { note: r.note } : {}) };
  }
  if (typeof o.key !== "string") throw new InvalidValueError('"key" must be a string');
  const r = secretIdForKey(backend, kindOf(o.kind), o.key, kwargs);
  if (!r.ok) return { ok: true, secret_id: null, reason: r.reason };
  return {
    ok: true,
    secret_id: r.secretId,
    ...(r.lookupOrder ? { lookup_order: r.lookupOrder } : {}),
    ...(r.warnings ? { warnings: r.warnings } : {}),
  };
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  const kwargs = parseBackendKwargs(values["backend-kwargs"]);
  if (values.ndjson === true) {
    if (positionals.length > 0) throw new UsageError("--ndjson reads stdin; do not pass a key");
    return ndjsonLoop(io, (line) => nameLine(line, values.backend === undefined ? { kwargs } : { backend: values.backend, kwargs }));
  }
  if (values.backend === undefined) throw new UsageError("--backend is required");
  const backend = backendOf(values.backend);
  const fromId = values["from-secret-id"];
  if (fromId !== undefined) {
    if (positionals.length > 0 || values.kind !== undefined) throw new UsageError("--from-secret-id takes no KEY and no --kind");
    const r = keysForSecretId(backend, fromId, kwargs);
    if (!r.ok) throw new InvalidValueError(r.reason);
    io.stdout.write(`${JSON.stringify({ kind: r.kind, keys: r.keys, ...(r.note ? { note: r.note } : {}) })}\n`);
    return EXIT_OK;
  }
  if (values.kind === undefined) throw new UsageError("--kind is required (connection, variable or config)");
  const [key, ...rest] = positionals;
  if (key === undefined) throw new UsageError("missing KEY");
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (!(KINDS as readonly string[]).includes(values.kind))
    throw new UsageError(`unknown kind '${values.kind}'; use connection, variable or config`);
  const r = secretIdForKey(backend, values.kind as NamingKind, key, kwargs);
  if (values.json === true) {
    const result = r.ok
      ? {
          secret_id: r.secretId,
          ...(r.lookupOrder ? { lookup_order: r.lookupOrder } : {}),
          ...(r.warnings ? { warnings: r.warnings } : {}),
        }
      : { secret_id: null, reason: r.reason };
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return r.ok ? EXIT_OK : EXIT_INVALID;
  }
  if (!r.ok) {
    io.stderr.write(`afsync name: ${r.reason}\n`);
    return EXIT_INVALID;
  }
  for (const w of r.warnings ?? []) io.stderr.write(`warning: ${w}\n`);
  io.stdout.write(`${(r.lookupOrder ?? [r.secretId]).map(idText).join("\n")}\n`);
  return EXIT_OK;
}

export const command: Command = {
  summary: "the secret id a secrets backend looks up for a key, and back",
  help: HELP,
  run: (argv, io) => runCommand("name", io, () => run(argv, io), argv),
};
