import { isDeepStrictEqual } from "node:util";
import { type AirflowKey, type ApplyRequest, type KeyString, keyString } from "@afsync/core";
import { Document, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import { keepStringsAsWritten, settingsItemFor, YAML_OPTIONS } from "./settingsDocument.ts";
import type { ItemRegion, SettingsLayout } from "./settingsLayout.ts";

/** An item the splice writes: its rendered lines and the plain item they must read back as. */
interface WrittenItem {
  readonly key: AirflowKey;
  readonly prefix: string;
  readonly lines: string;
  readonly item: Record<string, unknown>;
}

interface Edit {
  readonly kind: AirflowKey["kind"];
  /** The item region the edit replaces or removes; none for an append after a section's last item. */
  readonly region?: ItemRegion;
  readonly start: number;
  readonly end: number;
  /** What the edit puts in place of [start, end): `lead` then the items' lines. */
  readonly lead: string;
  readonly items: readonly WrittenItem[];
}

export interface SplicedSettings {
  readonly text: string;
  /**
   * Set when the splice is proven to mean exactly the request applied to the file, by parsing
   * only the items it wrote (see `proveWrittenItems`): the layout of `text`, and each written
   * item as plain data (what a full parse would read it as), by key.
   */
  readonly proven: {
    readonly layout: SettingsLayout;
    readonly written: ReadonlyMap<KeyString, Record<string, unknown>>;
  } | null;
}

/**
 * The request applied to the file's text by editing only the lines of the items afsync owns:
 * every other byte (pools, hand-made entries, comments, the user's number and string styles)
 * stays exactly as it was, so a diff of the file shows afsync's lines and nothing else.
 * `layout` must be the layout of `text` (`settingsLayoutOf` over its full parse, or a previous
 * splice's proven layout). Returns null when the request is one this does not handle (a section
 * whose layout is null, a key upserted twice or both upserted and deleted, a section left empty);
 * the caller then re-renders the whole document. A result that is not `proven` must be checked
 * against that re-render before it is used.
 */
export function spliceSettingsItems(text: string, layout: SettingsLayout, request: ApplyRequest): SplicedSettings | null {
  // Each section's items are indexed by id once per request: scanning the section per key made
  // an update of N keys in an N-item file O(N²).
  const indexes = new Map<AirflowKey["kind"], Map<unknown, ItemRegion[]>>();
  const regionsOf = (kind: AirflowKey["kind"], id: string): ItemRegion[] | null => {
    const regions = layout[kind];
    if (regions === null) return null;
    let index = indexes.get(kind);
    if (index === undefined) {
      index = new Map();
      for (const r of regions) {
        const list = index.get(r.id);
        if (list === undefined) index.set(r.id, [r]);
        else list.push(r);
      }
      indexes.set(kind, index);
    }
    return index.get(id) ?? [];
  };
  const upserted = new Set<KeyString>();
  const deleted = new Set<KeyString>();
  const edits: Edit[] = [];
  const appends = new Map<AirflowKey["kind"], WrittenItem[]>();
  const removedCount = new Map<AirflowKey["kind"], number>();
  const removeRegion = (kind: AirflowKey["kind"], r: ItemRegion) => {
    edits.push({ kind, region: r, start: r.start, end: r.end, lead: "", items: [] });
    removedCount.set(kind, (removedCount.get(kind) ?? 0) + 1);
  };
  for (const { key, value } of request.upserts) {
    const ks = keyString(key);
    // The last upsert of a key wins in the re-render: leave such a request to it.
    if (upserted.has(ks)) return null;
    upserted.add(ks);
    const regions = regionsOf(key.kind, key.id);
    if (regions === null) return null;
    const [first, ...duplicates] = regions;
    const prefix = first?.prefix ?? (layout[key.kind] as readonly ItemRegion[]).at(-1)?.prefix ?? "";
    const written = writtenItem(key, settingsItemFor(key, value), prefix);
    if (first === undefined) {
      appends.set(key.kind, [...(appends.get(key.kind) ?? []), written]);
      continue;
    }
    edits.push({ kind: key.kind, region: first, start: first.start, end: first.end, lead: "", items: [written] });
    // Later duplicates go: the Astro CLI would import them after ours.
    for (const d of duplicates) removeRegion(key.kind, d);
  }
  for (const key of request.deletes) {
    const ks = keyString(key);
    if (upserted.has(ks)) return null;
    if (deleted.has(ks)) continue;
    deleted.add(ks);
    const regions = regionsOf(key.kind, key.id);
    if (regions === null) return null;
    for (const r of regions) removeRegion(key.kind, r);
  }
  for (const [kind, items] of appends) {
    const last = (layout[kind] as readonly ItemRegion[]).at(-1) as ItemRegion;
    // A last item without a trailing newline (end of file) needs one before ours.
    const lead = last.end > 0 && text[last.end - 1] !== "\n" ? "\n" : "";
    edits.push({ kind, start: last.end, end: last.end, lead, items });
  }
  for (const kind of ["connection", "variable"] as const) {
    const regions = layout[kind];
    // An emptied section would read back as null, not [] as the re-render writes it.
    if (regions !== null && regions.length > 0 && (removedCount.get(kind) ?? 0) >= regions.length + (appends.get(kind)?.length ?? 0))
      return null;
  }
  edits.sort((x, y) => x.start - y.start || x.end - y.end);
  // Pieces joined once: slicing the whole text per edit made N edits O(N²) in copied bytes.
  const pieces: string[] = [];
  let from = 0;
  for (const e of edits) {
    if (e.start < from) return null; // overlapping edits: leave it to the full re-render
    pieces.push(text.slice(from, e.start), e.lead);
    for (const item of e.items) pieces.push(item.lines);
    from = e.end;
  }
  pieces.push(text.slice(from));
  const spliced = pieces.join("");
  if (!layout.local) return { text: spliced, proven: null };
  const written = proveWrittenItems(edits.flatMap((e) => e.items));
  return { text: spliced, proven: written === null ? null : { layout: layoutAfter(layout, edits), written } };
}

function writtenItem(key: AirflowKey, item: Record<string, unknown>, prefix: string): WrittenItem {
  return { key, prefix, item, lines: renderItem(item, prefix) };
}

/** One item in block style, its first line after `prefix` (`    - `) and the rest aligned under it. */
function renderItem(item: Record<string, unknown>, prefix: string): string {
  const pad = " ".repeat(prefix.length);
  const doc = new Document(item, YAML_OPTIONS);
  keepStringsAsWritten(doc.contents);
  const lines = doc.toString({ lineWidth: 0 }).replace(/\n$/, "").split("\n");
  return `${lines.map((line, i) => (i === 0 ? prefix + line : line === "" ? "" : pad + line)).join("\n")}\n`;
}

/**
 * Proves a splice from the items it wrote alone, or returns null. The splice replaces whole item
 * regions (from an item's `- ` line to the end of its last line, as a full parse of the file
 * found them) and appends after a section's last item; everything else keeps its bytes. In a block
 * sequence the lines that start an item are those with its `-` at the sequence's column, and
 * every line of an item's content is indented further. So when each written item (1) starts
 * with the prefix of the region it replaces or follows, (2) has every further line indented
 * past that prefix and ends with a line break, and (3) reads back, on its own, as exactly one
 * item equal to the intended one, with no anchor, alias or tag (nothing that could read from or
 * be read by the rest of the document), then the other items and sections parse as before and
 * the section holds the intended items: the whole file means the request applied. What the
 * splice removes holds no anchor another node could read (`SettingsLayout.local`). The items are
 * parsed together, one document per prefix, so a large update costs one parse of what it
 * writes, never of the whole file.
 */
function proveWrittenItems(items: readonly WrittenItem[]): Map<KeyString, Record<string, unknown>> | null {
  const byPrefix = new Map<string, WrittenItem[]>();
  for (const item of items) {
    if (!startsAtPrefix(item)) return null;
    byPrefix.set(item.prefix, [...(byPrefix.get(item.prefix) ?? []), item]);
  }
  const written = new Map<KeyString, Record<string, unknown>>();
  for (const group of byPrefix.values()) {
    const doc = parseDocument(group.map((i) => i.lines).join(""), YAML_OPTIONS);
    if (doc.errors.length > 0 || !isSeq(doc.contents) || doc.contents.flow || doc.contents.items.length !== group.length) return null;
    if (!plainNodesOnly(doc)) return null;
    let plain: unknown;
    try {
      plain = doc.toJS();
    } catch {
      return null; // a merge key whose value is no map, say: the full check reports it
    }
    if (!Array.isArray(plain)) return null;
    for (const [i, item] of group.entries()) {
      const node = doc.contents.items[i];
      if (!isMap(node) || !isDeepStrictEqual(plain[i], item.item)) return null;
      // As `read` takes an item (`listItems`), so the cached entry is what a full read would give.
      written.set(keyString(item.key), node.toJSON() as Record<string, unknown>);
    }
  }
  return written;
}

function startsAtPrefix(item: WrittenItem): boolean {
  if (!item.lines.startsWith(item.prefix) || !item.lines.endsWith("\n")) return false;
  const pad = " ".repeat(item.prefix.length);
  const lines = item.lines.slice(0, -1).split("\n");
  return lines.every((line, i) => i === 0 || (line.startsWith(pad) && line.trim() !== ""));
}

function plainNodesOnly(doc: Document): boolean {
  let plain = true;
  visit(doc, (_, node) => {
    if (isAlias(node) || ((isScalar(node) || isMap(node) || isSeq(node)) && (node.anchor !== undefined || node.tag !== undefined))) {
      plain = false;
      return visit.BREAK;
    }
    return undefined;
  });
  return plain;
}

/** The layout of the spliced text: regions shifted past the edits before them, written items where they landed. */
function layoutAfter(layout: SettingsLayout, edits: readonly Edit[]): SettingsLayout {
  // `edits` is sorted and does not overlap. A region no edit touches shifts by the growth of
  // every edit ending at or before its start.
  const ends: number[] = [];
  const growth: number[] = [];
  const landed = new Map<Edit, ItemRegion[]>();
  let total = 0;
  for (const e of edits) {
    let at = e.start + total + e.lead.length;
    const regions: ItemRegion[] = [];
    for (const item of e.items) {
      regions.push({ id: item.key.id, start: at, end: at + item.lines.length, prefix: item.prefix });
      at += item.lines.length;
    }
    landed.set(e, regions);
    total = at - e.end;
    ends.push(e.end);
    growth.push(total);
  }
  const shift = (position: number): number => {
    // The growth after the last edit ending at or before `position` (a binary search over the ends).
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ends[mid] as number) <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (growth[lo - 1] as number);
  };
  const leadAt = new Map(edits.filter((e) => e.lead !== "").map((e) => [e.start, e.lead.length] as const));
  const byRegion = new Map<ItemRegion, Edit>();
  for (const e of edits) if (e.region !== undefined) byRegion.set(e.region, e);
  const sectionAfter = (kind: AirflowKey["kind"]): ItemRegion[] | null => {
    const regions = layout[kind];
    if (regions === null) return null;
    const out: ItemRegion[] = [];
    for (const r of regions) {
      const edit = byRegion.get(r);
      // A last line given its missing line break (the lead of an append) now ends there.
      const lead = leadAt.get(r.end) ?? 0;
      if (edit === undefined) out.push({ ...r, start: r.start + shift(r.start), end: r.end + shift(r.start) + lead });
      else out.push(...(landed.get(edit) ?? []));
    }
    for (const e of edits) if (e.region === undefined && e.kind === kind) out.push(...(landed.get(e) ?? []));
    return out;
  };
  return { connection: sectionAfter("connection"), variable: sectionAfter("variable"), local: layout.local };
}
