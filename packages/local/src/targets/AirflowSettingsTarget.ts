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
import { applyToSettingsDocument, listItems, sectionFor, YAML_OPTIONS } from "./settingsDocument.ts";
import { type SettingsLayout, settingsLayoutOf } from "./settingsLayout.ts";
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
   * What afsync last read or wrote: the exact text, its entries and its layout. Parsing YAML is
   * most of a run (a 10,000-item file takes about a second), and serve reads and writes the same
   * file on every edit, so both `read` and `apply` reuse this while the file holds exactly that
   * text; a write whose splice is proven locally (`spliceSettingsItems`) updates it without
   * parsing the file again.
   */
  private known: KnownSettings | null = null;

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
    if (text === null) return { entries: new Map() };
    // Never changed once made (a write makes a new map), so it is handed out as is.
    return { entries: this.settingsOf(text).entries };
  }

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
    const current = text === null ? null : this.settingsOf(text);
    const spliced = text === null || current?.layout == null ? null : spliceSettingsItems(text, current.layout, request);
    const { out, next } =
      spliced?.proven != null && current !== null
        ? {
            out: spliced.text,
            next: {
              text: spliced.text,
              layout: spliced.proven.layout,
              entries: entriesAfter(current.entries, request, spliced.proven.written),
            },
          }
        : this.rewriteWhole(text, request, spliced?.text ?? null);
    this.known = null;
    await atomicWriteFile(this.path, out, this.fileOptions);
    // A re-rendered file is parsed now, not by the next run's read: serve's first edit after its
    // initial sync (which creates the file this way) would otherwise pay for it.
    this.known = next ?? this.settingsOfRendered(out);
    return { results, calls: 1 };
  }

  /**
   * The request applied to the whole parsed document, for what a splice cannot prove from its
   * own items (an anchor in the file, a layout the splice does not handle…): the splice is used
   * only if it reads back exactly as the edited document, else the document is re-rendered.
   */
  private rewriteWhole(text: string | null, request: ApplyRequest, spliced: string | null): { out: string; next: KnownSettings | null } {
    const edited = text === null ? parseDocument("airflow:\n  connections: []\n  variables: []\n", YAML_OPTIONS) : this.parse(text);
    applyToSettingsDocument(edited, request, this.path);
    try {
      if (spliced !== null) {
        const check = parseDocument(spliced, YAML_OPTIONS);
        if (check.errors.length === 0 && isDeepStrictEqual(check.toJS(), edited.toJS())) {
          return { out: spliced, next: settingsOfDocument(spliced, check, this.path) };
        }
      }
      return { out: edited.toString({ lineWidth: 0 }), next: null };
    } catch (error) {
      if (error instanceof AfsyncError) throw error;
      // The YAML library throws for an alias left without its anchor; its message names the
      // anchor, never a value, but says nothing a user can act on.
      throw new AfsyncError(
        "INVALID_TARGET_FILE",
        `${this.path}: an item afsync replaces or removes holds an anchor that an alias elsewhere in the file reads; replace the alias with its value by hand`,
      );
    }
  }

  private settingsOfRendered(text: string): KnownSettings | null {
    try {
      return this.settingsOf(text);
    } catch {
      return null; // the next read reports it
    }
  }

  /** The file's entries and layout: reused while the file holds the text last read or written. */
  private settingsOf(text: string): KnownSettings {
    if (this.known?.text === text) return this.known;
    this.known = settingsOfDocument(text, this.parse(text), this.path);
    return this.known;
  }

  /** The file's document, validated. */
  private parse(text: string): Document {
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
    return doc;
  }
}

interface KnownSettings {
  readonly text: string;
  readonly entries: ReadonlyMap<KeyString, TargetEntry>;
  readonly layout: SettingsLayout | null;
}

/** What `read` reports for a parsed file, and where its items lie. */
function settingsOfDocument(text: string, doc: Document, path: string): KnownSettings {
  const entries = new Map<KeyString, TargetEntry>();
  for (const kind of ["connection", "variable"] as const) {
    for (const item of listItems(doc, sectionFor(kind), path)) {
      const entry = entryOfItem(kind, item);
      // The Astro CLI adds the first; later copies fail.
      if (entry !== null && !entries.has(keyString(entry.key))) entries.set(keyString(entry.key), entry);
    }
  }
  return { text, entries, layout: settingsLayoutOf(text, doc) };
}

/** The entry one plain item reads as; null for the template's empty placeholder (no id). */
function entryOfItem(kind: AirflowKey["kind"], item: Readonly<Record<string, unknown>>): TargetEntry | null {
  const id = kind === "connection" ? item.conn_id : item.variable_name;
  if (typeof id !== "string" || id === "") return null;
  const key: AirflowKey = { kind, id };
  if (kind === "connection") {
    const parsed = connectionFromSettingsEntry(item);
    return "connection" in parsed ? { key, value: { kind: "connection", connection: parsed.connection } } : { key };
  }
  const value = variableValueFromSettings(item.variable_value);
  return value === null ? { key } : { key, value: { kind: "variable", value } };
}

/**
 * The entries after a proven splice: each written item as `read` would take it from a full
 * parse (the splice left it the only item of its key), deleted keys gone, all others as they were.
 */
function entriesAfter(
  entries: ReadonlyMap<KeyString, TargetEntry>,
  request: ApplyRequest,
  written: ReadonlyMap<KeyString, Record<string, unknown>>,
): Map<KeyString, TargetEntry> {
  const next = new Map(entries);
  for (const key of request.deletes) next.delete(keyString(key));
  for (const { key } of request.upserts) {
    const item = written.get(keyString(key));
    const entry = item === undefined ? null : entryOfItem(key.kind, item);
    if (entry === null) next.delete(keyString(key));
    else next.set(keyString(key), entry);
  }
  return next;
}
