import { UnrecognizedEventError } from "@afsync/core";
import { kindOf } from "./eventGridShapes.ts";

/** The data of a Key Vault object event, the same for every `Secret*` type. */
export interface KeyVaultEventData {
  /** The versioned URL `https://<vault>.vault.azure.net/secrets/<name>/<version>`. */
  readonly id: string;
  readonly vaultName?: string;
  readonly objectType?: string;
  readonly objectName: string;
  readonly version: string;
  /** Epoch seconds. */
  readonly nbf?: number;
  readonly exp?: number;
}

/**
 * Reads `data` whatever its casing: the wire (and every published sample) uses PascalCase
 * (`Id, VaultName, ObjectType, ObjectName, Version, NBF, EXP`), the swagger and the JS SDK model
 * camelCase. Keys and values are trimmed: the learn.microsoft.com sample has `"ObjectName "` and
 * `" ee05…"`. `NBF`/`EXP` are numbers in the docs' table and strings in every sample.
 */
export function readKeyVaultEventData(data: Readonly<Record<string, unknown>>, where: string): KeyVaultEventData {
  const fields = new Map<string, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(data)) fields.set(key.trim().toLowerCase(), { key: key.trim(), value });
  const text = (name: string): string | undefined => {
    const f = fields.get(name.toLowerCase());
    if (f === undefined || f.value === null || f.value === undefined) return undefined;
    if (typeof f.value !== "string") throw new UnrecognizedEventError(`${where}.data.${f.key}: expected a string, got ${kindOf(f.value)}`);
    const trimmed = f.value.trim();
    return trimmed === "" ? undefined : trimmed;
  };
  const epoch = (name: string): number | undefined => {
    const f = fields.get(name.toLowerCase());
    if (f === undefined || f.value === null || f.value === undefined || f.value === "") return undefined;
    const n = typeof f.value === "number" ? f.value : typeof f.value === "string" ? Number(f.value.trim()) : Number.NaN;
    if (!Number.isFinite(n) || (typeof f.value !== "number" && typeof f.value !== "string"))
      throw new UnrecognizedEventError(
        `${where}.data.${f.key}: expected epoch seconds as a number or a string of digits, got ${kindOf(f.value)}`,
      );
    return n;
  };
  const id = text("Id");
  const fromId = id === undefined ? undefined : parseObjectId(id);
  if (id !== undefined && fromId === undefined)
    throw new UnrecognizedEventError(`${where}.data.Id: expected https://<vault>/secrets/<name>/<version>`);
  const objectName = text("ObjectName") ?? fromId?.name;
  const version = text("Version") ?? fromId?.version;
  if (id === undefined) throw new UnrecognizedEventError(`${where}.data.Id: missing (the versioned secret URL)`);
  if (objectName === undefined) throw new UnrecognizedEventError(`${where}.data.ObjectName: missing`);
  if (version === undefined) throw new UnrecognizedEventError(`${where}.data.Version: missing`);
  const vaultName = text("VaultName");
  const objectType = text("ObjectType");
  const nbf = epoch("NBF");
  const exp = epoch("EXP");
  return {
    id,
    objectName,
    version,
    ...(vaultName === undefined ? {} : { vaultName }),
    ...(objectType === undefined ? {} : { objectType }),
    ...(nbf === undefined ? {} : { nbf }),
    ...(exp === undefined ? {} : { exp }),
  };
}

/** `https://<vault>/<collection>/<name>/<version>` → parts; undefined when it is not that shape. */
export function parseObjectId(id: string): { vaultUrl: string; name: string; version?: string } | undefined {
  const m = /^(https?:\/\/[^/]+)\/(?:secrets|keys|certificates)\/([^/?#\s]+)(?:\/([^/?#\s]*))?\/?$/.exec(id.trim());
  if (m === null) return undefined;
  const [, vaultUrl, name, version] = m as unknown as [string, string, string, string | undefined];
  return { vaultUrl, name, ...(version ? { version } : {}) };
}
