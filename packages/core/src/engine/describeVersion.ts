/**
 * A source version id in human form. Local files version by modification time
 * (`mtime:1796069641505`, epoch ms), shown as a UTC date; numbered versions (Secret Manager,
 * Vault KV, SSM) as `version N`; opaque ids (Secrets Manager VersionId, Key Vault version) are
 * shortened, since the full id is in `afsync explain --json`.
 */
export function describeVersion(id: string): string {
  const mtime = /^mtime:(\d+)$/.exec(id);
  if (mtime?.[1] !== undefined) return `file saved ${utcText(new Date(Number(mtime[1])))}`;
  if (/^\d+$/.test(id)) return `version ${id}`;
  return id.length > 12 ? `version ${id.slice(0, 8)}…` : `version ${id}`;
}

/** `2026-11-30 12:34:01 UTC`: an ISO instant an operator reads at a glance. */
export function utcText(date: Date): string {
  return Number.isNaN(date.getTime()) ? "an unknown time" : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
