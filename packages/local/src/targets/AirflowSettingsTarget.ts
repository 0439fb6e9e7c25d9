import { isDeepStrictEqual } from "node:util";
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
  type TargetCapabilities,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { checkTargetKeys } from "@afsync/core/formats/targetKeyRules";
import { type Document, isMap, parseDocument } from "yaml";
import { atomicWriteFile, checkTargetFile, readFileIfExists, type TargetFileOptions } from "../atomicWrite.ts";
import { connectionFromSettingsEntry, variableValueFromSettings } from "./airflowSettingsEntry.ts";
import { applyToSettingsDocument, listItems, YAML_OPTIONS } from "./settingsDocument.ts";
import { spliceSettingsItems } from "./spliceSettingsItems.ts";

/**
 * The Astro CLI's `airflow_settings.yaml`: `astro dev start` imports its connections and
 * variables into the local Airflow's metadata database, so this target sits at that layer.
 * afsync only replaces, appends or removes the items of the keys it is asked to. Everything
 * else (pools, other connections and variables, comments, the template's empty placeholder
 * items) stays byte for byte where the file's layout allows a line edit, and otherwise the same
 * in content (the document is re-rendered).
 */
export class AirflowSettingsTarget implements DeploymentTarget {
  readonly type = "airflow-settings";
  readonly layer = "metadata-db" as const;
  readonly capabilities: TargetCapabilities = {
    readsValues: true,
    holdsState: false,
    maxBatch: Number.MAX_SAFE_INTEGER,
  };
  readonly describe: string;
  /**
   * The parse of the bytes afsync last read or wrote. Parsing YAML is the slow part of a run
   * (a 1,000-item file takes a few hundred ms), and the engine reads the target right before it
   * applies, so the parse is reused while the file still holds exactly those bytes.
   */
  private cache: { readonly text: string; readonly doc: Document } | null = null;

  readonly localFiles: readonly string[];

  constructor(
    private readonly path: string,
    private readonly fileOptions: TargetFileOptions = {},
  ) {
    this.describe = path;
    this.localFiles = [path];
  }

  /**
   * YAML quotes any string, so only control characters are refused: the Astro CLI hands each id
   * to `airflow connections add` / `variables set`, where a line break would split the command.
   */
  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, { target: "airflow-settings", nameOf: keyString });
  }

  async read(): Promise<TargetSnapshot> {
    await checkTargetFile(this.path, this.fileOptions);
    const text = await readFileIfExists(this.path);
    const entries = new Map<KeyString, TargetEntry>();
    if (text === null) return { entries };
    if (this.lastRead?.text === text) return { entries: new Map(this.lastRead.entries) };
    const doc = this.parse(text);
    for (const item of listItems(doc, "connections", this.path)) {
      const id = item.conn_id;
      if (typeof id !== "string" || id === "") continue; // the template's empty placeholder
      const key: AirflowKey = { kind: "connection", id };
      if (entries.has(keyString(key))) continue; // the Astro CLI adds the first; later copies fail
      const parsed = connectionFromSettingsEntry(item);
      entries.set(keyString(key), "connection" in parsed ? { key, value: { kind: "connection", connection: parsed.connection } } : { key });
    }
    for (const item of listItems(doc, "variables", this.path)) {
      const id = item.variable_name;
      if (typeof id !== "string" || id === "") continue;
      const key: AirflowKey = { kind: "variable", id };
      if (entries.has(keyString(key))) continue;
      const value = variableValueFromSettings(item.variable_value);
      entries.set(keyString(key), value === null ? { key } : { key, value: { kind: "variable", value } });
    }
    this.lastRead = { text, entries: new Map(entries) };
    return { entries };
  }

  /** The last text read and its entries: serve reads the file it last wrote on every run. */
  private lastRead: { readonly text: string; readonly entries: ReadonlyMap<KeyString, TargetEntry> } | undefined;

  async apply(input: ApplyRequest): Promise<ApplyOutcome> {
    // The engine plans with checkKeys already; a direct caller must not write such a key either.
    const refused = new Map(this.checkKeys(input.upserts.map((u) => u.key)).map((p) => [p.key, p.reason]));
    const request = { ...input, upserts: input.upserts.filter((u) => !refused.has(keyString(u.key))) };
    const results: ApplyItemResult[] = [...input.upserts.map((u) => u.key), ...input.deletes].map((key) => {
      const error = refused.get(keyString(key));
      return error === undefined ? { key: keyString(key), ok: true } : { key: keyString(key), ok: false, error };
    });
    if (request.upserts.length === 0 && request.deletes.length === 0) return { results, calls: 0 };
    const text = await readFileIfExists(this.path);
    const original = text === null ? null : this.parse(text);
    const edited = original?.clone() ?? parseDocument("airflow:\n  connections: []\n  variables: []\n", YAML_OPTIONS);
    applyToSettingsDocument(edited, request, this.path);

    // Prefer the line edit; use it only if it reads back exactly as the re-rendered document.
    let out: { text: string; doc: Document | null } | null = null;
    const spliced = text === null || original === null ? null : spliceSettingsItems(text, original, request);
    if (spliced !== null) {
      const check = parseDocument(spliced, YAML_OPTIONS);
      if (check.errors.length === 0 && isDeepStrictEqual(check.toJS(), edited.toJS())) out = { text: spliced, doc: check };
    }
    out ??= { text: edited.toString({ lineWidth: 0 }), doc: null };
    this.cache = null;
    await atomicWriteFile(this.path, out.text, this.fileOptions);
    if (out.doc !== null) this.cache = { text: out.text, doc: out.doc };
    return { results, calls: 1 };
  }

  /** The file's document, validated; reused from the cache while the bytes are the same. */
  private parse(text: string): Document {
    if (this.cache?.text === text) return this.cache.doc;
    const doc = parseDocument(text, YAML_OPTIONS);
    const error = doc.errors[0];
    if (error !== undefined) {
      const where = error.linePos?.[0] ? ` line ${error.linePos[0].line}` : "";
      // The YAML library's message quotes source text, which may be a password: only its code.
      throw new AfsyncError("INVALID_TARGET_FILE", `${this.path}:${where}: not valid YAML (${error.code}); fix or remove the file`);
    }
    if (doc.contents !== null && !isMap(doc.contents)) {
      throw new AfsyncError("INVALID_TARGET_FILE", `${this.path}: the top level must be a mapping with an 'airflow' key`);
    }
    this.cache = { text, doc };
    return doc;
  }
}
