import { writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { runHasFailures } from "@afsync/core/engine/RunReport";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createCliLogger } from "@afsync/runtime/log/RedactingLogger";
import { type CliIO, type Command, EXIT_INVALID, EXIT_OK } from "../CliIO.ts";
import { openCommandRuntime, RUNTIME_OPTIONS } from "../compose/openCommandRuntime.ts";
import { buildDashboardView } from "../dashboard/buildDashboardView.ts";
import { renderDashboard } from "../dashboard/renderDashboard.ts";
import { parseCommandArgs } from "../formats-cli/commandArgs.ts";
import { renderCoverage, renderDashboardSummary } from "../report/renderDashboardText.ts";
import { commandError, usageError } from "../report/reportCommandError.ts";
import { deploymentShape } from "../serve/deploymentShape.ts";

export const command: Command = {
  summary: "the dashboard's view as a file: keys × Deployments, time to effective, event coverage (writes nothing)",
  help: `Usage: afsync report [--config F] [--deployment D] [--html FILE] [--json] [--coverage]

Plans every chosen Deployment (read-only: sources and targets are read, nothing is written,
not even afsync's state) and shows the view \`afsync serve\` shows: the keys × Deployments
matrix with the action, the layer Airflow reads each key from, the winning source and its
version, shadowed copies (same or different, by keyed hash) and problems with what to do; the
time to effective per source and target; and each source's event coverage. Never a value.

Options:
  --config <file>       afsync.yaml to use (default: ./afsync.yaml)
  --deployment <id>     only this Deployment (repeatable; default: all)
  --html <file>         write the view as one self-contained HTML file (opens offline)
  --json                print the view as JSON on stdout
  --coverage            print only the event coverage per source (with --json: as JSON)

Without --html, --json or --coverage it prints the time to effective and the problems.

Exit status: 0 ok; 1 invalid config, a Deployment that could not be planned or an invalid value
(the file is still written); 2 usage error.`,
  run,
};

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    return usageError(io.stderr, "report", error instanceof Error ? error.message : String(error));
  }
  if (args.positionals.length > 0) return usageError(io.stderr, "report", `unexpected argument '${args.positionals[0]}'`);
  const htmlFile = args.values.html;
  if (htmlFile === "") return usageError(io.stderr, "report", "--html needs a file name");
  const logger = createCliLogger(io.stderr);
  let opened: Awaited<ReturnType<typeof openCommandRuntime>>;
  try {
    opened = await openCommandRuntime({
      cwd: io.cwd,
      env: io.env,
      logger: { log: (level, message, fields) => message !== "deployment failed" && logger.log(level, message, fields) },
      configFile: args.values.config,
      deployments: args.values.deployment,
      readOnly: true,
    });
  } catch (error) {
    return commandError(io.stderr, "report", error);
  }
  const { runtime, bindings } = opened;
  try {
    const report = await runtime.engine.plan(bindings, FULL_RECONCILIATION);
    const byId = new Map(report.deployments.map((d) => [d.id, d]));
    const show = (path: string) => relative(io.cwd, path) || path;
    const configPath = show(resolve(io.cwd, args.values.config ?? "afsync.yaml"));
    const s = report.summary;
    const view = buildDashboardView({
      title: "afsync report",
      mode: "static",
      generatedAt: new Date(),
      configPath,
      revision: 0,
      summary: [
        `plan of ${s.deployments} Deployment(s), nothing written`,
        `${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged, ${s.invalid} invalid, ${s.conflict} conflicts, ${s.failed} failed`,
      ],
      reconcileEveryMs: runtime.config.serve.reconcileEveryMs,
      deployments: bindings.map((b) => {
        const d = byId.get(b.id);
        return {
          shape: deploymentShape(b, `${b.target.type} ${show(b.target.describe)}`),
          status: d?.status ?? "pending",
          ...(d?.error === undefined ? {} : { error: d.error }),
          changes: d?.changes ?? [],
        };
      }),
    });
    if (htmlFile !== undefined) {
      const path = resolve(io.cwd, htmlFile);
      await writeFile(path, renderDashboard(view), "utf8");
      io.stderr.write(`afsync report: wrote ${show(path)} (${view.keys.length} key(s) × ${view.deployments.length} Deployment(s))\n`);
    }
    const json = args.values.json === true;
    if (args.values.coverage === true)
      io.stdout.write(json ? `${JSON.stringify({ coverage: view.coverage }, null, 2)}\n` : renderCoverage(view));
    else if (json) io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    else if (htmlFile === undefined) io.stdout.write(renderDashboardSummary(view));
    for (const d of report.deployments)
      if (d.status === "failed") io.stderr.write(`afsync report: Deployment ${d.id} could not be planned: ${d.error ?? "unknown error"}\n`);
    return runHasFailures(report) ? EXIT_INVALID : EXIT_OK;
  } catch (error) {
    return commandError(io.stderr, "report", error);
  } finally {
    await runtime.close();
  }
}

function parse(argv: readonly string[]) {
  return parseCommandArgs(argv, {
    ...RUNTIME_OPTIONS,
    html: { type: "string" },
    json: { type: "boolean" },
    coverage: { type: "boolean" },
  } as const);
}
