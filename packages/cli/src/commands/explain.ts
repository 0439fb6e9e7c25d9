import { parseKeyString } from "@afsync/core";
import { createCliLogger } from "@afsync/runtime/log/RedactingLogger";
import { type CliIO, type Command, EXIT_OK } from "../CliIO.ts";
import { openCommandRuntime, RUNTIME_OPTIONS } from "../compose/openCommandRuntime.ts";
import { parseCommandArgs } from "../formats-cli/commandArgs.ts";
import { renderExplain } from "../report/renderExplain.ts";
import { commandError, errorOutput, usageError, wantsJson } from "../report/reportCommandError.ts";

export const command: Command = {
  summary: "show every layer and source that holds a key, the winner and why",
  help: `Usage: afsync explain KEY [--config F] [--deployment D] [--json] [--show-secrets]

KEY is conn:<conn_id> or var:<key>. For each Deployment: every source that holds the key, in
precedence order (masked, with its hash prefix and version), the secrets backend above the
target if the config names one, the target layer as it is now (hashes, not values), what afsync
last wrote, the winner and why, what the next sync would do, and the time to effective per
source: how afsync learns of a change (event or reconciliation), its own run, the target's delay
and Airflow's secrets cache. Writes nothing.

Options:
  --config <file>       afsync.yaml to use (default: ./afsync.yaml)
  --deployment <id>     only this Deployment (repeatable; default: all)
  --json                print the explanation as JSON
  --show-secrets        show real values instead of *** (variables: instead of hashes only)

Exit status: 0 ok; 1 invalid config; 2 usage error.`,
  run,
};

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parse>;
  const out = errorOutput(io, wantsJson(argv));
  try {
    args = parse(argv);
  } catch (error) {
    return usageError(out, "explain", error instanceof Error ? error.message : String(error));
  }
  const [text, ...extra] = args.positionals;
  if (text === undefined) return usageError(out, "explain", "missing KEY (conn:<conn_id> or var:<key>)");
  if (extra.length > 0) return usageError(out, "explain", `unexpected argument '${extra[0]}'`);
  const key = parseKeyString(text);
  if (key === null) return usageError(out, "explain", `'${text}' is not a key: write conn:<conn_id> or var:<key>`);
  try {
    const { runtime, bindings } = await openCommandRuntime({
      cwd: io.cwd,
      env: io.env,
      logger: createCliLogger(io.stderr),
      configFile: args.values.config,
      deployments: args.values.deployment,
      readOnly: true,
    });
    try {
      const report = await runtime.engine.explain(key, bindings, {
        showSecrets: args.values["show-secrets"] === true,
        reconcileEveryMs: runtime.config.serve.reconcileEveryMs,
      });
      io.stdout.write(args.values.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderExplain(report));
      return EXIT_OK;
    } finally {
      await runtime.close();
    }
  } catch (error) {
    return commandError(out, "explain", error);
  }
}

function parse(argv: readonly string[]) {
  return parseCommandArgs(argv, { ...RUNTIME_OPTIONS, json: { type: "boolean" }, "show-secrets": { type: "boolean" } } as const);
}
