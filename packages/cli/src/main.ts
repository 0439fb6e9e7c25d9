import { type CliIO, type CommandTable, EXIT_USAGE, processIO } from "./CliIO.ts";

/**
 * Top-level commands and the module that implements each. Modules are imported lazily so that
 * `afsync conn parse` does not load the AWS SDK or SQLite.
 */
const COMMANDS: CommandTable = {
  conn: () => import("./commands/conn.ts"),
  name: () => import("./commands/name.ts"),
  validate: () => import("./commands/validate.ts"),
  plan: () => import("./commands/plan.ts"),
  sync: () => import("./commands/sync.ts"),
  explain: () => import("./commands/explain.ts"),
  history: () => import("./commands/history.ts"),
  report: () => import("./commands/report.ts"),
  rollback: () => import("./commands/rollback.ts"),
  serve: () => import("./commands/serve.ts"),
  event: () => import("./commands/event.ts"),
  completion: () => import("./commands/completion.ts"),
};

async function topLevelHelp(): Promise<string> {
  const lines = [
    "afsync — keep Airflow connections and variables in step with your secrets managers",
    "",
    "Usage: afsync <command> [options]",
    "",
    "Commands:",
  ];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      const { command } = await load();
      lines.push(`  ${name.padEnd(10)} ${command.summary}`);
    } catch {
      // A command whose module is not there yet is simply not listed.
    }
  }
  lines.push("", "Run `afsync <command> --help` for a command's options.");
  return `${lines.join("\n")}\n`;
}

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(await topLevelHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === "--version") {
    io.stdout.write("afsync 0.1.0\n");
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr.write(`afsync: unknown command '${name}'. Run 'afsync --help' for the list.\n`);
    return EXIT_USAGE;
  }
  const { command } = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
    return 0;
  }
  return command.run(rest, io, { commands: COMMANDS });
}
