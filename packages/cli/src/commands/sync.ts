import type { Command } from "../CliIO.ts";
import { RUN_OPTIONS_HELP, runPlanOrSync } from "../compose/runPlanOrSync.ts";

export const command: Command = {
  summary: "apply the plan: write each Deployment's changes and record them",
  help: `Usage: afsync sync [--config F] [--deployment D] [--json] [--verbose] [--show-secrets]

A full reconciliation: reads every source, resolves precedence per Deployment, writes what
changed (one write per Deployment where the target allows it) and records what it wrote, so a
second sync with no change performs zero writes. Keys afsync does not own are never changed.
Shows a progress bar on a terminal when there is much to write.

${RUN_OPTIONS_HELP}

Exit status: 0 ok; 1 a Deployment failed or a value was invalid (everything else is still
applied), or the config is invalid; 2 usage error.`,
  run: (argv, io) => runPlanOrSync("sync", argv, io),
};
