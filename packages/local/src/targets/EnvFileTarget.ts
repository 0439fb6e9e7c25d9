import {
  AfsyncError,
  type AirflowKey,
  type ApplyOutcome,
  type ApplyRequest,
  type DeploymentTarget,
  type KeyString,
  keyString,
  parseKeyString,
  type TargetCapabilities,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { envVarNameFor, envVarValueFor, keyFromEnvVarName } from "@afsync/core/formats/envVars";
import { atomicWriteFile, readFileIfExists } from "../atomicWrite.ts";
import { type DotenvStatement, formatDotenvAssignment, parseDotenvDocument, renderDotenvDocument } from "./dotenvDocument.ts";

/**
 * A `.env` file of `AIRFLOW_CONN_<ID>` (connections in Airflow's JSON form) and
 * `AIRFLOW_VAR_<KEY>` lines, as the Astro CLI passes it to the Airflow containers: the
 * environment-variables layer. Every other line (comments, unrelated variables, blank lines)
 * stays byte for byte; an owned assignment is rewritten where it stands, a new one appended.
 *
 * Airflow upper-cases the id to build the variable name, so `my_db` and `MY_DB` are one key here.
 * A line reads back as the key `keyFromEnvVarName` derives (ids lower-cased), or as the key an
 * `# afsync-key:` comment above it names (see KEY_MARKER_PREFIX).
 */
export class EnvFileTarget implements DeploymentTarget {
  readonly type = "env-file";
  readonly layer = "environment-variables" as const;
  readonly capabilities: TargetCapabilities = {
    readsValues: true,
    atomicApply: true,
    holdsState: false,
    maxBatch: Number.MAX_SAFE_INTEGER,
  };
  readonly describe: string;

  readonly localFiles: readonly string[];

  constructor(private readonly path: string) {
    this.describe = path;
    this.localFiles = [path];
  }

  async read(): Promise<TargetSnapshot> {
    const entries = new Map<KeyString, TargetEntry>();
    const text = await readFileIfExists(this.path);
    if (text === null) return { entries };
    for (const statement of foldKeyMarkers(parseDotenvDocument(text))) {
      if (statement.name === undefined) continue;
      const key = statement.markedKey ?? keyFromEnvVarName(statement.name);
      if (key === null) continue;
      // compose-go lets a later assignment win, so the last one is what Airflow sees.
      entries.set(keyString(key), entryFor(key, statement));
    }
    return { entries };
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const text = (await readFileIfExists(this.path)) ?? "";
    const parsed = parseDotenvDocument(text);
    const problem = parsed.find((s) => s.problem !== undefined);
    if (problem !== undefined) {
      // Rewriting around an unterminated quote could swallow the lines after it.
      throw new AfsyncError("INVALID_TARGET_FILE", `${this.path}: line ${problem.line}: ${problem.problem}; fix the file first`);
    }
    const statements: { raw: string; name?: string }[] = foldKeyMarkers(parsed);
    for (const { key, value } of request.upserts) {
      if (key.kind !== value.kind)
        throw new AfsyncError("INVALID_APPLY", `${keyString(key)}: value kind ${value.kind} does not match the key`);
      const name = envVarNameFor(key);
      const raw = `${needsKeyMarker(key) ? `${KEY_MARKER_PREFIX}${keyString(key)}\n` : ""}${formatDotenvAssignment(name, envVarValueFor(value))}`;
      const at = statements.findIndex((s) => s.name === name);
      if (at < 0) statements.push({ raw, name });
      else {
        statements[at] = { raw, name };
        // Later duplicates would win in compose; drop them so the file says one thing.
        for (let i = statements.length - 1; i > at; i--) if (statements[i]?.name === name) statements.splice(i, 1);
      }
    }
    for (const key of request.deletes) {
      const name = envVarNameFor(key);
      for (let i = statements.length - 1; i >= 0; i--) if (statements[i]?.name === name) statements.splice(i, 1);
    }
    if (request.upserts.length > 0 || request.deletes.length > 0) await atomicWriteFile(this.path, renderDotenvDocument(statements));
    const results = [...request.upserts.map((u) => u.key), ...request.deletes].map((key) => ({ key: keyString(key), ok: true }));
    return { results, calls: results.length > 0 ? 1 : 0 };
  }
}

/**
 * Airflow upper-cases ids into variable names, so `var:MY_VAR` and `var:my_var` both become
 * `AIRFLOW_VAR_MY_VAR` and the name alone reads back as `var:my_var`. For a key whose id is not
 * what the name reads back as, afsync writes this comment right above the assignment, so the
 * key it wrote reads back unchanged (and a second sync writes nothing). Compose ignores comments.
 */
const KEY_MARKER_PREFIX = "# afsync-key: ";

function needsKeyMarker(key: AirflowKey): boolean {
  return keyFromEnvVarName(envVarNameFor(key))?.id !== key.id;
}

type FoldedStatement = DotenvStatement & { readonly markedKey?: AirflowKey };

/** Joins each key-marker comment to the assignment it names, so both move and go together. */
function foldKeyMarkers(statements: readonly DotenvStatement[]): FoldedStatement[] {
  const out: FoldedStatement[] = [];
  for (const statement of statements) {
    const previous = out.at(-1);
    if (
      statement.name !== undefined &&
      previous !== undefined &&
      previous.name === undefined &&
      previous.raw.startsWith(KEY_MARKER_PREFIX)
    ) {
      const key = parseKeyString(previous.raw.slice(KEY_MARKER_PREFIX.length).trim());
      if (key !== null && envVarNameFor(key) === statement.name) {
        out[out.length - 1] = { ...statement, raw: previous.raw + statement.raw, line: previous.line, markedKey: key };
        continue;
      }
    }
    out.push(statement);
  }
  return out;
}

function entryFor(key: TargetEntry["key"], statement: DotenvStatement): TargetEntry {
  if (statement.value === undefined) return { key };
  if (key.kind === "variable") return { key, value: { kind: "variable", value: statement.value } };
  try {
    // Airflow's env backend: JSON when the stripped value starts with `{`, a URI otherwise.
    const format = statement.value.trim().startsWith("{") ? "json" : "uri";
    return { key, value: { kind: "connection", connection: parseConnectionValue(statement.value, { format }) } };
  } catch {
    // A hand-written value Airflow would reject: present, but with no value to compare.
    return { key };
  }
}
