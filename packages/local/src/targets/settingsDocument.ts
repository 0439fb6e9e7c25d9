import { AfsyncError, type AirflowKey, type AirflowValue, type ApplyRequest, keyString } from "@afsync/core";
import { type Document, isMap, isScalar, isSeq, type Node, visit, type YAMLMap, YAMLSeq } from "yaml";
import { connectionToSettingsEntry } from "./airflowSettingsEntry.ts";

/**
 * YAML 1.1, because that is how older Astro CLIs (viper over go-yaml v2) read the file: written
 * strings such as `yes`, `on` or `0x1F` get quoted so they stay strings there.
 */
export const YAML_OPTIONS = { version: "1.1", uniqueKeys: false, prettyErrors: false } as const;

const SECTION = { connection: "connections", variable: "variables" } as const;
const ID_FIELD = { connection: "conn_id", variable: "variable_name" } as const;

export function sectionFor(kind: AirflowKey["kind"]): "connections" | "variables" {
  return SECTION[kind];
}

/** The `conn_id` / `variable_name` of a sequence item, if it is a mapping. */
export function itemId(item: unknown, kind: AirflowKey["kind"]): unknown {
  return isMap(item) ? item.get(ID_FIELD[kind]) : undefined;
}

/** The item afsync writes for a key, as plain data. */
export function settingsItemFor(key: AirflowKey, value: AirflowValue): Record<string, unknown> {
  if (key.kind !== value.kind) throw new AfsyncError("INVALID_APPLY", `${keyString(key)}: value kind ${value.kind} does not match the key`);
  return value.kind === "connection"
    ? connectionToSettingsEntry(key.id, value.connection)
    : { variable_name: key.id, variable_value: value.value };
}

/** The plain items of `airflow.<section>` for reading; a missing or empty section is no items. */
export function listItems(doc: Document, section: "connections" | "variables", path: string): Record<string, unknown>[] {
  const node = doc.getIn(["airflow", section], true);
  if (node === undefined || node === null || isScalarNull(node)) return [];
  if (!isSeq(node)) throw new AfsyncError("INVALID_TARGET_FILE", `${path}: airflow.${section} must be a list`);
  const out: Record<string, unknown>[] = [];
  for (const item of node.items) {
    if (!isMap(item)) continue;
    const plain: unknown = (item as YAMLMap).toJSON();
    if (plain !== null && typeof plain === "object") out.push(plain as Record<string, unknown>);
  }
  return out;
}

/**
 * Applies the request to the document in place: replaces the item of each upserted key (and
 * drops later duplicates, which the Astro CLI would import after ours), appends new ones, and
 * removes deleted ones. Nothing else in the document is touched.
 */
export function applyToSettingsDocument(doc: Document, request: ApplyRequest, path: string): void {
  // One pass over each section for the whole request: a findIndex or filter per key made an
  // update of N keys in an N-item file O(N²) (18 s to delete 10,000 keys).
  const changes = new Map<AirflowKey["kind"], { replacements: Map<string, Node>; deletes: Set<string> }>();
  const changesOf = (kind: AirflowKey["kind"]) => {
    let entry = changes.get(kind);
    if (entry === undefined) {
      entry = { replacements: new Map(), deletes: new Set() };
      changes.set(kind, entry);
    }
    return entry;
  };
  for (const { key, value } of request.upserts) {
    const node = doc.createNode(settingsItemFor(key, value));
    keepStringsAsWritten(node);
    // The last upsert of a key wins, at the place of its first (Map keeps first-insertion order).
    changesOf(key.kind).replacements.set(key.id, node);
  }
  for (const key of request.deletes) changesOf(key.kind).deletes.add(key.id);
  for (const [kind, { replacements, deletes }] of changes) {
    const seq = sequenceFor(doc, kind, path);
    const placed = new Set<string>();
    const items: unknown[] = [];
    for (const item of seq.items) {
      const id = itemId(item, kind);
      if (typeof id === "string" && deletes.has(id)) continue;
      const replacement = typeof id === "string" ? replacements.get(id) : undefined;
      if (replacement === undefined) items.push(item);
      else if (!placed.has(id as string)) {
        // The first item of the key takes the new value; later duplicates go (the Astro CLI
        // would import them after ours).
        items.push(replacement);
        placed.add(id as string);
      }
    }
    for (const [id, node] of replacements) if (!placed.has(id) && !deletes.has(id)) items.push(node);
    seq.items = items;
  }
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
  return !isSeq(node) && node !== null && typeof node === "object" && "value" in node && (node as { value: unknown }).value === null;
}

/**
 * Makes the strings in `node` read back as written. Every multi-line string is double-quoted:
 * YAML block scalars (`|+`) cannot hold every string (a first line that starts with spaces, or a
 * line of spaces only, is read back with other indentation, so a value would change between sync
 * and read and be rewritten on every sync); double quotes escape everything. A `<<` key (one in
 * a connection's extra) is tagged a string: plain, YAML 1.1 readers (go-yaml in the Astro CLI,
 * and this library) take it as a merge key and read the map it holds into its parent instead.
 */
export function keepStringsAsWritten(node: unknown): void {
  visit(node as Node, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "<<") {
        pair.key.tag = "tag:yaml.org,2002:str";
        pair.key.type = "QUOTE_DOUBLE";
      }
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === "string" && /[\n\r\u0085\u2028\u2029]/.test(scalar.value)) scalar.type = "QUOTE_DOUBLE";
    },
  });
}
