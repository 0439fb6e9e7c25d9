/**
 * The three local file targets of a storm (`env-file`, `airflow-settings`, `local-filesystem`):
 * the files seeded with content afsync does not own, and plain readers of them written here from
 * the formats' own rules (dotenv quoting, the Astro CLI's YAML, LocalFilesystemBackend's JSON),
 * never through afsync's code, so a bug in afsync's writer cannot hide in its own reader.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { STORM_KEY, type TargetView } from "./compareDeployment.ts";
import { connectionFields } from "./connectionFields.ts";

export interface LocalTargetFiles {
  /** The Astro project's `.env` (target `env-file`). */
  readonly envFile: string;
  /** The Astro project's `airflow_settings.yaml` (target `airflow-settings`). */
  readonly settingsFile: string;
  /** LocalFilesystemBackend's files (target `local-filesystem`). */
  readonly connectionsFile: string;
  readonly variablesFile: string;
}

/** Hand-written lines afsync does not own, among them Airflow keys of someone else's. */
const ENV_SEED = [
  "# Astro project settings, kept by hand",
  "THEIR_SETTING='keep-me'",
  'AIRFLOW_VAR_THEIRS_VAR="their value"',
  "AIRFLOW_CONN_THEIRS_DB='mysql://them:their-pw@theirs.internal:3306/theirs'",
  "",
];

/** The Astro CLI's template layout, with items afsync does not own in each section. */
const SETTINGS_BLOCKS = [
  [
    "# This file allows you to configure Airflow Connections, Pools, and Variables in a single place for local development only.",
    "airflow:",
  ],
  [
    "  connections:",
    "    - conn_id: theirs_db",
    "      conn_type: mysql",
    "      conn_host: theirs.internal",
    "      conn_password: their-pw",
  ],
  ["  pools:", "    - pool_name: their_pool", "      pool_slot: 5", "      pool_description: kept by hand"],
  ["  variables:", "    - variable_name: theirs_var", "      variable_value: their value"],
];

const THEIR_CONNECTIONS = { theirs_db: { conn_type: "mysql", host: "theirs.internal", password: "their-pw", extra: '{"a": 1}' } };
const THEIR_VARIABLES = { theirs_var: "their value" };

/** Writes the four files under `dir` with their unowned content; the directories exist, the owned keys do not yet. */
export function seedLocalTargetFiles(dir: string): LocalTargetFiles {
  const files: LocalTargetFiles = {
    envFile: join(dir, "astro-project", ".env"),
    settingsFile: join(dir, "astro-project", "airflow_settings.yaml"),
    connectionsFile: join(dir, "airflow-secrets", "connections.json"),
    variablesFile: join(dir, "airflow-secrets", "variables.json"),
  };
  for (const sub of ["astro-project", "airflow-secrets"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(files.envFile, ENV_SEED.join("\n"));
  writeFileSync(files.settingsFile, `${SETTINGS_BLOCKS.flat().join("\n")}\n`);
  writeFileSync(files.connectionsFile, `${JSON.stringify(THEIR_CONNECTIONS, null, 2)}\n`);
  writeFileSync(files.variablesFile, `${JSON.stringify(THEIR_VARIABLES, null, 2)}\n`);
  return files;
}

/** `NAME=value` as compose reads a `.env`: single quotes literal, double quotes with backslash escapes and `$$`. */
function dotenvValue(raw: string): string | undefined {
  if (raw.startsWith("'")) return raw.length >= 2 && raw.endsWith("'") ? raw.slice(1, -1) : undefined;
  if (!raw.startsWith('"')) return raw;
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"' };
  return raw.slice(1, -1).replace(/\\(.)|\$\$/g, (all, c: string | undefined) => (c === undefined ? "$" : (escapes[c] ?? all)));
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** The `.env` target: `AIRFLOW_CONN_<ID>` in Airflow's JSON form, `AIRFLOW_VAR_<KEY>` as is (ids lower-cased back). */
export function envFileView(path: string): TargetView {
  const connections = new Map<string, Record<string, unknown>>();
  const variables = new Map<string, string>();
  const problems: string[] = [];
  for (const [n, line] of readFileSync(path, "utf8").split("\n").entries()) {
    if (line === "" || line.startsWith("#")) continue;
    const [, name = "", raw = ""] = ASSIGNMENT.exec(line) ?? [];
    const value = dotenvValue(raw);
    if (name === "" || value === undefined) {
      problems.push(`${path}:${n + 1}: not a dotenv assignment`);
      continue;
    }
    const conn = /^AIRFLOW_CONN_(.+)$/.exec(name)?.[1]?.toLowerCase();
    const variable = /^AIRFLOW_VAR_(.+)$/.exec(name)?.[1]?.toLowerCase();
    if (variable !== undefined) variables.set(variable, value);
    if (conn === undefined) continue;
    // Someone else's may be a URI; afsync writes the JSON form.
    if (value.startsWith("{")) {
      try {
        connections.set(conn, JSON.parse(value) as Record<string, unknown>);
      } catch {
        problems.push(`${name}: not Airflow's JSON form`);
      }
    } else connections.set(conn, { ...connectionFields(value) });
  }
  return { connections, variables, problems };
}

interface SettingsDocument {
  airflow?: {
    connections?: Record<string, unknown>[] | null;
    variables?: { variable_name?: unknown; variable_value?: unknown }[] | null;
    pools?: unknown[] | null;
  };
}

function parseSettings(path: string): SettingsDocument {
  return (parseYaml(readFileSync(path, "utf8")) ?? {}) as SettingsDocument;
}

/** `airflow_settings.yaml`: the `conn_*` fields of each connection item, each variable item's value. */
export function airflowSettingsView(path: string): TargetView {
  const connections = new Map<string, Record<string, unknown>>();
  const variables = new Map<string, string>();
  const problems: string[] = [];
  let doc: SettingsDocument;
  try {
    doc = parseSettings(path);
  } catch {
    return { connections, variables, problems: [`${path}: not YAML`] };
  }
  for (const item of doc.airflow?.connections ?? []) {
    const id = String(item.conn_id ?? "");
    if (connections.has(id)) problems.push(`connection ${id}: two items`);
    connections.set(id, {
      conn_type: item.conn_type,
      host: item.conn_host,
      login: item.conn_login,
      password: item.conn_password,
      schema: item.conn_schema,
      port: item.conn_port,
    });
  }
  for (const item of doc.airflow?.variables ?? []) {
    const key = String(item.variable_name ?? "");
    if (variables.has(key)) problems.push(`variable ${key}: two items`);
    variables.set(key, String(item.variable_value ?? ""));
  }
  return { connections, variables, problems };
}

/** LocalFilesystemBackend's JSON: connection id → URI or field dict, variable → value. */
export function localFilesystemView(connectionsPath: string, variablesPath: string): TargetView {
  const connections = new Map<string, Record<string, unknown>>();
  const variables = new Map<string, string>();
  const problems: string[] = [];
  const read = (path: string): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch {
      problems.push(`${path}: not JSON`);
      return {};
    }
  };
  for (const [id, value] of Object.entries(read(connectionsPath)))
    connections.set(id, typeof value === "string" ? { ...connectionFields(value) } : (value as Record<string, unknown>));
  for (const [key, value] of Object.entries(read(variablesPath))) variables.set(key, String(value));
  return { connections, variables, problems };
}

/**
 * What afsync does not own in each file, to compare before and after: the `.env`'s other lines
 * byte for byte; the YAML's seeded blocks, each still present verbatim, and the parsed unowned
 * items; the JSON entries of someone else's keys, serialized exactly (key order included).
 */
export function localUnownedSnapshot(files: LocalTargetFiles): Record<string, string> {
  const envText = readFileSync(files.envFile, "utf8");
  const settingsText = readFileSync(files.settingsFile, "utf8");
  const owned = (line: string) => /^AIRFLOW_(CONN|VAR)_STORM/.test(line) || line.startsWith("# afsync-key:");
  let settings: SettingsDocument = {};
  try {
    settings = parseSettings(files.settingsFile);
  } catch {
    // The unparsed text still shows whether the blocks are there.
  }
  const unownedItems = (items: readonly unknown[] | null | undefined, name: string) =>
    (items ?? []).filter((item) => !STORM_KEY.test(String((item as Record<string, unknown>)[name] ?? "")));
  const json = (path: string, keys: readonly string[]) => {
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch {
      // An unreadable file shows as missing entries.
    }
    return JSON.stringify(keys.map((k) => [k, parsed[k] ?? null]));
  };
  return {
    "env-file other lines": JSON.stringify(envText.split("\n").filter((line) => !owned(line))),
    "airflow-settings blocks verbatim": JSON.stringify(SETTINGS_BLOCKS.map((block) => settingsText.includes(block.join("\n")))),
    "airflow-settings unowned items": JSON.stringify([
      unownedItems(settings.airflow?.connections, "conn_id"),
      settings.airflow?.pools ?? null,
      unownedItems(settings.airflow?.variables, "variable_name"),
    ]),
    "local-filesystem their connection": json(files.connectionsFile, Object.keys(THEIR_CONNECTIONS)),
    "local-filesystem their variable": json(files.variablesFile, Object.keys(THEIR_VARIABLES)),
  };
}

/**
 * The files that are not whole right now (read the moment after a worker was SIGKILLed): each
 * must parse in full and end with its last newline, as every complete write leaves it, and no
 * `.env` line may be cut off inside its quotes. A torn write would fail one of these.
 */
export function tornLocalFiles(files: LocalTargetFiles): string[] {
  const torn: string[] = [];
  for (const path of Object.values(files)) {
    if (!existsSync(path)) {
      torn.push(`${path}: gone`);
      continue;
    }
    const text = readFileSync(path, "utf8");
    if (!text.endsWith("\n")) torn.push(`${path}: no final newline`);
  }
  const problems = [
    ...envFileView(files.envFile).problems,
    ...airflowSettingsView(files.settingsFile).problems,
    ...localFilesystemView(files.connectionsFile, files.variablesFile).problems,
  ];
  return [...torn, ...problems];
}
