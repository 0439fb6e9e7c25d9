import { type CliIO, type Command, EXIT_USAGE } from "../CliIO.ts";
import { runServe, type ServeOptions } from "../serve/runServe.ts";

const HELP = `Usage: afsync serve [--config FILE] [--host HOST] [--port PORT] [--demo] [--json]

The long-running local service. It runs a full sync, then keeps the targets in step:
  - watches the files of local sources and syncs the keys that changed (within a second);
  - POST /hooks/generic: a signed webhook, body {"source": "<id>", "keys"?: ["conn:<id>", "var:<key>"]},
    header X-Afsync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
    under the secret in the env var named by serve.webhook_secret_env
    (401 bad signature, 409 older than 5 minutes or replayed; add ?wait=1 to get the run's result);
  - a full reconciliation every serve.reconcile_every;
  - GET / (status page), GET /healthz, GET /status.json.
Values are never printed or served: the status page shows actions, sources and hash prefixes.
Stops cleanly on Ctrl+C (SIGINT) or SIGTERM, after the run in flight.

Options:
  --config FILE   afsync.yaml to use (default: ./afsync.yaml)
  --host HOST     address to listen on (default: serve.host, 127.0.0.1)
  --port PORT     port to listen on (default: serve.port, 8080; 0 picks a free one)
  --demo          run on a git-ignored copy of the config's directory (<dir>/.afsync/demo/),
                  falling back to a free port if the configured one is taken (npm start)
  --json          one JSON object per line, for log shippers: the log on stderr
                  {"time","level","message",…fields}, and on stdout each run
                  {"time","level","message":"run finished"|"run failed","run":{…},"notes":[…]}
                  and each notice {"time","level":"info","message"}
`;

function parseArgs(argv: readonly string[]): ServeOptions | string {
  let configPath = "afsync.yaml";
  let host: string | undefined;
  let port: number | undefined;
  let demo = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--demo") demo = true;
    else if (flag === "--json") json = true;
    else if (flag === "--config") {
      const v = value();
      if (v === undefined || v === "") return "--config needs a file";
      configPath = v;
    } else if (flag === "--host") {
      const v = value();
      if (v === undefined || v === "") return "--host needs an address";
      host = v;
    } else if (flag === "--port") {
      const v = value();
      if (v === undefined || !/^\d{1,5}$/.test(v) || Number(v) > 65535) return "--port needs a number between 0 and 65535";
      port = Number(v);
    } else if (flag === "--show-secrets") {
      return "--show-secrets is not available for serve: its output, log and status page never hold values (use 'afsync explain KEY --show-secrets')";
    } else return `unknown option '${arg}'`;
  }
  return { configPath, demo, json, ...(host === undefined ? {} : { host }), ...(port === undefined ? {} : { port }) };
}

export const command: Command = {
  summary: "run the local service: sync, then follow file changes, webhooks and a schedule",
  help: HELP,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const options = parseArgs(argv);
    if (typeof options === "string") {
      io.stderr.write(`afsync serve: ${options}\nRun 'afsync serve --help' for usage.\n`);
      return EXIT_USAGE;
    }
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      return await runServe(options, io, controller.signal);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
