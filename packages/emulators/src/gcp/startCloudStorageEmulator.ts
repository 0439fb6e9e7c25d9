import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The JSON API operations served, named as in Cloud Storage's reference; call counts use these. */
export type CloudStorageOperation = "objects.list" | "objects.insert" | "objects.get" | "objects.delete";

export interface StoredObject {
  readonly data: Buffer;
  readonly contentType: string;
  /** The object's custom metadata (`metadata` in the JSON API). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly generation: number;
}

export interface CloudStorageEmulator {
  /** The client's `apiEndpoint` (`@google-cloud/storage` sends no credentials to a custom endpoint). */
  readonly url: string;
  /** Creates a bucket (as Terraform would); any call on a bucket that does not exist is 404. */
  createBucket(name: string): void;
  object(bucket: string, name: string): StoredObject | undefined;
  calls(operation: CloudStorageOperation): number;
  resetCalls(): void;
  close(): Promise<void>;
}

/**
 * A minimal Cloud Storage JSON API for the fan-out ledger: objects.list (prefix, pages,
 * custom metadata in each item), a multipart objects.insert (`uploadType=multipart`, what the
 * client's `save(…, {resumable: false})` sends), objects.get (resource or `alt=media`) and
 * objects.delete. Each stored object reports its `md5Hash` and `crc32c` as the service does: the
 * client checks the upload against them. No emulator on npm runs without a JVM or a binary.
 */
export async function startCloudStorageEmulator(options: { readonly port?: number } = {}): Promise<CloudStorageEmulator> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const counts = new Map<CloudStorageOperation, number>();
  let generation = 1;

  const count = (op: CloudStorageOperation) => counts.set(op, (counts.get(op) ?? 0) + 1);
  const resource = (bucket: string, name: string, o: StoredObject) => ({
    kind: "storage#object",
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: "1",
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: createHash("md5").update(o.data).digest("base64"),
    crc32c: crc32cBase64(o.data),
    ...(Object.keys(o.metadata).length > 0 ? { metadata: o.metadata } : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const one = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const bucketName = decodeURIComponent(upload?.[1] ?? list?.[1] ?? one?.[1] ?? "");
    const bucket = buckets.get(bucketName);
    if (bucket === undefined) return send(res, 404, error(404, `The specified bucket does not exist: ${bucketName}`));
    if (upload !== null && req.method === "POST") {
      count("objects.insert");
      if (url.searchParams.get("uploadType") !== "multipart") return send(res, 400, error(400, "only uploadType=multipart is emulated"));
      const parts = multipartParts(String(req.headers["content-type"] ?? ""), body);
      if (parts === undefined || parts.length !== 2) return send(res, 400, error(400, "expected a multipart/related body of 2 parts"));
      const meta = JSON.parse(parts[0]?.toString("utf8") ?? "{}") as {
        name?: string;
        contentType?: string;
        metadata?: Record<string, string>;
      };
      const name = url.searchParams.get("name") ?? meta.name;
      if (name === undefined || name === "") return send(res, 400, error(400, "Required parameter: name"));
      const stored: StoredObject = {
        data: parts[1] ?? Buffer.alloc(0),
        contentType: meta.contentType ?? "application/octet-stream",
        metadata: { ...(meta.metadata ?? {}) },
        generation: generation++,
      };
      bucket.set(name, stored);
      return send(res, 200, resource(bucketName, name, stored));
    }
    if (list !== null && req.method === "GET") {
      count("objects.list");
      const prefix = url.searchParams.get("prefix") ?? "";
      const max = Math.min(Number(url.searchParams.get("maxResults") ?? 1000) || 1000, 1000);
      const names = [...bucket.keys()].filter((n) => n.startsWith(prefix)).sort();
      const start = Number(url.searchParams.get("pageToken") ?? 0) || 0;
      const page = names.slice(start, start + max);
      return send(res, 200, {
        kind: "storage#objects",
        items: page.map((n) => resource(bucketName, n, bucket.get(n) as StoredObject)),
        ...(start + max < names.length ? { nextPageToken: String(start + max) } : {}),
      });
    }
    if (one !== null) {
      const name = decodeURIComponent(one[2] ?? "");
      const stored = bucket.get(name);
      if (req.method === "DELETE") {
        count("objects.delete");
        if (stored === undefined) return send(res, 404, error(404, `No such object: ${bucketName}/${name}`));
        bucket.delete(name);
        res.writeHead(204).end();
        return;
      }
      if (req.method === "GET") {
        count("objects.get");
        if (stored === undefined) return send(res, 404, error(404, `No such object: ${bucketName}/${name}`));
        if (url.searchParams.get("alt") === "media") {
          res.writeHead(200, { "content-type": stored.contentType }).end(stored.data);
          return;
        }
        return send(res, 200, resource(bucketName, name, stored));
      }
    }
    send(res, 404, error(404, `not emulated: ${req.method} ${url.pathname}`));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((e: unknown) => send(res, 500, error(500, String(e))));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    createBucket: (name) => void buckets.set(name, buckets.get(name) ?? new Map()),
    object: (bucket, name) => buckets.get(bucket)?.get(name),
    calls: (op) => counts.get(op) ?? 0,
    resetCalls: () => counts.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" }).end(JSON.stringify(body));
}

function error(code: number, message: string) {
  return { error: { code, message, errors: [{ message, reason: code === 404 ? "notFound" : "invalid" }] } };
}

/** The parts of a multipart/related body (headers dropped), or undefined when it is not one. */
function multipartParts(contentType: string, body: Buffer): Buffer[] | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!contentType.startsWith("multipart/related") || boundary === undefined) return undefined;
  const text = body.toString("latin1");
  const parts: Buffer[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break;
    const headerEnd = chunk.indexOf("\r\n\r\n");
    if (headerEnd === -1) return undefined;
    const content = chunk.slice(headerEnd + 4).replace(/\r\n$/, "");
    parts.push(Buffer.from(content, "latin1"));
  }
  return parts;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) as Cloud Storage reports it: the big-endian 4 bytes, base64. */
function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}
