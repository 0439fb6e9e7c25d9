import type { Command } from "../CliIO.ts";
import { RUN_OPTIONS_HELP, runPlanOrSync, WAIT_LOCK_HELP } from "../compose/runPlanOrSync.ts";

export const command: Command = {
  summary: "apply the plan: write each Deployment's changes and record them",
  help: `Usage: afsync sync [--config F] [--deployment D] [--json] [--verbose] [--show-secrets] [--wait-lock SEC]

A full reconciliation: reads every source, resolves precedence per Deployment, writes what
changed (one write per Deployment where the target allows it) and records what it wrote, so a
second sync with no change performs zero writes. Keys afsync does not own are never changed.
Shows a progress bar on a terminal when there is much to write.

Runs on one config never overlap: a sync locks the state store and each local target file
(a '<file>.afsync-lock' next to it) from before it reads the sources until it has recorded
what it wrote. Another run waits for it (30 s by default), then gives up naming the holder
(pid, host, since when, command). A lock left by a killed process is taken over.

${RUN_OPTIONS_HELP}
${WAIT_LOCK_HELP}

Exit status: 0 ok; 1 a Deployment failed or a value was invalid (everything else is still
applied), or the config is invalid; 2 usage error; 75 another run still holds the lock.`,
  run: (argv, io) => runPlanOrSync("sync", argv, io),
};
