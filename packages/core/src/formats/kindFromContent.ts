import { CONNECTION_CONSTRUCTOR_KEYS } from "./connectionFields.ts";
import { type LocalFileProblem, type LocalFileType, readLocalFileEntries } from "./localFileEntries.ts";
import type { LocalFileKind } from "./localFilesystemFile.ts";
import { PythonFloat } from "./pythonJson.ts";

const CONNECTION_FIELD_NAMES = new Set<string>([...CONNECTION_CONSTRUCTOR_KEYS, "conn_id", "extra_dejson"]);

function looksLikeConnection(value: unknown): boolean {
  const one = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof one === "string") return /^\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//.test(one);
  return one !== null && typeof one === "object" && Object.keys(one).some((k) => CONNECTION_FIELD_NAMES.has(k));
}

function cannotBeConnection(value: unknown): boolean {
  if (typeof value === "string") return false;
  if (value === null || typeof value !== "object" || value instanceof PythonFloat || value instanceof Date) return true;
  if (Array.isArray(value)) return value.length > 1 || value.some(cannotBeConnection);
  return Object.keys(value).some((k) => !CONNECTION_FIELD_NAMES.has(k));
}

/**
 * What a file holds, judged from its values, for a caller that was not told (nothing in a file
 * says; Airflow is given two paths): connections when any value looks like one (a `type://` URI,
 * a dict with connection fields), variables when none does and some value could not be a
 * connection (a number, a dict of other keys), otherwise null: plain strings fit both.
 */
export function kindFromContent(text: string, fileType: LocalFileType): { kind: LocalFileKind; because: string } | null {
  const ignored: LocalFileProblem[] = [];
  const raw = readLocalFileEntries(text, fileType, ignored);
  const values = raw.flatMap((r) => (fileType === "env" ? (r.values as string[]) : [r.values]));
  if (values.some(looksLikeConnection)) return { kind: "connection", because: "a value looks like a connection" };
  if (values.some(cannotBeConnection)) return { kind: "variable", because: "no value looks like a connection, and some could not be one" };
  return null;
}
