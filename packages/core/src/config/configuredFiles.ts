import type { AfsyncConfig } from "./AfsyncConfig.ts";
import type { ConfigIssue } from "./formatConfigIssue.ts";
import { toError } from "./toError.ts";

/**
 * The local files a config names, and the rule that none of them is destroyed by the config
 * itself: a target that writes a file a source reads (the sync would append `AIRFLOW_CONN_*`
 * lines to its own input, and the next read fails on them), a file two targets write (each sync
 * undoes the other's), a target that writes afsync's state database. Which options are files is
 * the adapters' naming convention: `path` and `*_file_path`.
 */

export type FileRole = "source" | "target" | "state";

export interface ConfiguredFile {
  /** Where the file is named in afsync.yaml: `deployments.dev.target.path`. */
  readonly configPath: string;
  /** The path as written (relative paths start at the config's directory). */
  readonly path: string;
  readonly role: FileRole;
  /** `source files`, `Deployment dev`, `afsync's state`. */
  readonly owner: string;
}

function isFileOption(name: string): boolean {
  return name === "path" || name.endsWith("_file_path");
}

function filesIn(options: unknown, at: string, role: FileRole, owner: string): ConfiguredFile[] {
  if (options === null || typeof options !== "object") return [];
  return Object.entries(options).flatMap(([name, value]) =>
    isFileOption(name) && typeof value === "string" && value !== "" ? [{ configPath: `${at}.${name}`, path: value, role, owner }] : [],
  );
}

/** Every local file the config names, sources first, then targets, then the state database. */
export function configuredFiles(config: AfsyncConfig): ConfiguredFile[] {
  return [
    ...config.sources.flatMap((s) => filesIn(s.options, `sources.${s.id}`, "source", `source ${s.id}`)),
    ...config.deployments.flatMap((d) => filesIn(d.target.options, `deployments.${d.id}.target`, "target", `Deployment ${d.id}`)),
    ...(config.state.type === "sqlite"
      ? [{ configPath: "state.path", path: config.state.path, role: "state" as const, owner: "afsync's state" }]
      : []),
  ];
}

/**
 * Throws one ConfigError naming both sides of every clash. `canonical` is each file's real path
 * (symlinks and `..` resolved by the caller), so two spellings of one file are caught.
 */
export function assertNoFileClashes(files: readonly (ConfiguredFile & { readonly canonical: string })[]): void {
  const issues: ConfigIssue[] = [];
  const byFile = new Map<string, (ConfiguredFile & { readonly canonical: string })[]>();
  for (const f of files) byFile.set(f.canonical, [...(byFile.get(f.canonical) ?? []), f]);
  for (const group of byFile.values()) {
    const targets = group.filter((f) => f.role === "target");
    const [first, ...others] = targets;
    if (first === undefined) continue;
    const same = (f: ConfiguredFile) => (f.path === first.path ? "" : ` (${f.path} is the same file)`);
    for (const f of group.filter((g) => g.role === "source")) {
      issues.push({
        path: first.configPath,
        message: `${first.owner} writes ${first.path}, which ${f.owner} reads (${f.configPath})${same(f)}; a sync would overwrite its own input. Point the target at another file`,
      });
    }
    for (const f of group.filter((g) => g.role === "state")) {
      issues.push({
        path: first.configPath,
        message: `${first.owner} writes ${first.path}, which is afsync's state database (${f.configPath})${same(f)}. Point the target at another file`,
      });
    }
    for (const f of others) {
      issues.push({
        path: f.configPath,
        message: `${first.owner} (${first.configPath}) and ${f.owner} (${f.configPath}) both write ${first.path}${same(f)}; each sync would undo the other's. Give each target its own file`,
      });
    }
  }
  if (issues.length > 0) throw toError(issues);
}
