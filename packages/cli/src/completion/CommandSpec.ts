import type { Command } from "../CliIO.ts";

/** What shell completion offers for one command: its subcommands and its options. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: readonly string[];
  readonly options: readonly string[];
  /** Options that take a file name. */
  readonly fileOptions: readonly string[];
}

/**
 * A command's completion, read from its own definition: the subcommands its usage lines name
 * (`afsync conn parse …`) and every `--option` its help text documents, so a new option shows up
 * in completion as soon as it is documented and never before.
 */
export function commandSpec(name: string, command: Command): CommandSpec {
  const subcommands = new Set<string>();
  const usage = new RegExp(`afsync ${name} ([a-z][a-z-]*)\\b`, "g");
  for (const match of command.help.matchAll(usage)) if (match[1] !== undefined) subcommands.add(match[1]);
  const options = new Set<string>(["--help"]);
  const fileOptions = new Set<string>();
  for (const match of command.help.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)(?:[ =](<file>|FILE\b))?/g)) {
    const option = match[1];
    if (option === undefined) continue;
    options.add(option);
    if (match[2] !== undefined) fileOptions.add(option);
  }
  return {
    name,
    summary: command.summary,
    subcommands: [...subcommands],
    options: [...options].sort(),
    fileOptions: [...fileOptions].sort(),
  };
}
