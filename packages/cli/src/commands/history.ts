import { dirname, resolve } from "node:path";
import { ConfigError, type HistoryEntry, keyString, parseKeyString } from "@afsync/core";
import { hashPrefix } from "@afsync/core/engine/maskedDiff";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { readHistory } from "@afsync/runtime/state/readHistory";
import { type CliIO, type Command, EXIT_OK } from "../CliIO.ts";
import { DEFAULT_CONFIG_FILE, RUNTIME_OPTIONS } from "../compose/openCommandRuntime.ts";
import { parseCommandArgs } from "../formats-cli/commandArgs.ts";
import { commandError, errorOutput, usageError, wantsJson } from "../report/reportCommandError.ts";

export const command: Command = {
  summary: "list every change afsync applied, per Deployment and key (no values)",
  help: `Usage: afsync history [KEY] [--config F] [--deployment D] [--json]

Every change a sync applied, oldest first: when, the Deployment, the key, the action (create,
update, delete), the layer written, the source and version the value came from, a prefix of
its keyed hash, and what triggered the run (reconciliation or event). Never a value.
KEY (conn:<conn_id> or var:<key>) narrows the list to one key.

The history lives in afsync's SQLite state (state: { type: sqlite }); with state: target or
memory there is none, and the command says so. Reads the state only: needs no credentials.

Options:
  --config <file>       afsync.yaml to use (default: ./afsync.yaml)
  --deployment <id>     only this Deployment (repeatable; default: all)
  --json                print the entries as JSON

Exit status: 0 ok; 1 invalid config or no history kept; 2 usage error.`,
  run,
};

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parse>;
  const out = errorOutput(io, wantsJson(argv));
  try {
    args = parse(argv);
  } catch (error) {
    return usageError(out, "history", error instanceof Error ? error.message : String(error));
  }
  const [text, ...extra] = args.positionals;
  if (extra.length > 0) return usageError(out, "history", `unexpected argument '${extra[0]}'`);
  const key = text === undefined ? undefined : parseKeyString(text);
  if (key === null) return usageError(out, "history", `'${text}' is not a key: write conn:<conn_id> or var:<key>`);
  try {
    const configPath = resolve(io.cwd, args.values.config ?? DEFAULT_CONFIG_FILE);
    const config = await loadConfigFile(configPath, io.env);
    const wanted = args.values.deployment ?? [];
    const known = config.deployments.map((d) => d.id);
    for (const id of wanted) {
      if (!known.includes(id))
        throw new ConfigError("--deployment", `no Deployment '${id}' in ${configPath}; defined: ${known.join(", ")}`);
    }
    const entries = await readHistory(config, dirname(configPath), {
      ...(wanted.length === 0 ? {} : { deploymentIds: wanted }),
      ...(key === undefined ? {} : { key: keyString(key) }),
    });
    io.stdout.write(args.values.json === true ? `${JSON.stringify({ entries }, null, 2)}\n` : renderHistory(entries));
    return EXIT_OK;
  } catch (error) {
    return commandError(out, "history", error);
  }
}

function renderHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return "No applied changes recorded yet.\n";
  const rows = entries.map((e) => [
    e.appliedAt,
    e.deploymentId,
    e.key,
    e.action,
    e.layer,
    e.sourceId === undefined ? "-" : `${e.sourceId}${e.version === undefined ? "" : `@${e.version}`}`,
    e.hash === undefined ? "-" : hashPrefix(e.hash),
    e.trigger,
  ]);
  const header = ["APPLIED", "DEPLOYMENT", "KEY", "ACTION", "LAYER", "SOURCE@VERSION", "HASH", "TRIGGER"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()}\n`;
  return [header, ...rows].map(line).join("");
}

function parse(argv: readonly string[]) {
  return parseCommandArgs(argv, { ...RUNTIME_OPTIONS, json: { type: "boolean" } } as const);
}
