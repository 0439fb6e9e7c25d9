import type { ChangeHint, EventParser } from "@afsync/core";
import { UnrecognizedEventError } from "@afsync/core";

type JsonObject = Record<string, unknown>;

const PROVIDER = "vault";

// Event types whose change leaves every value as it was (metadata, engine config, reads).
const NO_VALUE_CHANGE = new Set([
  "kv-v2/metadata-write",
  "kv-v2/metadata-patch",
  "kv-v2/config-write",
  "kv-v2/metadata-read",
  "kv-v2/data-read",
]);
const UPSERT = new Set(["kv-v2/data-write", "kv-v2/data-patch", "kv-v2/undelete", "kv-v1/write"]);
const DELETE = new Set(["kv-v2/delete", "kv-v2/data-delete", "kv-v2/destroy", "kv-v2/metadata-delete", "kv-v1/delete"]);
// KV v2 API paths name an endpoint after the mount: `<mount>/data/<path>`, `<mount>/destroy/<path>`…
const KV2_SECTIONS = new Set(["data", "metadata", "delete", "undelete", "destroy"]);
// The metadata field that lists the versions a delete/destroy touched.
const VERSION_LISTS: Readonly<Record<string, string>> = {
  "kv-v2/delete": "deleted_versions",
  "kv-v2/data-delete": "deleted_versions",
  "kv-v2/destroy": "destroyed_versions",
};

/** True when the value has the shape of a Vault event notification (what a parser registry checks). */
export function isVaultEvent(value: unknown): boolean {
  const data = isObject(value) ? value.data : undefined;
  return isObject(data) && typeof data.event_type === "string" && isObject(data.plugin_info);
}

/**
 * Turns Vault event notifications (the JSON the events WebSocket sends with `json=true`, one
 * envelope or an array of them) into change hints. A secret id is `[<namespace>/]<mount>/<path>`,
 * the same id `VaultSource` uses. Vault's quirks handled here:
 * - the envelope's `type` is always `"*"`: the real type is `data.event_type`;
 * - every metadata value is a string (`"current_version": "1"`), version lists are JSON-array
 *   strings (`"destroyed_versions": "[2,3]"`);
 * - `path` includes the mount since 1.15 (`secret/data/foo`) but not in 1.13 (`data/foo`), and names
 *   the endpoint (`secret-v2/destroy/my-secret`); `data_path` is not in every event;
 * - with Enterprise namespaces, `data.namespace` (`ns1/`) goes in front.
 * The envelope's `datacontentype` (sic) is not needed and not checked.
 */
export function parseVaultEvent(event: unknown): ChangeHint[] {
  if (Array.isArray(event)) return event.map((e, i) => parseOne(e, `[${i}]`));
  return [parseOne(event, "event")];
}

function parseOne(event: unknown, where: string): ChangeHint {
  if (!isObject(event)) throw new UnrecognizedEventError(`${where}: expected a JSON object (a Vault event notification)`);
  const data = event.data;
  if (!isObject(data))
    throw new UnrecognizedEventError(
      `${where}.data: missing or not an object; expected Vault's event envelope {id, data: {event, event_type, plugin_info}}`,
    );
  const eventType = requireString(data.event_type, `${where}.data.event_type`);
  const inner = data.event;
  if (!isObject(inner)) throw new UnrecognizedEventError(`${where}.data.event: missing or not an object`);
  const metadata = inner.metadata;
  if (!isObject(metadata)) throw new UnrecognizedEventError(`${where}.data.event.metadata: missing or not an object`);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string")
      throw new UnrecognizedEventError(
        `${where}.data.event.metadata.${k}: expected a string (Vault sends every metadata value as a string), got ${typeName(v)}`,
      );
  }
  const meta = metadata as Record<string, string>;
  const pluginInfo = data.plugin_info;
  if (!isObject(pluginInfo)) throw new UnrecognizedEventError(`${where}.data.plugin_info: missing or not an object`);
  const mount = requireString(pluginInfo.mount_path, `${where}.data.plugin_info.mount_path`).replace(/\/+$/, "");
  const namespace =
    data.namespace === undefined ? "" : requireString(data.namespace, `${where}.data.namespace`, true).replace(/^\/+|\/+$/g, "");
  // data_path is "not in every event" (Vault's own comment): fall back to path.
  const rawPath = meta.data_path ?? meta.path;
  if (rawPath === undefined || rawPath === "")
    throw new UnrecognizedEventError(`${where}.data.event.metadata.path: missing (no path or data_path)`);
  const secretId = `${namespace === "" ? "" : `${namespace}/`}${mount}/${relativePath(rawPath, mount, eventType.startsWith("kv-v2/"))}`;
  const hint = (action: ChangeHint["action"], extra: { version?: string; reason?: string } = {}): ChangeHint => ({
    provider: PROVIDER,
    secretId,
    action,
    ...extra,
  });

  if (!eventType.startsWith("kv-v1/") && !eventType.startsWith("kv-v2/"))
    return hint("ignore", { reason: `event type ${eventType} is not from a KV secrets engine` });
  if (meta.modified === "false") return hint("ignore", { reason: `${eventType} reports that nothing was modified` });
  if (NO_VALUE_CHANGE.has(eventType)) return hint("ignore", { reason: `${eventType} changes metadata or configuration, not a value` });
  const current = meta.current_version;
  if (current !== undefined && !/^\d+$/.test(current))
    throw new UnrecognizedEventError(`${where}.data.event.metadata.current_version: expected a version number as a string, like "3"`);
  if (UPSERT.has(eventType)) {
    // A data write names the version it created; undelete restores some version, so read what is current.
    const version = eventType === "kv-v2/data-write" || eventType === "kv-v2/data-patch" ? current : undefined;
    return hint("upsert", version !== undefined ? { version } : {});
  }
  if (DELETE.has(eventType)) {
    const listField = VERSION_LISTS[eventType];
    const listed = listField !== undefined ? meta[listField] : undefined;
    if (listField !== undefined && listed !== undefined && current !== undefined) {
      const versions = parseVersionList(listed, `${where}.data.event.metadata.${listField}`);
      // Deleting or destroying older versions leaves the value Airflow reads as it was.
      if (!versions.includes(Number(current)))
        return hint("ignore", { reason: `${eventType} of versions ${listed}: the current version ${current} is unchanged` });
    }
    return hint("delete", { reason: `${eventType}: Airflow reads nothing for a deleted, destroyed or removed current version` });
  }
  return hint("ignore", { reason: `event type ${eventType} does not change a value afsync syncs` });
}

/** The secret's path inside the mount: the mount (1.15+) and the KV v2 endpoint segment removed. */
function relativePath(path: string, mount: string, kv2: boolean): string {
  let rel = path.replace(/^\/+/, "");
  if (rel.startsWith(`${mount}/`)) rel = rel.slice(mount.length + 1);
  if (kv2) {
    const slash = rel.indexOf("/");
    if (slash > 0 && KV2_SECTIONS.has(rel.slice(0, slash))) rel = rel.slice(slash + 1);
  }
  return rel;
}

function parseVersionList(text: string, where: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => Number.isInteger(v))) {
    throw new UnrecognizedEventError(`${where}: expected a JSON array of version numbers as a string, like "[2,3]"`);
  }
  return parsed as number[];
}

function requireString(value: unknown, where: string, allowEmpty = false): string {
  if (typeof value !== "string" || (!allowEmpty && value === ""))
    throw new UnrecognizedEventError(`${where}: missing or not a string (got ${typeName(value)})`);
  return value;
}

function typeName(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The Vault entry of the runtime's event parser registry (KV event notifications from the events WebSocket). */
export const vaultEventParser: EventParser = {
  provider: "vault",
  expects: "a Vault event notification {id, data: {event, event_type, plugin_info}} (or an array of them)",
  detect: (event) => (Array.isArray(event) ? event.length > 0 && event.every(isVaultEvent) : isVaultEvent(event)),
  parse: (event) => parseVaultEvent(event),
};
