import {
  AfsyncError,
  type AirflowKey,
  type ApplyItemResult,
  type ApplyOutcome,
  type ApplyRequest,
  type DeploymentTarget,
  type KeyProblem,
  type KeyString,
  keyString,
  parseKeyString,
  type TargetCapabilities,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { envVarNameFor, envVarValueFor, keyFromEnvVarName, namesTeamNamespace } from "@afsync/core/formats/envVars";
import { checkTargetKeys, type TargetKeyRules } from "@afsync/core/formats/targetKeyRules";
import { atomicWriteFile, checkTargetFile, readFileIfExists, type TargetFileOptions } from "../atomicWrite.ts";
import { type DotenvStatement, formatDotenvAssignment, parseDotenvDocument, renderDotenvDocument } from "./dotenvDocument.ts";

/**
 * A `.env` file of `AIRFLOW_CONN_<ID>` (connections in Airflow's JSON form) and
 * `AIRFLOW_VAR_<KEY>` lines, as the Astro CLI passes it to the Airflow containers: the
 * environment-variables layer. Every other line (comments, unrelated variables, blank lines)
 * stays byte for byte; an owned assignment is rewritten where it stands, a new one appended.
 *
 * Airflow upper-cases the id to build the variable name, so `my_db` and `MY_DB` are one name
 * here: `checkKeys` reports such keys as a conflict, and refuses ids whose name the readers would
 * not read back as written (ENV_FILE_KEY_RULES), so no key can inject a line or grow the file.
 * A line reads back as the key `keyFromEnvVarName` derives (ids lower-cased), or as the key an
 * `# afsync-key:` comment above it names (see KEY_MARKER_PREFIX).
 */
export class EnvFileTarget implements DeploymentTarget {
  readonly type = "env-file";
  readonly layer = "environment-variables" as const;
  readonly capabilities: TargetCapabilities = {
    readsValues: true,
    holdsState: false,
    maxBatch: Number.MAX_SAFE_INTEGER,
  };
  readonly describe: string;

  readonly localFiles: readonly string[];

  constructor(
    private readonly path: string,
    private readonly fileOptions: TargetFileOptions = {},
  ) {
    this.describe = path;
    this.localFiles = [path];
  }

  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, ENV_FILE_KEY_RULES);
  }

  async read(): Promise<TargetSnapshot> {
    await checkTargetFile(this.path, this.fileOptions);
    const text = await readFileIfExists(this.path);
    if (text === null) return { entries: new Map() };
    // Never changed once made (a write makes a new map), so it is handed out as is.
    return { entries: this.entriesOf(this.fileOf(text)) };
  }

  /**
   * The statements of the text afsync last read or wrote, and their entries once asked for.
   * Serve reads and rewrites the same file on every edit: while the file holds exactly this text
   * neither `read` nor `apply` parses it again, and a write keeps the statements it did not touch.
   */
  private known: KnownEnvFile | null = null;
  /** Each assignment's entry by its statement object (kept across writes) and the key it was read as. */
  private readonly entryOfStatement = new WeakMap<EnvStatement, { readonly key: KeyString; readonly entry: TargetEntry }>();

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const text = (await readFileIfExists(this.path)) ?? "";
    const parsed = this.fileOf(text).statements;
    const problemAt = parsed.findIndex((s) => s.problem !== undefined);
    if (problemAt >= 0) {
      // Rewriting around an unterminated quote could swallow the lines after it.
      throw new AfsyncError(
        "INVALID_TARGET_FILE",
        `${this.path}: line ${lineOf(parsed, problemAt)}: ${parsed[problemAt]?.problem}; fix the file first`,
      );
    }
    // Statements by variable name: an upsert replaces the first assignment in place (later
    // duplicates would win in compose, so they go), a new name is appended, a delete drops all.
    const statements: ({ parts: readonly EnvStatement[]; name?: string } | null)[] = foldKeyMarkers(parsed).map((s) => ({
      parts: s.marker === undefined ? [s.statement] : [s.marker, s.statement],
      ...(s.statement.name === undefined ? {} : { name: s.statement.name }),
    }));
    const positions = new Map<string, number[]>();
    statements.forEach((s, i) => {
      if (s?.name === undefined) return;
      const at = positions.get(s.name);
      if (at === undefined) positions.set(s.name, [i]);
      else at.push(i);
    });
    // The engine plans with checkKeys already; a direct caller must not inject a line either.
    const refused = new Map(this.checkKeys(request.upserts.map((u) => u.key)).map((p) => [p.key, p.reason]));
    for (const { key, value } of request.upserts) {
      if (refused.has(keyString(key))) continue;
      if (key.kind !== value.kind)
        throw new AfsyncError("INVALID_APPLY", `${keyString(key)}: value kind ${value.kind} does not match the key`);
      const name = envVarNameFor(key);
      const raw = `${needsKeyMarker(key) ? `${KEY_MARKER_PREFIX}${keyString(key)}\n` : ""}${formatDotenvAssignment(name, envVarValueFor(value))}`;
      // A statement starts at a line start and ends at its own line break, so these lines parse
      // on their own exactly as they will in the file.
      const written = { parts: parseDotenvDocument(raw), name };
      const [first, ...later] = positions.get(name) ?? [];
      if (first === undefined) {
        positions.set(name, [statements.length]);
        statements.push(written);
      } else {
        statements[first] = written;
        for (const i of later) statements[i] = null;
        positions.set(name, [first]);
      }
    }
    for (const key of request.deletes) {
      const name = envVarNameFor(key);
      for (const i of positions.get(name) ?? []) statements[i] = null;
      positions.delete(name);
    }
    const written = request.upserts.length > refused.size || request.deletes.length > 0;
    if (written) {
      const kept = statements.flatMap((s) => (s === null ? [] : s.parts));
      const out = renderDotenvDocument(kept);
      this.known = null;
      await atomicWriteFile(this.path, out, this.fileOptions);
      // The kept statements are the parse of the new text when each ends with its line break
      // (else rendering added one between two of them): then it is not parsed again.
      if (kept.every((s, i) => i === kept.length - 1 || s.raw.endsWith("\n"))) {
        this.known = { text: out, statements: kept };
        // Read now, not by the next run: serve's first edit after its initial sync would pay for every new line.
        this.entriesOf(this.known);
      }
    }
    const results = [...request.upserts.map((u) => u.key), ...request.deletes].map((key): ApplyItemResult => {
      const error = refused.get(keyString(key));
      return error === undefined ? { key: keyString(key), ok: true } : { key: keyString(key), ok: false, error };
    });
    return { results, calls: written ? 1 : 0 };
  }

  /** The file's statements: those last read or written while the file holds that text, else a parse. */
  private fileOf(text: string): KnownEnvFile {
    if (this.known?.text !== text) this.known = { text, statements: parseDotenvDocument(text) };
    return this.known;
  }

  /** What `read` reports for the file's statements (kept with them: a read of the same text reuses it). */
  private entriesOf(file: KnownEnvFile): ReadonlyMap<KeyString, TargetEntry> {
    if (file.entries !== undefined) return file.entries;
    const entries = new Map<KeyString, TargetEntry>();
    for (const { statement, markedKey } of foldKeyMarkers(file.statements)) {
      if (statement.name === undefined) continue;
      const key = markedKey ?? keyFromEnvVarName(statement.name);
      if (key === null) continue;
      const ks = keyString(key);
      // Parsing a connection's value (a URI or JSON) is most of a read: a statement the last
      // write kept reuses its entry.
      const known = this.entryOfStatement.get(statement);
      const entry = known?.key === ks ? known.entry : entryFor(key, statement);
      if (known?.key !== ks) this.entryOfStatement.set(statement, { key: ks, entry });
      // compose-go lets a later assignment win, so the last one is what Airflow sees.
      entries.set(ks, entry);
    }
    file.entries = entries;
    return entries;
  }
}

/** A statement as kept between runs: its line number is not (a write moves the lines after it), see `lineOf`. */
type EnvStatement = Omit<DotenvStatement, "line">;

interface KnownEnvFile {
  readonly text: string;
  readonly statements: readonly EnvStatement[];
  entries?: ReadonlyMap<KeyString, TargetEntry>;
}

/** The 1-based line where `statements[index]` starts: every statement before it ends with its line break. */
function lineOf(statements: readonly EnvStatement[], index: number): number {
  let line = 1;
  for (const s of statements.slice(0, index)) for (let at = s.raw.indexOf("\n"); at >= 0; at = s.raw.indexOf("\n", at + 1)) line += 1;
  return line;
}

// compose-go (Docker Compose's env_file parser, which `astro dev start` uses) reads names of
// letters, digits, '_', '.' and '-' (dashes since compose-go #336); python-dotenv stops a name at
// '=', '#' or white space. ASCII only: the upper-casing of other scripts differs between Python
// and JavaScript across Unicode versions, and older readers refuse them.
const ENV_FILE_ID = /^[A-Za-z0-9_.-]+$/;

const ENV_FILE_KEY_RULES: TargetKeyRules = {
  target: "env-file",
  nameOf: envVarNameFor,
  refuse(key: AirflowKey, name: string): string | undefined {
    if (!ENV_FILE_ID.test(key.id))
      return `${name} is not a name Docker Compose's env_file and dotenv readers all read back as written; the env-file target accepts ids of ASCII letters, digits, '_', '.' and '-' only`;
    if (namesTeamNamespace(key.id))
      return `${name} spells a team namespace (_<team>___<id>), which Airflow 3.3.1+ reads as a team-scoped name, not this key`;
    return undefined;
  },
};

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

/** An assignment with the key-marker comment right above it, or any other statement alone. */
interface FoldedStatement {
  readonly statement: EnvStatement;
  readonly marker?: EnvStatement;
  readonly markedKey?: AirflowKey;
}

/** Joins each key-marker comment to the assignment it names, so both move and go together. */
function foldKeyMarkers(statements: readonly EnvStatement[]): FoldedStatement[] {
  const out: FoldedStatement[] = [];
  for (const statement of statements) {
    const previous = out.at(-1);
    if (
      statement.name !== undefined &&
      previous !== undefined &&
      previous.marker === undefined &&
      previous.statement.name === undefined &&
      previous.statement.raw.startsWith(KEY_MARKER_PREFIX)
    ) {
      const key = parseKeyString(previous.statement.raw.slice(KEY_MARKER_PREFIX.length).trim());
      if (key !== null && envVarNameFor(key) === statement.name) {
        out[out.length - 1] = { statement, marker: previous.statement, markedKey: key };
        continue;
      }
    }
    out.push({ statement });
  }
  return out;
}

function entryFor(key: TargetEntry["key"], statement: EnvStatement): TargetEntry {
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
