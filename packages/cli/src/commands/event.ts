import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type ChangeHint, InvalidValueError, keyString, type SecretSource } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { isKeySelected } from "@afsync/core/engine/keySelection";
import { resolveHints } from "@afsync/core/engine/resolveHints";
import { buildSources, closeSources } from "@afsync/runtime/compose/buildSources";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { coalesceHints } from "@afsync/runtime/edge/coalesceHints";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { createCliLogger } from "@afsync/runtime/log/RedactingLogger";
import { type CliIO, type Command, EXIT_OK } from "../CliIO.ts";
import { RUNTIME_OPTIONS } from "../compose/openCommandRuntime.ts";
import { parseCommandArgs } from "../formats-cli/commandArgs.ts";
import { commandError, usageError } from "../report/reportCommandError.ts";

export const command: Command = {
  summary: 'explain what afsync makes of a raw provider event (troubleshoot "my rotation did not sync")',
  help: `Usage: afsync event parse [FILE|-] [--config F] [--coalesce] [--own-principal ARN]...

Reads one raw provider event (AWS: an EventBridge event as the Lambda receives it or a bare
CloudTrail record), or a JSON array of them, from FILE, or stdin when FILE is '-' or absent; picks
the provider's parser from the event's shape, and prints the change hints afsync derives, as JSON:

  [{"provider", "secret_id", "version"?, "action", "reason"?, "keys"?, "source"?, "deployments"?}]

action is upsert (re-read and apply), delete, notice (reported, no value change: a failed
rotation, a policy reminder) or ignore (with the reason: another staging label, a failed call,
a metadata change, afsync's own write, a secret outside every configured prefix).

With --config, each hint is matched against the configured sources' prefixes and naming rules:
"keys" lists the Airflow keys (conn:<id>, var:<key>), "source" the source id and "deployments"
the Deployments whose sources and include/exclude globs select those keys. Nothing is read from
the provider and nothing is written. Events never carry secret values.

Options:
  --config <file>         afsync.yaml to resolve against (no default: without it, hints only)
  --coalesce              fold the hints per secret as a batch is processed (one rotation's
                          six events become one re-read)
  --own-principal <arn>   an IAM principal whose writes are afsync's own (repeatable)

Exit status: 0 ok; 1 not JSON, not an event afsync understands, or invalid config; 2 usage error.`,
  run,
};

export interface HintRow {
  provider: string;
  secret_id: string;
  version?: string;
  action: string;
  reason?: string;
  keys?: string[];
  source?: string;
  deployments?: string[];
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    return usageError(io.stderr, "event", error instanceof Error ? error.message : String(error));
  }
  const [sub, file = "-", ...extra] = args.positionals;
  if (sub !== "parse")
    return usageError(
      io.stderr,
      "event",
      sub === undefined ? "missing subcommand: parse" : `unknown subcommand '${sub}' (expected: parse)`,
    );
  if (extra.length > 0) return usageError(io.stderr, "event", `unexpected argument '${extra[0]}'`);
  let sources: SecretSource[] = [];
  try {
    const raw = await readInput(file, io);
    const event = parseJson(raw, file === "-" ? "stdin" : file);
    let hints = eventParsers.parse(event, { ownPrincipals: args.values["own-principal"] ?? [] });
    if (args.values.coalesce === true) hints = coalesceHints(hints);
    let config: AfsyncConfig | undefined;
    if (args.values.config !== undefined) {
      const path = resolve(io.cwd, args.values.config);
      config = await loadConfigFile(path, io.env);
      // Only the sources: `event parse` reads nothing and writes nothing, so targets and state stay closed.
      sources = [...(await buildSources(config, { env: io.env, configDir: dirname(path), logger: createCliLogger(io.stderr) })).values()];
      hints = resolveHints(hints, sources);
    }
    io.stdout.write(
      `${JSON.stringify(
        hints.map((h) => toRow(h, config)),
        null,
        2,
      )}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    return commandError(io.stderr, "event parse", error);
  } finally {
    await closeSources(sources);
  }
}

async function readInput(file: string, io: CliIO): Promise<string> {
  if (file !== "-") {
    try {
      return await readFile(resolve(io.cwd, file), "utf8");
    } catch (error) {
      throw new InvalidValueError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string, where: string): unknown {
  if (text.trim() === "") throw new InvalidValueError(`${where}: empty input; expected one event as JSON`);
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input; an event holds no secret, but keep the rule simple.
    throw new InvalidValueError(`${where}: not valid JSON`);
  }
}

function toRow(hint: ChangeHint, config: AfsyncConfig | undefined): HintRow {
  const row: HintRow = {
    provider: hint.provider,
    secret_id: hint.secretId,
    ...(hint.version !== undefined ? { version: hint.version } : {}),
    action: hint.action,
  };
  if (hint.reason !== undefined) row.reason = hint.reason;
  if (hint.keys !== undefined) row.keys = hint.keys.map(keyString);
  if (hint.sourceId !== undefined) row.source = hint.sourceId;
  if (config && hint.sourceId !== undefined && hint.action !== "ignore") {
    const keys = (hint.keys ?? []).map(keyString);
    row.deployments = config.deployments
      .filter((d) => d.sources.includes(hint.sourceId ?? "") && keys.some((k) => isKeySelected(k, d.include, d.exclude)))
      .map((d) => d.id);
  }
  return row;
}

function parse(argv: readonly string[]) {
  return parseCommandArgs(argv, {
    config: RUNTIME_OPTIONS.config,
    coalesce: { type: "boolean" },
    "own-principal": { type: "string", multiple: true },
  } as const);
}
