import { InvalidValueError } from "../errors.ts";
import type { Connection } from "../model/Connection.ts";
import { normalizeConnType, parseExtraText } from "./connectionFields.ts";
import { pythonJsonDumps } from "./pythonJson.ts";
import {
  pairsToObject,
  parseQsl,
  quote,
  quotePlus,
  type SplitResult,
  splitHostname,
  splitPort,
  splitUserinfo,
  UrllibValueError,
  unquote,
  urlencode,
  urlsplit,
} from "./pythonUrllib.ts";

/**
 * Airflow's connection URI form, both ways: `Connection._parse_from_uri` (2.6+ and 3.x, which
 * agree) and `Connection.get_uri` as the newest release writes it. Messages never echo the URI:
 * it usually carries a password.
 */

const EXTRA_KEY = "__extra__";
// In unicode mode a surrogate pair reads as one code point, so \p{Cs} finds only lone halves.
const LONE_SURROGATE = /\p{Cs}/u;

function invalid(reason: string): InvalidValueError {
  return new InvalidValueError(`Invalid connection string: ${reason}.`);
}

// `_parse_netloc_to_hostname`: urllib's hostname, unless the decoded host holds a `/` (a socket
// path or a protocol); then the raw host part is decoded instead, which keeps its case.
function hostFromNetloc(parts: SplitResult): string {
  const host = unquote(splitHostname(parts) ?? "");
  if (!host.includes("/")) return host;
  let raw = parts.netloc;
  const at = raw.lastIndexOf("@");
  if (at >= 0) raw = raw.slice(at + 1);
  const colon = raw.indexOf(":");
  if (colon >= 0) raw = raw.slice(0, colon);
  return unquote(raw);
}

/** Parses an Airflow connection URI exactly as `Connection(uri=...)` does; throws InvalidValueError. */
export function parseConnectionUri(uri: string): Connection {
  // Connection(uri="") skips parsing (`if uri:`) and leaves every field None, conn_type included,
  // which no Airflow store accepts: an empty value is refused rather than read as that.
  if (uri === "") throw new InvalidValueError("Invalid connection string: the connection URI is empty.");
  try {
    return parse(uri);
  } catch (e) {
    if (e instanceof UrllibValueError) throw new InvalidValueError(`Invalid connection URI: ${e.message}`, { cause: e });
    throw e;
  }
}

function parse(uri: string): Connection {
  const schemes = uri.split("://").length - 1;
  if (schemes > 2) throw invalid(`found ${schemes} '://' separators; at most two are allowed (type://protocol://host)`);
  const hostWithProtocol = schemes === 2;
  const scheme = urlsplit(uri).scheme;
  // Python's str.replace replaces every occurrence: `http://http://host` loses its protocol here,
  // which is why the serializer below percent-encodes such hosts.
  const rest = uri.replaceAll(`${scheme}://`, hostWithProtocol ? "" : "//");
  if (hostWithProtocol) {
    const beforeProtocol = rest.split("://", 1)[0] ?? "";
    if (beforeProtocol.includes("@") || beforeProtocol.includes(":")) {
      throw invalid("credentials or a port appear before the host's protocol; write type://protocol://user:pass@host:port");
    }
  }
  const parts = urlsplit(rest);
  const protocol = hostWithProtocol ? parts.scheme : null;
  const host = hostFromNetloc(parts);
  // Python's path[1:] drops one code point, which is two UTF-16 units for an astral character.
  const first = parts.path.codePointAt(0);
  const quotedSchema = parts.path.slice(first !== undefined && first > 0xffff ? 2 : 1);
  const { username, password } = splitUserinfo(parts);
  const login = username ? unquote(username) : username;
  const pass = password ? unquote(password) : null; // the core ORM stores "" as None
  let port: number | null;
  try {
    port = splitPort(parts);
  } catch (e) {
    if (e instanceof UrllibValueError) throw invalid(`${e.message} (the text after ':' in the host part must be a port number 0-65535)`);
    throw e;
  }
  let extra: Record<string, unknown> | null = null;
  if (parts.query !== "") {
    const query = pairsToObject(parseQsl(parts.query));
    if (Object.hasOwn(query, EXTRA_KEY)) {
      const raw = query[EXTRA_KEY] ?? "";
      extra = raw === "" ? null : parseExtraText(raw, "");
    } else {
      extra = query;
    }
  }
  return {
    conn_type: normalizeConnType(scheme),
    host: protocol && host ? `${protocol}://${host}` : host,
    login,
    password: pass,
    schema: quotedSchema ? unquote(quotedSchema) : quotedSchema,
    port,
    extra,
  };
}

/**
 * `Connection.get_uri()` of the newest release, written so that every Airflow version parses it
 * back to the same connection:
 * - a host whose protocol equals the conn type (`http` + `http://host`) is percent-encoded whole
 *   (`http://http%3A%2F%2Fhost`), as newest Airflow does; 3.0 wrote `http://http://host`, which
 *   parses back with an empty host. We also encode whole any other protocol-in-host that would
 *   not survive the `type://protocol://host` form (upper case, a non-scheme protocol);
 * - extras are query parameters when every value is a well-formed string, else one `__extra__` parameter
 *   holding the JSON (newest core stringifies non-string values instead, which older versions
 *   read back as strings, so we keep the form every version agrees on);
 * - port 0 is left out, as `if self.port:` does: every Airflow reader then has no port, where
 *   `:0` would be port 0 from a URI but no port from the JSON form (`from_json` drops a falsy port).
 */
export function connectionToUri(conn: Connection): string {
  // urllib's `.port` reads only 0..65535, so no URI carries another port (JSON does).
  if (conn.port !== null && (conn.port < 0 || conn.port > 65535)) {
    throw new InvalidValueError(
      `port ${conn.port} cannot be written in a URI (Airflow reads a URI port only in 0-65535); write the connection as JSON`,
    );
  }
  const host = conn.host ?? "";
  const sep = host.indexOf("://");
  if (sep >= 0) {
    const protocol = host.slice(0, sep);
    const hostPart = host.slice(sep + 3);
    if (protocol !== conn.conn_type && hostPart !== "") {
      const candidate = build(conn, protocol, hostPart);
      if (protocolFormRoundTrips(candidate, host)) return candidate;
    }
  }
  return build(conn, null, host);
}

function protocolFormRoundTrips(uri: string, host: string): boolean {
  try {
    return parse(uri).host === host;
  } catch {
    return false;
  }
}

function build(conn: Connection, protocol: string | null, host: string): string {
  let uri = conn.conn_type ? `${conn.conn_type.toLowerCase().replaceAll("_", "-")}://` : "//";
  if (protocol) uri += `${protocol}://`;
  let auth = "";
  if (conn.login !== null) auth += quote(conn.login);
  if (conn.password !== null) auth += `:${quote(conn.password)}`;
  if (auth !== "") uri += `${auth}@`;
  let hostBlock = host ? quote(host) : "";
  if (conn.port) hostBlock += hostBlock === "" && auth === "" ? `@:${conn.port}` : `:${conn.port}`;
  if (conn.schema) hostBlock += `/${quote(conn.schema)}`;
  uri += hostBlock;
  if (conn.extra !== null) {
    uri += conn.schema ? "?" : "/?";
    const entries = Object.entries(conn.extra);
    // A lone surrogate has no UTF-8 form, so no query parameter can carry it (Airflow's get_uri
    // raises UnicodeEncodeError); the JSON of `__extra__` escapes it and reads back exactly.
    const allStrings =
      entries.length > 0 && entries.every(([k, v]) => typeof v === "string" && !LONE_SURROGATE.test(v) && !LONE_SURROGATE.test(k));
    uri += allStrings ? urlencode(entries as [string, string][]) : `${EXTRA_KEY}=${quotePlus(pythonJsonDumps(conn.extra))}`;
  }
  return uri;
}
