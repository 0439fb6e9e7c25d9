import type { Logger } from "@afsync/core";
import { runHasFailures } from "@afsync/core/engine/RunReport";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { DEFAULT_RUN_LOCK_WAIT_MS } from "@afsync/local/FileRunLock";
import { createCliLogger } from "@afsync/runtime/log/RedactingLogger";
import { type CliIO, EXIT_INVALID, EXIT_OK } from "../CliIO.ts";
import { parseCommandArgs } from "../formats-cli/commandArgs.ts";
import { ProgressBar } from "../report/ProgressBar.ts";
import { renderRunReport } from "../report/renderRunReport.ts";
import { commandError, errorOutput, usageError, wantsJson } from "../report/reportCommandError.ts";
import { openCommandRuntime, RUNTIME_OPTIONS } from "./openCommandRuntime.ts";

export const RUN_OPTIONS_HELP = `Options:
  --config <file>       afsync.yaml to use (default: ./afsync.yaml)
  --deployment <id>     only this Deployment (repeatable; default: all)
  --json                print the report as JSON on stdout
  --verbose             list unchanged keys too
  --show-secrets        show real values in diffs instead of *** and hash prefixes`;

export const WAIT_LOCK_HELP = `  --wait-lock <sec>     how long to wait for another run on this config (its state store
                        or a target file) to finish; default 30, 0 fails at once`;

/**
 * `afsync plan` and `afsync sync`: a full reconciliation of the chosen Deployments. A plan opens
 * the state read-only and writes nothing. Both exit 1 when a Deployment failed or a value was
 * invalid (a sync still applies the rest).
 */
export async function runPlanOrSync(mode: "plan" | "sync", argv: readonly string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parse>;
  // With --json, every error is JSON on stdout too (reportCommandError.ts).
  const out = errorOutput(io, wantsJson(argv));
  try {
    args = parse(argv);
  } catch (error) {
    return usageError(out, mode, error instanceof Error ? error.message : String(error));
  }
  if (args.positionals.length > 0) return usageError(out, mode, `unexpected argument '${args.positionals[0]}'`);
  const waitLock = args.values["wait-lock"];
  if (waitLock !== undefined && mode === "plan") return usageError(out, mode, "--wait-lock applies to sync only (a plan writes nothing)");
  if (waitLock !== undefined && !/^\d+(\.\d+)?$/.test(waitLock)) {
    return usageError(out, mode, `--wait-lock must be a number of seconds (got '${waitLock}')`);
  }
  // The report already shows each Deployment's outcome; the log adds only other warnings.
  const stderrLogger = createCliLogger(io.stderr);
  const logger: Logger = {
    log: (level, message, fields) => {
      if (message !== "deployment failed" && message !== "deployment synced") stderrLogger.log(level, message, fields);
    },
  };
  let opened: Awaited<ReturnType<typeof openCommandRuntime>>;
  try {
    opened = await openCommandRuntime({
      cwd: io.cwd,
      env: io.env,
      logger,
      configFile: args.values.config,
      deployments: args.values.deployment,
      readOnly: mode === "plan",
      runLock: { command: `afsync ${mode}`, waitMs: waitLock === undefined ? DEFAULT_RUN_LOCK_WAIT_MS : Number(waitLock) * 1000 },
    });
  } catch (error) {
    return commandError(out, mode, error);
  }
  const { runtime, bindings } = opened;
  const json = args.values.json === true;
  const bar = new ProgressBar(io.stderr, { enabled: !json && mode === "sync", alsoTerminal: io.stdout });
  try {
    const options = {
      showSecrets: args.values["show-secrets"] === true,
      onProgress: (done: number, total: number) => bar.update(done, total),
    };
    const report =
      mode === "plan"
        ? await runtime.engine.plan(bindings, FULL_RECONCILIATION, options)
        : await runtime.engine.sync(bindings, FULL_RECONCILIATION, options);
    bar.finish();
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderRunReport(report, { verbose: args.values.verbose === true }));
    if (mode === "plan") {
      for (const d of report.deployments)
        if (d.status === "failed") io.stderr.write(`afsync plan: Deployment ${d.id} could not be planned: ${d.error ?? "unknown error"}\n`);
    }
    // A Deployment that could not be planned (a missing or broken source) fails `plan` as it fails `sync`: CI gates on it.
    return runHasFailures(report) ? EXIT_INVALID : EXIT_OK;
  } catch (error) {
    bar.finish();
    return commandError(out, mode, error);
  } finally {
    await runtime.close();
  }
}

function parse(argv: readonly string[]) {
  return parseCommandArgs(argv, {
    ...RUNTIME_OPTIONS,
    json: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
    "show-secrets": { type: "boolean" },
    "wait-lock": { type: "string" },
  } as const);
}
