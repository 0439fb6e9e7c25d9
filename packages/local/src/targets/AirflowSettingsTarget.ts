import {
  AfsyncError,
  type AirflowKey,
  type ApplyOutcome,
  type ApplyRequest,
  type DeploymentTarget,
  type KeyString,
  keyString,
  type TargetCapabilities,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { type Document, isMap, isSeq, parseDocument, type YAMLMap, YAMLSeq } from "yaml";
import { atomicWriteFile, readFileIfExists } from "../atomicWrite.ts";
import { connectionFromSettingsEntry, connectionToSettingsEntry, variableValueFromSettings } from "./airflowSettingsEntry.ts";

/**
 * The Astro CLI's `airflow_settings.yaml`: `astro dev start` imports its connections and
 * variables into the local Airflow's metadata database, so this target sits at that layer.
 * Everything afsync does not own (pools, other connections and variables, comments, the
 * template's empty placeholder items) is left in the document as it was; afsync only replaces,
 * appends or removes the items of the keys it is asked to.
 */
export class AirflowSettingsTarget implements DeploymentTarget {
  readonly type = "airflow-settings";
  readonly layer = "metadata-db" as const;
  readonly capabilities: TargetCapabilities = {
    readsValues: true,
    atomicApply: true,
    holdsState: false,
    maxBatch: Number.MAX_SAFE_INTEGER,
  };
  readonly describe: string;
  private cache: { readonly text: string; readonly doc: Document } | null = null;

  constructor(private readonly path: string) {
    this.describe = path;
  }

  async read(): Promise<TargetSnapshot> {
    const doc = await this.load();
    const entries = new Map<KeyString, TargetEntry>();
    if (doc === null) return { entries };
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
    return { entries };
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const doc = (await this.load()) ?? parseDocument("airflow:\n  connections: []\n  variables: []\n", YAML_OPTIONS);
    // The document may be the cached one: any failure before the file is written drops the
    // cache, so an edit that never reached the disk cannot be read back.
    this.cache = null;
    for (const { key, value } of request.upserts) {
      if (key.kind !== value.kind)
        throw new AfsyncError("INVALID_APPLY", `${keyString(key)}: value kind ${value.kind} does not match the key`);
      const node =
        value.kind === "connection"
          ? doc.createNode(connectionToSettingsEntry(key.id, value.connection))
          : doc.createNode({ variable_name: key.id, variable_value: value.value });
      const seq = sequenceFor(doc, key.kind, this.path);
      const at = seq.items.findIndex((item) => itemId(item, key.kind) === key.id);
      if (at < 0) seq.items.push(node);
      else seq.items[at] = node;
      // A duplicate further down would be imported after ours and fail or win, depending on the
      // Airflow version; keeping one copy makes the file say one thing.
      seq.items = seq.items.filter((item, i) => i <= at || at < 0 || itemId(item, key.kind) !== key.id);
    }
    for (const key of request.deletes) {
      const seq = sequenceFor(doc, key.kind, this.path);
      seq.items = seq.items.filter((item) => itemId(item, key.kind) !== key.id);
    }
    if (request.upserts.length > 0 || request.deletes.length > 0) {
      const text = doc.toString({ lineWidth: 0 });
      await atomicWriteFile(this.path, text);
      this.cache = { text, doc };
    }
    const results = [...request.upserts.map((u) => u.key), ...request.deletes].map((key) => ({ key: keyString(key), ok: true }));
    return { results, calls: results.length > 0 ? 1 : 0 };
  }

  /**
   * The file's document. Parsing YAML is the slow part of a run (a 1,000-item file takes a
   * few hundred ms), so the document of the bytes afsync last read or wrote is kept and reused
   * while the file still holds exactly those bytes.
   */
  private async load(): Promise<Document | null> {
    const text = await readFileIfExists(this.path);
    if (text === null) return null;
    if (this.cache?.text === text) return this.cache.doc;
    const doc = parseDocument(text, YAML_OPTIONS);
    const error = doc.errors[0];
    if (error !== undefined) {
      const where = error.linePos?.[0] ? ` line ${error.linePos[0].line}` : "";
      // The YAML library's message quotes source text, which may be a password: only its code.
      throw new AfsyncError("INVALID_TARGET_FILE", `${this.path}:${where}: not valid YAML (${error.code}); fix or remove the file`);
    }
    const root = doc.contents;
    if (root !== null && !isMap(root))
      throw new AfsyncError("INVALID_TARGET_FILE", `${this.path}: the top level must be a mapping with an 'airflow' key`);
    this.cache = { text, doc };
    return doc;
  }
}

/**
 * YAML 1.1, because that is how older Astro CLIs (viper over go-yaml v2) read the file: written
 * strings such as `yes`, `on` or `0x1F` get quoted so they stay strings there.
 */
const YAML_OPTIONS = { version: "1.1", uniqueKeys: false, prettyErrors: false } as const;

const SECTION = { connection: "connections", variable: "variables" } as const;
const ID_FIELD = { connection: "conn_id", variable: "variable_name" } as const;

function itemId(item: unknown, kind: AirflowKey["kind"]): unknown {
  return isMap(item) ? item.get(ID_FIELD[kind]) : undefined;
}

/** The plain items of `airflow.<section>` for reading; a missing or empty section is no items. */
function listItems(doc: Document, section: "connections" | "variables", path: string): Record<string, unknown>[] {
  const node = doc.getIn(["airflow", section], true);
  if (node === undefined || node === null || (isScalarNull(node) && !isSeq(node))) return [];
  if (!isSeq(node)) throw new AfsyncError("INVALID_TARGET_FILE", `${path}: airflow.${section} must be a list`);
  const out: Record<string, unknown>[] = [];
  for (const item of node.items) {
    if (!isMap(item)) continue;
    const plain: unknown = (item as YAMLMap).toJSON();
    if (plain !== null && typeof plain === "object") out.push(plain as Record<string, unknown>);
  }
  return out;
}

/** `airflow.<section>` as a sequence node, created when absent or empty (`connections:` with no items). */
function sequenceFor(doc: Document, kind: AirflowKey["kind"], path: string): YAMLSeq {
  const section = SECTION[kind];
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  const airflow = doc.get("airflow", true);
  if (airflow === undefined || airflow === null || isScalarNull(airflow)) doc.set("airflow", doc.createNode({}));
  else if (!isMap(airflow)) throw new AfsyncError("INVALID_TARGET_FILE", `${path}: 'airflow' must be a mapping`);
  const node = doc.getIn(["airflow", section], true);
  if (isSeq(node)) {
    // An empty `[]` would otherwise keep every item we add on one flow-style line.
    if (node.items.length === 0) node.flow = false;
    return node;
  }
  if (node !== undefined && node !== null && !isScalarNull(node)) {
    throw new AfsyncError("INVALID_TARGET_FILE", `${path}: airflow.${section} must be a list`);
  }
  const seq = new YAMLSeq();
  doc.setIn(["airflow", section], seq);
  return seq;
}

function isScalarNull(node: unknown): boolean {
  return node !== null && typeof node === "object" && "value" in node && (node as { value: unknown }).value === null;
}
