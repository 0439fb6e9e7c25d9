/** What a command may touch of the process: its streams, environment and working directory. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * Exit codes shared by every command: 0 success, 1 invalid input (or a failed sync), 2 usage
 * error, 75 another run holds the run lock (sysexits' EX_TEMPFAIL: try again later).
 */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
export const EXIT_LOCKED = 75;

/** A command module: `commands/<name>.ts` exports one of these as `command`. */
export interface Command {
  /** One line for `afsync --help`. */
  readonly summary: string;
  /** The full `afsync <name> --help` text. */
  readonly help: string;
  run(argv: readonly string[], io: CliIO, context?: CommandContext): Promise<number>;
}

/** Every top-level command and the module that implements it, loaded lazily. */
export type CommandTable = Readonly<Record<string, () => Promise<{ command: Command }>>>;

/** What `main` hands every command beside its arguments: the command table (for `afsync completion`). */
export interface CommandContext {
  readonly commands: CommandTable;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
