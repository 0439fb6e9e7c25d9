/**
 * The parts of CPython 3.11's `urllib.parse` that Airflow's connection URI code relies on,
 * reproduced quirk for quirk: JavaScript's URL parser (WHATWG) disagrees with urllib on almost
 * every edge (scheme-less URIs, `+` in userinfo, invalid escapes, zone ids), so we cannot use it.
 */

/** What `urlsplit` returns; `hostname`, `port`, `username` and `password` are the properties of SplitResult. */
export interface SplitResult {
  readonly scheme: string;
  readonly netloc: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
}

/** Raised where urllib raises ValueError; the message never echoes the URI (it may hold a password). */
export class UrllibValueError extends Error {}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** `urllib.parse.urlsplit(url)` (allow_fragments=True, no default scheme). */
export function urlsplit(input: string): SplitResult {
  // urlsplit lstrips C0 controls and space, then removes every tab, CR and LF (bpo-43882).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: urllib strips exactly these control characters
  let url = input.replace(/^[\x00-\x20]+/, "").replace(/[\t\r\n]/g, "");
  let scheme = "";
  let netloc = "";
  let query = "";
  let fragment = "";
  const colon = url.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith("//")) {
    let end = url.length;
    for (const delim of ["/", "?", "#"]) {
      const at = url.indexOf(delim, 2);
      if (at >= 0) end = Math.min(end, at);
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    if ((netloc.includes("[") && !netloc.includes("]")) || (netloc.includes("]") && !netloc.includes("["))) {
      throw new UrllibValueError("Invalid IPv6 URL");
    }
    if (netloc.includes("[") && netloc.includes("]")) checkBracketedNetloc(netloc);
  }
  const hash = url.indexOf("#");
  if (hash >= 0) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  const question = url.indexOf("?");
  if (question >= 0) {
    query = url.slice(question + 1);
    url = url.slice(0, question);
  }
  checkNetloc(netloc);
  return { scheme, netloc, path: url, query, fragment };
}

// CPython 3.11.4+ (gh-103848), as 3.11.7 has it: the text between the first `[` and the next
// `]` of the netloc must be an IPv6 address or an IPvFuture literal (later Pythons also refuse
// text before the bracket; the conformance vectors were produced on 3.11.7).
function checkBracketedNetloc(netloc: string): void {
  const afterOpen = netloc.slice(netloc.indexOf("[") + 1);
  const close = afterOpen.indexOf("]");
  const hostname = close >= 0 ? afterOpen.slice(0, close) : afterOpen;
  if (hostname.startsWith("v")) {
    if (!/^v[a-fA-F0-9]+\..+$/.test(hostname)) throw new UrllibValueError("IPvFuture address is invalid");
    return;
  }
  if (isIpv4(hostname)) throw new UrllibValueError("An IPv4 address cannot be in brackets");
  if (!isIpv6(hostname)) throw new UrllibValueError("the bracketed host is not a valid IPv6 address");
}

// Python's ipaddress.IPv4Address: four decimal octets, no leading zeros.
function isIpv4(s: string): boolean {
  const octets = s.split(".");
  return octets.length === 4 && octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) <= 255 && !(o.length > 1 && o.startsWith("0")));
}

// Python's ipaddress.IPv6Address: at most one "::", hextets of 1-4 hex digits, an optional
// trailing IPv4 (two hextets) and an optional non-empty %scope.
function isIpv6(input: string): boolean {
  let addr = input;
  const pct = input.indexOf("%");
  if (pct >= 0) {
    const scope = input.slice(pct + 1);
    if (scope === "" || scope.includes("%")) return false;
    addr = input.slice(0, pct);
  }
  const parts = addr.split(":");
  if (parts.length < 3) return false;
  const last = parts[parts.length - 1] as string;
  if (last.includes(".")) {
    if (!isIpv4(last)) return false;
    parts.pop();
    parts.push("0", "0");
  }
  if (parts.length > 9) return false;
  let skip: number | null = null;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] === "") {
      if (skip !== null) return false;
      skip = i;
    }
  }
  let hextets: string[];
  if (skip !== null) {
    let hi = skip;
    let lo = parts.length - skip - 1;
    if (parts[0] === "" && --hi !== 0) return false;
    if (parts[parts.length - 1] === "" && --lo !== 0) return false;
    if (8 - (hi + lo) < 1) return false;
    hextets = [...parts.slice(0, hi), ...parts.slice(parts.length - lo)];
  } else {
    if (parts.length !== 8) return false;
    hextets = parts;
  }
  return hextets.every((h) => /^[0-9a-fA-F]{1,4}$/.test(h));
}

// urllib refuses a netloc whose NFKC form would smuggle in URL delimiters (CVE-2019-9636).
function checkNetloc(netloc: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test is "is ASCII", control characters included
  if (netloc === "" || /^[\x00-\x7f]*$/.test(netloc)) return;
  const stripped = netloc.replace(/[@:#?]/g, "");
  const normalized = stripped.normalize("NFKC");
  if (normalized === stripped) return;
  for (const c of "/?#@:") {
    if (normalized.includes(c)) throw new UrllibValueError("the host part contains characters that are invalid under NFKC normalization");
  }
}

function hostinfo(parts: SplitResult): { hostname: string; port: string | null } {
  const at = parts.netloc.lastIndexOf("@");
  const info = at >= 0 ? parts.netloc.slice(at + 1) : parts.netloc;
  const open = info.indexOf("[");
  let hostname: string;
  let port: string;
  if (open >= 0) {
    const bracketed = info.slice(open + 1);
    const close = bracketed.indexOf("]");
    hostname = close >= 0 ? bracketed.slice(0, close) : bracketed;
    const after = close >= 0 ? bracketed.slice(close + 1) : "";
    const c = after.indexOf(":");
    port = c >= 0 ? after.slice(c + 1) : "";
  } else {
    const c = info.indexOf(":");
    hostname = c >= 0 ? info.slice(0, c) : info;
    port = c >= 0 ? info.slice(c + 1) : "";
  }
  return { hostname, port: port === "" ? null : port };
}

/** `SplitResult.hostname`: lower-cased up to the first `%` (an IPv6 zone id keeps its case); null when empty. */
export function splitHostname(parts: SplitResult): string | null {
  const { hostname } = hostinfo(parts);
  if (hostname === "") return null;
  const pct = hostname.indexOf("%");
  return pct >= 0 ? hostname.slice(0, pct).toLowerCase() + hostname.slice(pct) : hostname.toLowerCase();
}

/** `SplitResult.port`: ASCII digits in 0..65535, else urllib's ValueError. */
export function splitPort(parts: SplitResult): number | null {
  const { port } = hostinfo(parts);
  if (port === null) return null;
  if (!/^[0-9]+$/.test(port)) throw new UrllibValueError("Port could not be cast to integer value");
  const n = Number(port);
  if (n > 65535) throw new UrllibValueError("Port out of range 0-65535");
  return n;
}

/** `SplitResult.username` / `.password`: userinfo is what precedes the last `@`, split at the first `:`. */
export function splitUserinfo(parts: SplitResult): { username: string | null; password: string | null } {
  const at = parts.netloc.lastIndexOf("@");
  if (at < 0) return { username: null, password: null };
  const userinfo = parts.netloc.slice(0, at);
  const c = userinfo.indexOf(":");
  return c >= 0 ? { username: userinfo.slice(0, c), password: userinfo.slice(c + 1) } : { username: userinfo, password: null };
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** `unquote(s)`: runs of `%XX` are decoded as UTF-8 (errors='replace'); invalid escapes and `+` stay verbatim. */
export function unquote(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8.decode(bytes);
  });
}

/** `unquote_plus(s)`: as unquote, after turning `+` into a space (query strings only). */
export function unquotePlus(s: string): string {
  return unquote(s.replaceAll("+", " "));
}

/** `quote(s, safe="")`: everything but `A-Za-z0-9_.-~` is percent-encoded (upper-case hex), including `!*'()`. */
export function quote(s: string): string {
  try {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch (cause) {
    // A lone surrogate: Python's str.encode("utf-8") fails the same way.
    throw new UrllibValueError("text contains a lone UTF-16 surrogate and cannot be encoded", { cause });
  }
}

/** `quote_plus(s, safe="")`: as quote, but a space becomes `+`. */
export function quotePlus(s: string): string {
  return quote(s).replaceAll("%20", "+");
}

/** `urlencode(pairs)` for string pairs (callers stringify values the way Python's `str()` would first). */
export function urlencode(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join("&");
}

/** `parse_qsl(qs, keep_blank_values=True)`: splits on `&` only, `+` is a space, a name without `=` gets "". */
export function parseQsl(qs: string): [string, string][] {
  const out: [string, string][] = [];
  if (qs === "") return out;
  for (const field of qs.split("&")) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const name = eq >= 0 ? field.slice(0, eq) : field;
    const value = eq >= 0 ? field.slice(eq + 1) : "";
    out.push([unquotePlus(name), unquotePlus(value)]);
  }
  return out;
}

/** `dict(pairs)`: insertion order of first occurrence, last value wins; safe for keys like `__proto__`. */
export function pairsToObject(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const map = new Map<string, string>();
  for (const [k, v] of pairs) map.set(k, v);
  return Object.fromEntries(map);
}
