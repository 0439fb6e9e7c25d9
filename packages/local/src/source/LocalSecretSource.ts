import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import {
  AfsyncError,
  type AirflowKey,
  type AirflowKind,
  type ChangeHint,
  keyString,
  type SecretIdMapping,
  type SecretSource,
  type SourceCapabilities,
  type SourceRead,
  type SourceVersion,
} from "@afsync/core";
import { parseLocalFilesystemFile } from "@afsync/core/formats/localFilesystemFile";
import { decodeStrictUtf8 } from "@afsync/core/formats/strictUtf8";
import { describeFsError } from "../atomicWrite.ts";
import { digestOf, type FileWatch, watchFile } from "./watchFile.ts";

/** One LocalFilesystemBackend file: the path to open and the path as the user wrote it (for messages and secret ids). */
export interface LocalSourceFile {
  readonly path: string;
  readonly label: string;
}

export interface LocalSourceFiles {
  readonly connections?: LocalSourceFile;
  readonly variables?: LocalSourceFile;
}

type FileType = "json" | "yaml" | "env";

/** Airflow picks the parser by extension (`local_filesystem.py`: `.env`, `.json`, `.yaml`, `.yml`). */
export function fileTypeFor(path: string): FileType | null {
  const ext = extname(path).toLowerCase();
  if (ext === ".env") return "env";
  if (ext === ".json") return "json";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  return null;
}

interface LoadedFile {
  readonly reads: SourceRead[];
  /** Each key's fingerprint (a digest of what was read, kept in memory only), to tell which keys an edit changed. */
  readonly keys: ReadonlyMap<string, string>;
}

/**
 * Airflow's LocalFilesystemBackend files as a source, read exactly as that backend reads them
 * (keys match case-sensitively; each lookup re-reads the file). A secret id is `<file>#<key>`.
 * A file that cannot be parsed at all fails the read instead of looking empty, so an editing
 * mistake never turns into deletions.
 */
export class LocalSecretSource implements SecretSource {
  readonly provider = "local";
  readonly capabilities: SourceCapabilities = { batchSize: Number.MAX_SAFE_INTEGER, orderedVersions: false };
  /** Each file's last parse, by its text and mtime: reused while both are the same. */
  private readonly lastLoad = new Map<AirflowKind, { text: string; version: string; loaded: LoadedFile }>();
  /** Keys seen in each file at its last read, with fingerprints: a file change names the keys whose fingerprint moved. */
  private readonly knownKeys = new Map<AirflowKind, ReadonlyMap<string, string>>();
  /** Digest of the bytes behind `knownKeys`, so a watcher started later can tell whether it missed an edit. */
  private readonly knownDigest = new Map<AirflowKind, string>();

  constructor(
    readonly id: string,
    private readonly files: LocalSourceFiles,
  ) {}

  /** The files this source reads (resolved paths), for serve's banner and status page. */
  get paths(): readonly string[] {
    return [this.files.connections?.path, this.files.variables?.path].filter((p): p is string => p !== undefined);
  }

  async readAll(): Promise<SourceRead[]> {
    const out: SourceRead[] = [];
    for (const kind of ["connection", "variable"] as const) {
      const file = this.fileFor(kind);
      if (file !== undefined) out.push(...(await this.load(kind, file)).reads);
    }
    return out;
  }

  async read(keys: readonly AirflowKey[]): Promise<SourceRead[]> {
    const loaded = new Map<AirflowKind, Map<string, SourceRead>>();
    const out: SourceRead[] = [];
    for (const key of keys) {
      const file = this.fileFor(key.kind);
      if (file === undefined) {
        out.push({ status: "missing", key, secretId: keyString(key) });
        continue;
      }
      let byId = loaded.get(key.kind);
      if (byId === undefined) {
        byId = new Map((await this.load(key.kind, file)).reads.map((r) => [r.key.id, r]));
        loaded.set(key.kind, byId);
      }
      out.push(byId.get(key.id) ?? { status: "missing", key, secretId: `${file.label}#${key.id}` });
    }
    return out;
  }

  secretIdFor(key: AirflowKey): string | null {
    const file = this.fileFor(key.kind);
    return file === undefined ? null : `${file.label}#${key.id}`;
  }

  keysFor(secretId: string): SecretIdMapping {
    for (const kind of ["connection", "variable"] as const) {
      const file = this.fileFor(kind);
      if (file === undefined) continue;
      if (secretId.startsWith(`${file.label}#`) && secretId.length > file.label.length + 1) {
        return { keys: [{ kind, id: secretId.slice(file.label.length + 1) }] };
      }
      if (secretId === file.label || secretId === file.path) {
        return { keys: [...(this.knownKeys.get(kind)?.keys() ?? [])].map((id) => ({ kind, id })) };
      }
    }
    return { keys: [], ignoredReason: `not one of the files of source ${this.id}` };
  }

  /**
   * Calls `onChange` with upsert hints whenever a file's content changes (serve mode), naming
   * the keys that were added, changed or removed. A file that no longer parses names every key
   * it held, so the run that follows reports the error for the Deployments that use it.
   */
  watch(onChange: (hints: ChangeHint[]) => void, options?: { debounceMs?: number; onError?: (error: unknown) => void }): FileWatch {
    const watches: FileWatch[] = [];
    for (const kind of ["connection", "variable"] as const) {
      const file = this.fileFor(kind);
      if (file === undefined) continue;
      let brokenFile = false;
      // The watcher keeps its own view: a run reading the file in between (a webhook, the
      // schedule) must not make this watcher think the keys it has not announced yet are old news.
      let seen: ReadonlyMap<string, string> = this.knownKeys.get(kind) ?? new Map<string, string>();
      const initialDigest = this.knownDigest.get(kind);
      watches.push(
        watchFile(
          file.path,
          async () => {
            const before = seen;
            let changed: string[];
            try {
              const after = (await this.load(kind, file)).keys;
              const all = [...new Set([...before.keys(), ...after.keys()])];
              // After a broken save, every key reruns so the failed Deployments are brought back to ok.
              changed = brokenFile ? all : all.filter((id) => before.get(id) !== after.get(id));
              brokenFile = false;
              seen = after;
            } catch (error) {
              // A broken file still triggers a run: the engine reads it, fails the Deployment and reports why.
              options?.onError?.(error);
              changed = [...before.keys()];
              brokenFile = true;
            }
            const hints: ChangeHint[] = changed.map((id) => ({
              provider: this.provider,
              sourceId: this.id,
              secretId: `${file.label}#${id}`,
              action: "upsert",
              keys: [{ kind, id }],
            }));
            if (hints.length > 0) onChange(hints);
          },
          {
            ...(options?.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
            ...(initialDigest === undefined ? {} : { initialDigest }),
          },
        ),
      );
    }
    return {
      close: () => {
        for (const w of watches) w.close();
      },
    };
  }

  private fileFor(kind: AirflowKind): LocalSourceFile | undefined {
    return kind === "connection" ? this.files.connections : this.files.variables;
  }

  private async load(kind: AirflowKind, file: LocalSourceFile): Promise<LoadedFile> {
    const type = fileTypeFor(file.path);
    if (type === null) throw new AfsyncError("UNSUPPORTED_FILE", `${file.label}: unsupported file type; use .json, .yaml, .yml or .env`);
    let bytes: Uint8Array;
    let version: SourceVersion;
    try {
      const [content, info] = await Promise.all([readFile(file.path), stat(file.path)]);
      bytes = content;
      version = { id: `mtime:${Math.trunc(info.mtimeMs)}` };
    } catch (error) {
      // Airflow raises "File … was not found" too; treating it as empty would delete every key.
      throw new AfsyncError("SOURCE_FILE_UNREADABLE", `${file.label}: cannot read the ${kind}s file: ${describeFsError(error)}`, {
        cause: error,
      });
    }
    let text: string;
    try {
      // Strict, as Airflow opens the file: a byte that does not decode fails the whole read, never a U+FFFD pushed on.
      text = decodeStrictUtf8(bytes);
    } catch (error) {
      throw new AfsyncError("INVALID_SOURCE_FILE", `${file.label}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    // serve re-reads both files on every edit of one: the other's parse is reused while its bytes
    // and mtime are the same (parsing 10,000 YAML entries costs hundreds of milliseconds).
    const cached = this.lastLoad.get(kind);
    if (cached !== undefined && cached.text === text && cached.version === version.id) {
      this.knownKeys.set(kind, cached.loaded.keys);
      this.knownDigest.set(kind, digestOf(bytes));
      return cached.loaded;
    }
    const parsed = parseLocalFilesystemFile(text, type, kind);
    const fileProblem = parsed.problems.find((p) => p.key === undefined);
    if (fileProblem !== undefined) {
      const where = fileProblem.line === undefined ? "" : ` line ${fileProblem.line}:`;
      throw new AfsyncError("INVALID_SOURCE_FILE", `${file.label}:${where} ${fileProblem.message}`);
    }
    const reads: SourceRead[] = [];
    const keys = new Map<string, string>();
    const invalid = new Set<string>();
    for (const problem of parsed.problems) {
      if (problem.key === undefined || invalid.has(problem.key)) continue;
      invalid.add(problem.key);
      keys.set(problem.key, fingerprint(`invalid:${problem.message}`));
      const where = problem.line === undefined ? "" : ` (line ${problem.line})`;
      reads.push({
        status: "invalid",
        key: { kind, id: problem.key },
        secretId: `${file.label}#${problem.key}`,
        reason: `${file.label}${where}: ${problem.message}`,
        version,
      });
    }
    for (const entry of parsed.entries) {
      if (invalid.has(entry.key) || keys.has(entry.key)) continue;
      keys.set(entry.key, fingerprint(JSON.stringify(entry.value)));
      reads.push({ status: "found", key: { kind, id: entry.key }, secretId: `${file.label}#${entry.key}`, value: entry.value, version });
    }
    this.knownKeys.set(kind, keys);
    this.knownDigest.set(kind, digestOf(bytes));
    this.lastLoad.set(kind, { text, version: version.id, loaded: { reads, keys } });
    return { reads, keys };
  }
}

function fingerprint(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
