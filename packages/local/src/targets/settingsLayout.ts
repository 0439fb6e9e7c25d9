import type { AirflowKey } from "@afsync/core";
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, visit } from "yaml";
import { itemId, sectionFor } from "./settingsDocument.ts";

/** The lines of one block-sequence item: from the start of its `- ` line to the end of its last line. */
export interface ItemRegion {
  /** The item's `conn_id` / `variable_name` as `itemId` reads it. */
  readonly id: unknown;
  readonly start: number;
  readonly end: number;
  /** The text before the item's first key on its first line (`    - `). */
  readonly prefix: string;
}

/**
 * Where the items of `airflow.connections` and `airflow.variables` lie in the file's text, as a
 * full parse of it found them. A section is null when its layout is not one a line edit handles
 * (a flow `[]` sequence, no items, a missing section, an item whose `- ` is on a line of its own).
 */
export interface SettingsLayout {
  readonly connection: readonly ItemRegion[] | null;
  readonly variable: readonly ItemRegion[] | null;
  /**
   * Whether the meaning of a line edit follows from the items it writes alone (see
   * `spliceSettingsItems`): the document has no anchor or alias (an item removed could hold the
   * anchor an alias elsewhere reads), no `%YAML` directive (the items written are checked as YAML
   * 1.1), and every item names its key once, with no merge key (so `itemId` and a reader of the
   * plain item agree on which key an item is).
   */
  readonly local: boolean;
}

export function settingsLayoutOf(text: string, doc: Document): SettingsLayout {
  return {
    connection: sectionRegions(text, doc, "connection"),
    variable: sectionRegions(text, doc, "variable"),
    local: !doc.directives?.yaml.explicit && !hasAnchorOrAlias(doc) && itemsNameOneKey(doc),
  };
}

function sectionRegions(text: string, doc: Document, kind: AirflowKey["kind"]): ItemRegion[] | null {
  const seq = doc.getIn(["airflow", sectionFor(kind)], true);
  if (!isSeq(seq) || seq.flow || seq.items.length === 0) return null;
  const regions: ItemRegion[] = [];
  for (const item of seq.items) {
    const region = itemRegion(text, item as Node, itemId(item, kind));
    if (region === null) return null;
    regions.push(region);
  }
  return regions;
}

function itemRegion(text: string, item: Node, id: unknown): ItemRegion | null {
  const range = item.range;
  if (!isMap(item) || range === undefined || range === null) return null;
  const start = text.lastIndexOf("\n", range[0] - 1) + 1;
  const prefix = text.slice(start, range[0]);
  if (!/^[ ]*-[ ]+$/.test(prefix)) return null;
  const nl = text.indexOf("\n", Math.max(range[1] - 1, range[0]));
  return { id, start, end: nl < 0 ? text.length : nl + 1, prefix };
}

function hasAnchorOrAlias(doc: Document): boolean {
  let found = false;
  visit(doc, (_, node) => {
    if (isAlias(node) || ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor !== undefined)) {
      found = true;
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
}

const ID_FIELD = { connection: "conn_id", variable: "variable_name" } as const;

/** No item of either section spells its id field twice (the first is `itemId`'s, the last a reader's) or merges another map in. */
function itemsNameOneKey(doc: Document): boolean {
  for (const kind of ["connection", "variable"] as const) {
    const seq = doc.getIn(["airflow", sectionFor(kind)], true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      let ids = 0;
      for (const pair of item.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        // A merge key parses as a symbol.
        if (key === "<<" || typeof key === "symbol") return false;
        if (key === ID_FIELD[kind]) ids += 1;
      }
      if (ids > 1) return false;
    }
  }
  return true;
}
