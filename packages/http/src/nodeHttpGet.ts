/**
 * `GetText` over `node:http`/`node:https` with a keep-alive agent: a real HTTP client, as `fetch`
 * is, without the objects `fetch` builds per call (see `GetText`). Where it could differ from
 * `fetch`, it does what `fetch` (Node's undici) does, so that a caller sees the same answers and
 * errors whichever transport it has:
 *
 * - a transport failure rejects with `TypeError("fetch failed", { cause })`, `fetch`'s own error;
 * - `accept-encoding` is `gzip, deflate` (`br, gzip, deflate` over HTTPS) and the body is decoded;
 * - a socket silent for 300 s fails the call (undici's `headersTimeout` and `bodyTimeout`);
 * - a redirect is handed to `fetch` itself, which follows it by the Fetch standard's rules
 *   (which headers survive a change of origin, how many hops): rare for a REST list, so not
 *   worth a second implementation of those rules.
 */
import type { Agent, IncomingMessage } from "node:http";
import type { GetText, TextAnswer } from "./GetText.ts";

/** undici's default `headersTimeout` and `bodyTimeout`, the limits `fetch` applies. */
export const SILENT_SOCKET_TIMEOUT_MS = 300_000;

export function createNodeHttpGet(): GetText {
  // One pool per client and scheme (a target talks to one server); idle sockets do not hold the
  // process open. Node's modules are loaded on the first call, not with the client: a function's
  // cold start builds its targets before it knows it will read one.
  const agents = new Map<"http" | "https", Agent>();
  return async (url, headers) => {
    const scheme = url.startsWith("https:") ? "https" : url.startsWith("http:") ? "http" : undefined;
    if (scheme === undefined) throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol in ${url}`) });
    const transport = scheme === "https" ? await import("node:https") : await import("node:http");
    let agent = agents.get(scheme);
    if (agent === undefined) {
      agent = new transport.Agent({ keepAlive: true });
      agents.set(scheme, agent);
    }
    const pooled = agent;
    return new Promise<TextAnswer>((resolve, reject) => {
      const failed = (cause: unknown) => reject(new TypeError("fetch failed", { cause }));
      const request = transport.request(url, {
        method: "GET",
        agent: pooled,
        headers: { "accept-encoding": scheme === "https" ? "br, gzip, deflate" : "gzip, deflate", ...headers },
      });
      request.setTimeout(SILENT_SOCKET_TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${SILENT_SOCKET_TIMEOUT_MS} ms`)));
      request.on("error", failed);
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location !== undefined) {
          response.resume();
          resolve(followedByFetch(url, headers));
          return;
        }
        readText(response).then((text) => resolve({ status, header: (name) => headerOf(response, name), text }), failed);
      });
      request.end();
    });
  };
}

/** The body, decoded as its `content-encoding` says, as UTF-8 text. */
async function readText(response: IncomingMessage): Promise<string> {
  const encoding = response.headers["content-encoding"]?.trim().toLowerCase();
  const decoding = encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate" || encoding === "br";
  const zlib = decoding ? await import("node:zlib") : undefined;
  const decoder =
    zlib === undefined
      ? undefined
      : encoding === "deflate"
        ? zlib.createInflate()
        : encoding === "br"
          ? zlib.createBrotliDecompress()
          : zlib.createGunzip();
  const body = decoder === undefined ? response : response.pipe(decoder);
  if (decoder !== undefined) response.on("error", (error) => decoder.destroy(error));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on("data", (chunk: Buffer) => chunks.push(chunk));
    body.on("error", reject);
    body.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")));
  });
}

function headerOf(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

async function followedByFetch(url: string, headers: Readonly<Record<string, string>>): Promise<TextAnswer> {
  const response = await globalThis.fetch(url, { headers });
  return { status: response.status, header: (name) => response.headers.get(name), text: await response.text() };
}
