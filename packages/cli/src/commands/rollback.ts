import { AfsyncError, ConfigError, parseKeyString } from "@afsync/core";
import { runHasFailures } from "@afsync/core/engine/RunReport";
import { DEFAULT_RUN_LOCK_WAIT_MS } from "@afsync/local/FileRunLock";
import { createCliLogger } from "@afsync/runtime/log/RedactingLogger";
import { type CliIO, type Command, EXIT_INVALID, EXIT_OK } from "../CliIO.ts";
import { openCommandRuntime, RUNTIME_OPTIONS } from "../compose/openCommandRuntime.ts";
import { parseCommandArgs } from "../formats-cli/commandArgs.ts";
import { renderRunReport } from "../report/renderRunReport.ts";
import { commandError, errorOutput, usageError, wantsJson } from "../report/reportCommandError.ts";

export const command: Command = {
  summary: "re-apply an older version of a key that the provider still holds, and hold it there",
  help: `Usage: afsync rollback KEY --to VERSION [--config F] [--deployment D] [--dry-run] [--json]
       afsync rollback KEY --release [--config F] [--deployment D] [--json]

Re-applies KEY (conn:<conn_id> or var:<key>) at an older VERSION of the secret that wins it in
each Deployment, through the same plan and apply as a sync, and records it in the history with
trigger "rollback". VERSION is the provider's own: a Secrets Manager VersionId or AWSPREVIOUS,
an SSM parameter version (3 or name:3), a Secret Manager version number, a Key Vault version id,
a Vault KV v2 version number. 'afsync history KEY' lists the versions a provider still holds.

The rolled-back version is pinned in afsync's state: later syncs and events keep it until the
provider gets a new version of the secret (a fix or a rotation), or until
'afsync rollback KEY --release', after which the next sync applies the current value again.
Local files keep no versions: rolling one back fails and says so. Pins need the SQLite state.

Options:
  --to <version>        the version to re-apply
  --release             end the pin on KEY instead (nothing is written to the targets)
  --dry-run             show the plan only: nothing written, nothing pinned
  --config <file>       afsync.yaml to use (default: ./afsync.yaml)
  --deployment <id>     only this Deployment (repeatable; default: every one that selects KEY)
  --json                print the report as JSON (errors too)
  --wait-lock <sec>     how long to wait for another run on this config; default 30

Exit status: 0 ok; 1 a Deployment could not be rolled back (no such version, no versions kept)
or invalid config; 2 usage error; 75 another run holds the lock.`,
  run,
};

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parse>;
  const early = errorOutput(io, wantsJson(argv));
  try {
    args = parse(argv);
  } catch (error) {
    return usageError(early, "rollback", error instanceof Error ? error.message : String(error));
  }
  const json = args.values.json === true;
  const out = errorOutput(io, json);
  const [text, ...extra] = args.positionals;
  if (text === undefined) return usageError(out, "rollback", "missing KEY (conn:<conn_id> or var:<key>)");
  if (extra.length > 0) return usageError(out, "rollback", `unexpected argument '${extra[0]}'`);
  const key = parseKeyString(text);
  if (key === null) return usageError(out, "rollback", `'${text}' is not a key: write conn:<conn_id> or var:<key>`);
  const release = args.values.release === true;
  const version = args.values.to;
  if (release === (version !== undefined)) return usageError(out, "rollback", "give either --to VERSION or --release");
  if (release && args.values["dry-run"] === true) return usageError(out, "rollback", "--dry-run applies to --to only");
  const waitLock = args.values["wait-lock"];
  if (waitLock !== undefined && !/^\d+(\.\d+)?$/.test(waitLock))
    return usageError(out, "rollback", `--wait-lock must be a number of seconds (got '${waitLock}')`);
  const dryRun = args.values["dry-run"] === true;
  let opened: Awaited<ReturnType<typeof openCommandRuntime>>;
  try {
    opened = await openCommandRuntime({
      cwd: io.cwd,
      env: io.env,
      logger: createCliLogger(io.stderr),
      configFile: args.values.config,
      deployments: args.values.deployment,
      readOnly: dryRun,
      runLock: { command: "afsync rollback", waitMs: waitLock === undefined ? DEFAULT_RUN_LOCK_WAIT_MS : Number(waitLock) * 1000 },
    });
  } catch (error) {
    return commandError(out, "rollback", error);
  }
  const { runtime, bindings } = opened;
  try {
    const stateType = runtime.config.state.type;
    // Pins kept in memory (state: memory, or state: target, whose manifests hold no pins) end
    // with this process: the next reconciliation would silently undo the rollback.
    if (stateType !== "sqlite" && !dryRun)
      throw new ConfigError(
        "state.type",
        `is ${stateType}: a rollback is held by a pin in afsync's SQLite state, which this config does not keep, so the next sync would undo it; use state: { type: sqlite }`,
      );
    if (release) {
      const released = await runtime.engine.releasePins(key, bindings);
      if (json) io.stdout.write(`${JSON.stringify({ released }, null, 2)}\n`);
      else if (released.length === 0) io.stdout.write(`No Deployment holds ${text} at a rolled-back version.\n`);
      else
        for (const { deploymentId, pin } of released)
          io.stdout.write(
            `${deploymentId}: ${text} released (was held at version ${pin.version}); the next sync applies the current value.\n`,
          );
      return EXIT_OK;
    }
    const report = await runtime.engine.rollback({ key, version: version ?? "" }, bindings, { dryRun });
    if (report.deployments.length === 0) {
      return commandError(
        out,
        "rollback",
        new AfsyncError("NOT_SELECTED", `no Deployment selects ${text} (check --deployment and include/exclude)`),
      );
    }
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderRunReport(report, { verbose: true }));
    for (const d of report.deployments)
      if (d.status === "failed" && !json) io.stderr.write(`afsync rollback: Deployment ${d.id}: ${d.error ?? "unknown error"}\n`);
    return runHasFailures(report) ? EXIT_INVALID : EXIT_OK;
  } catch (error) {
    return commandError(out, "rollback", error);
  } finally {
    await runtime.close();
  }
}

function parse(argv: readonly string[]) {
  return parseCommandArgs(argv, {
    ...RUNTIME_OPTIONS,
    to: { type: "string" },
    release: { type: "boolean" },
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
    "wait-lock": { type: "string" },
  } as const);
}
