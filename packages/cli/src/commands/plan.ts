import type { Command } from "../CliIO.ts";
import { RUN_OPTIONS_HELP, runPlanOrSync } from "../compose/runPlanOrSync.ts";

export const command: Command = {
  summary: "show what a sync would change, per Deployment and key (writes nothing)",
  help: `Usage: afsync plan [--config F] [--deployment D] [--json] [--verbose] [--show-secrets]

The dry run. Reads every source and target of the chosen Deployments and prints, per key, the
action a sync would take — create, update, delete, unchanged, conflict, orphaned, invalid,
shadowed — with the source it comes from and a masked diff of the fields that change.
Writes nothing anywhere: not the targets, not afsync's state.

${RUN_OPTIONS_HELP}

Exit status: 0 ok; 1 invalid config, invalid values or a Deployment that could not be planned
(a missing or broken source), as sync; 2 usage error.`,
  run: (argv, io) => runPlanOrSync("plan", argv, io),
};
