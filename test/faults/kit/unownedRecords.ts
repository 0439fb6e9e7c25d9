/**
 * A stored record afsync does not own, every field (timestamps included) serialized with sorted
 * field names: the emulators rebuild their records on each update, so only the order may differ.
 */
export function exactRecord(record: object | undefined): string {
  return JSON.stringify(record === undefined ? null : Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** The unowned keys whose snapshot differs after the storm: must be none. */
export function changedKeys(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  return Object.keys(before).filter((k) => before[k] !== after[k]);
}
