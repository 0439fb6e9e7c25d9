import {
  AfsyncError,
  type AirflowKey,
  type AirflowKind,
  type ApplyItemResult,
  type ApplyOutcome,
  type ApplyRequest,
  type Connection,
  type DeploymentTarget,
  type KeyProblem,
  type KeyString,
  keyString,
  type TargetCapabilities,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { parseLocalFilesystemFile } from "@afsync/core/formats/localFilesystemFile";
import { checkTargetKeys } from "@afsync/core/formats/targetKeyRules";
import { atomicWriteFile, checkTargetFile, readFileIfExists, type TargetFileOptions } from "../atomicWrite.ts";

export interface LocalFilesystemTargetPaths extends TargetFileOptions {
  readonly connectionsFilePath?: string;
  readonly variablesFilePath?: string;
}

/**
 * JSON files for Airflow's LocalFilesystemBackend (`connections_file_path`,
 * `variables_file_path`): a Deployment configured with that backend reads them first, so this
 * target is the secrets-backend layer. Keys afsync does not own stay in the files untouched.
 */
export class LocalFilesystemTarget implements DeploymentTarget {
  readonly type = "local-filesystem";
  readonly layer = "secrets-backend" as const;
  readonly capabilities: TargetCapabilities = {
    readsValues: true,
    holdsState: false,
    maxBatch: Number.MAX_SAFE_INTEGER,
  };
  readonly describe: string;

  readonly localFiles: readonly string[];

  constructor(private readonly paths: LocalFilesystemTargetPaths) {
    this.localFiles = [paths.connectionsFilePath, paths.variablesFilePath].filter((p) => p !== undefined);
    this.describe = this.localFiles.join(", ");
  }

  /** JSON holds any string as a key; only control characters are refused, as by every target. */
  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, { target: "local-filesystem", nameOf: keyString });
  }

  async read(): Promise<TargetSnapshot> {
    const entries = new Map<KeyString, TargetEntry>();
    for (const kind of ["connection", "variable"] as const) {
      const path = this.pathFor(kind);
      if (path === undefined) continue;
      await checkTargetFile(path, this.paths);
      const text = await readFileIfExists(path);
      // An empty file is a target nobody wrote yet (Airflow would refuse it, afsync fills it).
      if (text === null || text.trim() === "") continue;
      const parsed = parseLocalFilesystemFile(text, "json", kind);
      const fileProblem = parsed.problems.find((p) => p.key === undefined);
      if (fileProblem !== undefined) throw new AfsyncError("INVALID_TARGET_FILE", `${path}: ${fileProblem.message}`);
      for (const problem of parsed.problems) {
        if (problem.key === undefined) continue;
        const key: AirflowKey = { kind, id: problem.key };
        entries.set(keyString(key), { key });
      }
      for (const entry of parsed.entries) {
        const key: AirflowKey = { kind, id: entry.key };
        entries.set(keyString(key), { key, value: entry.value });
      }
    }
    return { entries };
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const results: ApplyItemResult[] = [];
    let calls = 0;
    // The engine plans with checkKeys already; a direct caller must not write such a key either.
    const refused = new Map(this.checkKeys(request.upserts.map((u) => u.key)).map((p) => [p.key, p.reason]));
    for (const [key, error] of refused) results.push({ key, ok: false, error });
    // One file per kind; each file is replaced atomically, but the two files are two renames.
    for (const kind of ["connection", "variable"] as const) {
      const upserts = request.upserts.filter((u) => u.key.kind === kind && !refused.has(keyString(u.key)));
      const deletes = request.deletes.filter((k) => k.kind === kind);
      if (upserts.length === 0 && deletes.length === 0) continue;
      const path = this.pathFor(kind);
      if (path === undefined) {
        const error = `no ${kind === "connection" ? "connections_file_path" : "variables_file_path"} configured for this target`;
        for (const key of [...upserts.map((u) => u.key), ...deletes]) results.push({ key: keyString(key), ok: false, error });
        continue;
      }
      const document = await loadJsonObject(path);
      for (const { key, value } of upserts) {
        if (value.kind === "connection") document[key.id] = connectionToFileDict(value.connection);
        else document[key.id] = value.value;
      }
      for (const key of deletes) delete document[key.id];
      await atomicWriteFile(path, `${JSON.stringify(document, null, 2)}\n`, this.paths);
      calls += 1;
      for (const key of [...upserts.map((u) => u.key), ...deletes]) results.push({ key: keyString(key), ok: true });
    }
    return { results, calls };
  }

  private pathFor(kind: AirflowKind): string | undefined {
    return kind === "connection" ? this.paths.connectionsFilePath : this.paths.variablesFilePath;
  }
}

/**
 * The dict form LocalFilesystemBackend passes to `Connection(**value)`: `extra` stays a JSON
 * string (the type Airflow's own field has in every version), nulls are left out.
 */
export function connectionToFileDict(conn: Connection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (conn.conn_type !== null) out.conn_type = conn.conn_type;
  if (conn.description !== undefined && conn.description !== null) out.description = conn.description;
  if (conn.host !== null) out.host = conn.host;
  if (conn.login !== null) out.login = conn.login;
  if (conn.password !== null) out.password = conn.password;
  if (conn.schema !== null) out.schema = conn.schema;
  if (conn.port !== null) out.port = conn.port;
  if (conn.extra !== null && Object.keys(conn.extra).length > 0) out.extra = JSON.stringify(conn.extra);
  return out;
}

async function loadJsonObject(path: string): Promise<Record<string, unknown>> {
  const text = await readFileIfExists(path);
  if (text === null || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the text around the error, which may be a secret.
    throw new AfsyncError("INVALID_TARGET_FILE", `${path}: not valid JSON; fix or remove the file`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AfsyncError("INVALID_TARGET_FILE", `${path}: the top level must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
