import { type CliIO, type Command, type CommandContext, EXIT_OK } from "../CliIO.ts";
import { commandSpec } from "../completion/CommandSpec.ts";
import { bashCompletion, zshCompletion } from "../completion/completionScripts.ts";
import { errorOutput, usageError, wantsJson } from "../report/reportCommandError.ts";

export const command: Command = {
  summary: "print a shell completion script for bash or zsh",
  help: `Usage: afsync completion bash|zsh [--json]

Prints a completion script generated from the commands' own definitions: command names, their
subcommands and the options each documents; file names after an option that takes a file.

  bash:  source <(afsync completion bash)        (or save it under /etc/bash_completion.d/)
  zsh:   source <(afsync completion zsh)         (or save it as _afsync on your $fpath)

Options:
  --json                print the commands, subcommands and options as JSON instead

Exit status: 0 ok; 2 usage error.`,
  run,
};

async function run(argv: readonly string[], io: CliIO, context?: CommandContext): Promise<number> {
  const json = wantsJson(argv);
  const args = argv.filter((a) => a !== "--json");
  const out = errorOutput(io, json);
  const [shell, ...extra] = args;
  if (extra.length > 0) return usageError(out, "completion", `unexpected argument '${extra[0]}'`);
  if (shell?.startsWith("-")) return usageError(out, "completion", `unknown option '${shell}'`);
  if (!json && shell !== "bash" && shell !== "zsh") return usageError(out, "completion", "name the shell: bash or zsh");
  const specs = await Promise.all(
    Object.entries(context?.commands ?? {}).map(async ([name, load]) => commandSpec(name, (await load()).command)),
  );
  if (json) io.stdout.write(`${JSON.stringify({ commands: specs }, null, 2)}\n`);
  else io.stdout.write(shell === "bash" ? bashCompletion(specs) : zshCompletion(specs));
  return EXIT_OK;
}
