import { InvalidValueError } from "@afsync/core";
import { CONNECTION_FORMATS, type ConnectionFormat, parseConnectionValue } from "@afsync/core/formats/connectionValue";
import type { CliIO, Command } from "../CliIO.ts";
import { EXIT_OK } from "../CliIO.ts";
import { parseBackendKwargs, parseCommandArgs, parseLineJson, runCommand, UsageError } from "../formats-cli/commandArgs.ts";
import { connectionForOutput, jsonForOutput, uriForOutput } from "../formats-cli/connectionOutput.ts";
import { type NdjsonResult, ndjsonLoop } from "../formats-cli/ndjsonLoop.ts";
import { readInput } from "../formats-cli/readInput.ts";

const HELP = `Usage:
  afsync conn parse [VALUE|-] [--format F] [--backend-kwargs JSON] [--show-secrets] [--ndjson]
  afsync conn uri   [JSON|-]  [--show-secrets] [--ndjson] [--json]
  afsync conn json  [JSON|-]  [--show-secrets] [--ndjson] [--json]

parse  Reads a connection in any form Airflow accepts and prints it as a JSON object with
       conn_type, host, login, password, schema, port and extra (an object or null). The form is
       detected: a URI; Airflow's JSON form (Connection.from_json); the AWS Secrets Manager
       backend's aliases (user/username, pass, engine, database…); a Vault secret dict (conn_uri
       or fields); the JSON AWS's RDS/Aurora/Redshift rotation functions write (engine, host,
       port, username, password, dbname).
       --format uri|json|aws-secrets-manager|vault|rds   force one form
       --backend-kwargs JSON   the backend's kwargs where they matter (AWS extra_conn_words)
uri    Prints the Airflow URI (get_uri) of a connection given as JSON fields (or any form above).
       The URI round-trips in every Airflow version from 2.6.
json   Prints Airflow's as_json form (key order, pruning and spacing as Airflow writes it).

VALUE/JSON is the argument, or stdin when it is '-' or missing.
Passwords and secret extras print as *** unless --show-secrets is given.

--json    uri/json print {"uri": "…"} / {"json": "…"} (parse always prints JSON); with --json,
          errors are JSON on stdout too: {"error": {"command", "code", "message"}}.

--ndjson  Batch mode: each stdin line is one input, each stdout line one result, in order:
          {"ok":true,…} or {"ok":false,"error":"…"}; a bad line never stops the run.
          parse: a JSON string (the value) or {"value": string|object, "format"?, "backend_kwargs"?}
                 → {"ok":true,"connection":{…}}
          uri/json: an object of fields → {"ok":true,"uri":"…"} / {"ok":true,"json":"…"}

Exit status: 0 ok; 1 invalid input (in --ndjson: any line failed); 2 usage error.`;

const OPTIONS = {
  format: { type: "string" },
  "backend-kwargs": { type: "string" },
  "show-secrets": { type: "boolean" },
  ndjson: { type: "boolean" },
  json: { type: "boolean" },
} as const;

function asFormat(text: unknown): ConnectionFormat {
  if (text === undefined || text === null) return "auto";
  if (typeof text === "string" && (CONNECTION_FORMATS as readonly string[]).includes(text)) return text as ConnectionFormat;
  throw new UsageError(`unknown format '${String(text)}'; use one of ${CONNECTION_FORMATS.join(", ")}`);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InvalidValueError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

// One --ndjson line of `conn parse`: a JSON string, or {"value", "format"?, "backend_kwargs"?}.
function parseLine(
  line: string,
  showSecrets: boolean,
  defaults: { format: ConnectionFormat; backendKwargs: Record<string, unknown> },
): NdjsonResult {
  const input = parseLineJson(line);
  let value: unknown = input;
  let format = defaults.format;
  let backendKwargs = defaults.backendKwargs;
  if (typeof input !== "string") {
    const obj = asObject(input, "each line");
    value = obj.value;
    if (obj.format !== undefined) format = asFormat(obj.format);
    if (obj.backend_kwargs !== undefined) backendKwargs = asObject(obj.backend_kwargs, "backend_kwargs");
  }
  if (typeof value !== "string" && (value === null || typeof value !== "object" || Array.isArray(value))) {
    throw new InvalidValueError('"value" must be a string or an object');
  }
  const conn = parseConnectionValue(value as string | Record<string, unknown>, { format, backendKwargs });
  return { ok: true, connection: connectionForOutput(conn, showSecrets) };
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  const [sub, input, ...extra] = positionals;
  if (sub !== "parse" && sub !== "uri" && sub !== "json")
    throw new UsageError(sub === undefined ? "missing subcommand (parse, uri or json)" : `unknown subcommand '${sub}'`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (quote the value)`);
  if (sub !== "parse" && (values.format !== undefined || values["backend-kwargs"] !== undefined)) {
    throw new UsageError(`--format and --backend-kwargs apply to 'conn parse' only`);
  }
  const showSecrets = values["show-secrets"] === true;
  const format = asFormat(values.format);
  const backendKwargs = parseBackendKwargs(values["backend-kwargs"]);

  if (values.ndjson === true) {
    if (input !== undefined && input !== "-") throw new UsageError("--ndjson reads stdin; do not pass a value");
    if (sub === "parse") return ndjsonLoop(io, (line) => parseLine(line, showSecrets, { format, backendKwargs }));
    return ndjsonLoop(io, (line) => {
      const conn = parseConnectionValue(asObject(parseLineJson(line), "each line"));
      return sub === "uri" ? { ok: true, uri: uriForOutput(conn, showSecrets) } : { ok: true, json: jsonForOutput(conn, showSecrets) };
    });
  }

  const text = await readInput(input, io);
  const conn = parseConnectionValue(text, { format: sub === "parse" ? format : "auto", backendKwargs });
  const formatted = sub === "uri" ? uriForOutput(conn, showSecrets) : sub === "json" ? jsonForOutput(conn, showSecrets) : "";
  const out =
    sub === "parse"
      ? JSON.stringify(connectionForOutput(conn, showSecrets), null, 2)
      : values.json === true
        ? JSON.stringify({ [sub]: formatted }, null, 2)
        : formatted;
  io.stdout.write(`${out}\n`);
  return EXIT_OK;
}

export const command: Command = {
  summary: "parse a connection in any Airflow form; print its URI or JSON form",
  help: HELP,
  run: (argv, io) => runCommand("conn", io, () => run(argv, io), argv),
};
