import { readFile, stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { InvalidValueError } from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { envVarNameFor } from "@afsync/core/formats/envVars";
import { findKeyCollisions, validateKey } from "@afsync/core/formats/keyValidation";
import { kindFromContent } from "@afsync/core/formats/kindFromContent";
import { type LocalFileKind, type LocalFileType, parseLocalFilesystemFile } from "@afsync/core/formats/localFilesystemFile";
import { decodeStrictUtf8 } from "@afsync/core/formats/strictUtf8";
import type { AirflowKey } from "@afsync/core/model/AirflowKey";
import type { CliIO, Command } from "../CliIO.ts";
import { EXIT_INVALID, EXIT_OK } from "../CliIO.ts";
import { parseCommandArgs, runCommand, UsageError } from "../formats-cli/commandArgs.ts";
import { readAll } from "../formats-cli/readInput.ts";

const HELP = `Usage: afsync validate [FILE|-] [--kind connection|variable] [--type json|yaml|env] [--json]

Checks an Airflow local-filesystem secrets file (what LocalFilesystemBackend reads through
connections_file_path / variables_file_path: JSON, YAML or .env) and prints every problem with
its key and line, the way Airflow would refuse the file, plus the keys Airflow itself refuses
(conn_id rules, lengths). Warnings (exit status unaffected) name what works in one place and
breaks in another: ids the Airflow 3 REST API refuses, AIRFLOW_CONN_ names a shell cannot
export, keys that become the same environment variable.

FILE     the file; its type comes from the extension (.json, .yaml, .yml, .env) unless --type.
-        read stdin (then --type says the file type; without it stdin is one connection value).
         A FILE argument that is not a file and not a file name (no .json/.yaml/.yml/.env, no
         directory) is checked as one connection value, and never printed.
--kind   what the file holds: connection or variable. Without it, the file name decides when it
         names one (variables.yaml, my_conns.json), else the content (connections when a value
         looks like one; variables when none does and some could not be one), else connection;
         a note on stderr says which was assumed and why.
--json   print the result as one JSON object on stdout: {"input", "kind", "entries", "errors",
         "warnings", "problems": [{"line"?, "key"?, "severity", "message"}]} for a file, or
         {"input", "kind", "ok", "conn_type"? | "problem"?} for one value; errors are JSON too.

Output never contains secret values.
Exit status: 0 no problems; 1 problems found (or unreadable input); 2 usage error.`;

const OPTIONS = {
  kind: { type: "string" },
  type: { type: "string" },
  json: { type: "boolean" },
} as const;

const EXTENSIONS: Readonly<Record<string, LocalFileType>> = { ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".env": "env" };

function fileTypeOf(option: string | undefined, fileName: string | null): LocalFileType | null {
  if (option !== undefined) {
    const t = EXTENSIONS[`.${option.toLowerCase()}`];
    if (t === undefined) throw new UsageError(`unknown --type '${option}'; use json, yaml or env`);
    return t;
  }
  if (fileName === null) return null;
  const t = EXTENSIONS[extname(fileName).toLowerCase()];
  if (t === undefined)
    throw new InvalidValueError("Unsupported file format. The file must have one of the following extensions: .env .json .yaml .yml");
  return t;
}

/** A file name the user meant (a known extension or a directory part), as opposed to a value. */
function looksLikePath(arg: string): boolean {
  if (arg.includes("://") || arg.trimStart().startsWith("{")) return false;
  return EXTENSIONS[extname(arg).toLowerCase()] !== undefined || arg.includes("/") || arg.includes("\\");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function checkValue(text: string, kind: "connection" | "variable", io: CliIO, json: boolean): number {
  const report = (ok: boolean, detail: Record<string, unknown>, line: string) => {
    io.stdout.write(json ? `${JSON.stringify({ input: "value", kind, ok, ...detail }, null, 2)}\n` : `${line}\n`);
    return ok ? EXIT_OK : EXIT_INVALID;
  };
  if (kind === "variable") return report(true, {}, "ok: a variable value (any string is one)");
  try {
    const conn = parseConnectionValue(text);
    return report(true, { conn_type: conn.conn_type ?? null }, `ok: a valid connection (conn_type ${conn.conn_type ?? "none"})`);
  } catch (e) {
    if (!(e instanceof InvalidValueError)) throw e;
    return report(false, { problem: e.message }, `problem: ${e.message}`);
  }
}

/**
 * A key as printed. A .env line that lost its `KEY=` (`mysql://u:pw@h/?a=b`) splits at the
 * query's `=`, and its "key" then holds the password: mask userinfo that looks like one.
 */
function displayKey(key: string): string {
  return key.replace(/(:\/\/[^/?#@:]*:)[^@/?#]*@/g, "$1***@");
}

/**
 * The kind of a file given without --kind, and why: Airflow keeps connections and variables in
 * two files (`connections_file_path`, `variables_file_path`) and nothing in a file says which it
 * is, so the name decides when it says (the docs' `connections.yaml`, `variables.env`), then the
 * content (`kindFromContent`), then the default.
 */
function assumedKind(text: string, fileType: LocalFileType, fileName: string | null): { kind: LocalFileKind; because: string } {
  const name = (fileName ?? "").toLowerCase();
  const saysConn = name.includes("conn");
  const saysVar = name.includes("var");
  if (saysVar && !saysConn) return { kind: "variable", because: "the file name says so" };
  if (saysConn && !saysVar) return { kind: "connection", because: "the file name says so" };
  return kindFromContent(text, fileType) ?? { kind: "connection", because: "the default; pass --kind variable if it holds variables" };
}

async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  const [arg, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const kindOption = values.kind;
  const json = values.json === true;
  if (kindOption !== undefined && kindOption !== "connection" && kindOption !== "variable") {
    throw new UsageError(`unknown --kind '${kindOption}'; use connection or variable`);
  }

  let text: string;
  let label: string;
  let fileName: string | null = null;
  if (arg === undefined || arg === "-") {
    text = await readAll(io.stdin);
    label = "<stdin>";
  } else if (await isFile(resolve(io.cwd, arg))) {
    try {
      // Strict, as Airflow opens the file: a byte that is not UTF-8 is the file's problem, not a U+FFFD.
      text = decodeStrictUtf8(await readFile(resolve(io.cwd, arg)));
    } catch (e) {
      if (e instanceof InvalidValueError) throw new InvalidValueError(`${arg}: ${e.message}`, { cause: e });
      throw e;
    }
    label = arg;
    fileName = basename(arg);
  } else if (values.type === undefined && !looksLikePath(arg)) {
    // A URI, JSON, or anything else that is no file name: perhaps a secret pasted as the value.
    // Checked as a value, it is never echoed (a "no such file" error would print it).
    return checkValue(arg, kindOption ?? "connection", io, json);
  } else {
    throw new InvalidValueError(`${arg}: no such file`);
  }
  const fileType = fileTypeOf(values.type, fileName);
  if (fileType === null) return checkValue(text.replace(/\r?\n$/, ""), kindOption ?? "connection", io, json);
  let kind: LocalFileKind;
  if (kindOption === undefined) {
    const assumed = assumedKind(text, fileType, fileName);
    kind = assumed.kind;
    // On stderr: stdout stays the list of problems that scripts and the README's examples show.
    io.stderr.write(`afsync validate: note: reading ${label} as ${kind}s (${assumed.because})\n`);
  } else {
    kind = kindOption;
  }

  const { entries, problems } = parseLocalFilesystemFile(text, fileType, kind, { fileName: fileName ?? label });
  const problemsFound: ValidationProblem[] = [];
  const add = (severity: "error" | "warning", message: string, line?: number, key?: string) =>
    problemsFound.push({
      severity,
      message,
      ...(line === undefined ? {} : { line }),
      ...(key === undefined ? {} : { key: displayKey(key) }),
    });
  for (const p of problems) add("error", p.message, p.line, p.key);
  const keys: AirflowKey[] = [];
  for (const e of entries) {
    const key: AirflowKey = { kind, id: e.key };
    keys.push(key);
    const check = validateKey(key);
    for (const msg of check.errors) add("error", msg, e.line, e.key);
    for (const msg of check.warnings) add("warning", msg, e.line, e.key);
  }
  for (const c of findKeyCollisions(keys, "env")) {
    add(
      "warning",
      `${c.keys.map((k) => `'${k.id}'`).join(" and ")} are the same environment variable ${envVarNameFor(c.keys[0] ?? { kind, id: "" })}; as env vars one would hide the other`,
    );
  }
  // Problems in file order; the sort is stable, so file-wide notes stay last in their order.
  problemsFound.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  const errorCount = problemsFound.filter((p) => p.severity === "error").length;
  const warningCount = problemsFound.length - errorCount;
  if (json) {
    const result = { input: label, kind, entries: entries.length, errors: errorCount, warnings: warningCount, problems: problemsFound };
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const where = (p: ValidationProblem) =>
      `${label}${p.line === undefined ? "" : `:${p.line}`}${p.key === undefined ? "" : `: ${p.key}`}: ${p.severity === "warning" ? "warning: " : ""}${p.message}`;
    const summary = `${label}: ${entries.length} ${kind}${entries.length === 1 ? "" : "s"} read, ${errorCount} problem${errorCount === 1 ? "" : "s"}, ${warningCount} warning${warningCount === 1 ? "" : "s"}`;
    io.stdout.write(`${[...problemsFound.map(where), summary].join("\n")}\n`);
  }
  return errorCount > 0 ? EXIT_INVALID : EXIT_OK;
}

/** One problem of a file: where (line, masked key), how bad, and what Airflow would say. */
interface ValidationProblem {
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly line?: number;
  readonly key?: string;
}

export const command: Command = {
  summary: "check an Airflow secrets file (JSON, YAML, .env) or a value; list every problem",
  help: HELP,
  run: (argv, io) => runCommand("validate", io, () => run(argv, io), argv),
};
