import type { AirflowKey, ApplyRequest } from "@afsync/core";
import { Document, isMap, isSeq, type Node } from "yaml";
import { itemId, quoteMultilineStrings, sectionFor, settingsItemFor, YAML_OPTIONS } from "./settingsDocument.ts";

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The request applied to the file's text by editing only the lines of the items afsync owns:
 * every other byte (pools, hand-made entries, comments, the user's number and string styles)
 * stays exactly as it was, so a diff of the file shows afsync's lines and nothing else.
 * `doc` must be the unmodified parse of `text` (its node ranges point into it). Returns null
 * when the layout is one this does not handle (a flow `[]` sequence, a missing section, an item
 * whose `- ` is on a line of its own); the caller then re-renders the whole document, and checks
 * a spliced result against that re-render before using it.
 */
export function spliceSettingsItems(text: string, doc: Document, request: ApplyRequest): string | null {
  const edits: Edit[] = [];
  const appends = new Map<"connections" | "variables", { at: number; prefix: string; items: string[] }>();
  // Each section's item regions are found once and indexed by id: scanning the section per key
  // made an update of N keys in an N-item file O(N²).
  const sections = new Map<AirflowKey["kind"], SectionRegions | null>();
  const regionsOf = (kind: AirflowKey["kind"], id: string) => {
    if (!sections.has(kind)) sections.set(kind, sectionRegions(text, doc, kind));
    const section = sections.get(kind) ?? null;
    return section === null ? null : { regions: section.byId.get(id) ?? [], last: section.last };
  };
  for (const { key, value } of request.upserts) {
    const found = regionsOf(key.kind, key.id);
    if (found === null) return null;
    const [first, ...duplicates] = found.regions;
    if (first === undefined) {
      const section = sectionFor(key.kind);
      const pending = appends.get(section) ?? { at: found.last.end, prefix: found.last.prefix, items: [] };
      pending.items.push(renderItem(settingsItemFor(key, value), pending.prefix));
      appends.set(section, pending);
      continue;
    }
    edits.push({ start: first.start, end: first.end, text: renderItem(settingsItemFor(key, value), first.prefix) });
    for (const d of duplicates) edits.push({ start: d.start, end: d.end, text: "" });
  }
  for (const key of request.deletes) {
    const found = regionsOf(key.kind, key.id);
    if (found === null) return null;
    for (const r of found.regions) edits.push({ start: r.start, end: r.end, text: "" });
  }
  for (const a of appends.values()) {
    // A last item without a trailing newline (end of file) needs one before ours.
    const lead = a.at > 0 && text[a.at - 1] !== "\n" ? "\n" : "";
    edits.push({ start: a.at, end: a.at, text: lead + a.items.join("") });
  }
  edits.sort((x, y) => y.start - x.start || y.end - x.end);
  // Pieces joined once: slicing the whole text per edit made N edits O(N²) in copied bytes.
  const pieces: string[] = [];
  let floor = text.length;
  for (const e of edits) {
    if (e.end > floor) return null; // overlapping edits: leave it to the full re-render
    pieces.push(text.slice(e.end, floor), e.text);
    floor = e.start;
  }
  pieces.push(text.slice(0, floor));
  return pieces.reverse().join("");
}

interface Region {
  readonly start: number;
  readonly end: number;
  readonly prefix: string;
}

interface SectionRegions {
  readonly byId: Map<unknown, Region[]>;
  readonly last: Region;
}

/** The regions of a section's items by id, or null when the section's layout is not one the splice handles. */
function sectionRegions(text: string, doc: Document, kind: AirflowKey["kind"]): SectionRegions | null {
  const seq = doc.getIn(["airflow", sectionFor(kind)], true);
  if (!isSeq(seq) || seq.flow || seq.items.length === 0) return null;
  const byId = new Map<unknown, Region[]>();
  let last: Region | null = null;
  for (const item of seq.items) {
    last = itemRegion(text, item as Node);
    if (last === null) return null;
    const id = itemId(item, kind);
    const list = byId.get(id);
    if (list === undefined) byId.set(id, [last]);
    else list.push(last);
  }
  return last === null ? null : { byId, last };
}

/** The lines of one block-sequence item: from its `- ` line to the end of its last line. */
function itemRegion(text: string, item: Node): Region | null {
  const range = item.range;
  if (!isMap(item) || range === undefined || range === null) return null;
  const start = text.lastIndexOf("\n", range[0] - 1) + 1;
  const prefix = text.slice(start, range[0]);
  if (!/^[ ]*-[ ]+$/.test(prefix)) return null;
  const nl = text.indexOf("\n", Math.max(range[1] - 1, range[0]));
  return { start, end: nl < 0 ? text.length : nl + 1, prefix };
}

/** One item in block style, its first line after `prefix` (`    - `) and the rest aligned under it. */
function renderItem(item: Record<string, unknown>, prefix: string): string {
  const pad = " ".repeat(prefix.length);
  const doc = new Document(item, YAML_OPTIONS);
  quoteMultilineStrings(doc.contents);
  const lines = doc.toString({ lineWidth: 0 }).replace(/\n$/, "").split("\n");
  return `${lines.map((line, i) => (i === 0 ? prefix + line : line === "" ? "" : pad + line)).join("\n")}\n`;
}
