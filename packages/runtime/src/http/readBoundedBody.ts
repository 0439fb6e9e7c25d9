import type { IncomingMessage, ServerResponse } from "node:http";

export type BoundedBody =
  | { readonly ok: true; readonly body: Buffer }
  /** 413: longer than the limit. 408: not sent within the deadline. 400: the client went away mid-body. */
  | { readonly ok: false; readonly status: 400 | 408 | 413; readonly reason: string };

/**
 * Reads a request body of at most `maxBytes` within `deadlineMs`. A declared Content-Length over
 * the limit is refused before a byte is read; a chunked body is refused as soon as the running
 * count passes the limit. Either way the rest is never read or buffered: the caller answers with
 * `refuseAndClose`, which closes the connection, so a 50 MB upload costs at most `maxBytes` of memory.
 */
export function readBoundedBody(req: IncomingMessage, limits: { maxBytes: number; deadlineMs: number }): Promise<BoundedBody> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limits.maxBytes) return Promise.resolve(tooLarge(limits.maxBytes));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BoundedBody) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("aborted", onGone);
      // Stop pulling from the socket: node would otherwise keep reading (and discarding) the rest.
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onGone = () => finish({ ok: false, status: 400, reason: "the connection closed before the body ended" });
    const timer = setTimeout(
      () => finish({ ok: false, status: 408, reason: `the body was not received within ${limits.deadlineMs} ms` }),
      limits.deadlineMs,
    );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("aborted", onGone);
  });
}

function tooLarge(maxBytes: number): BoundedBody {
  return { ok: false, status: 413, reason: `body larger than ${maxBytes} bytes` };
}

/**
 * Answers a request whose body was not (fully) read, then closes the connection: the unread rest
 * of the body can never be taken for the next request, and node's default of draining it (to
 * keep the connection alive) would read all 50 MB. The socket is destroyed once the answer is
 * flushed, or after a short grace if the client never reads it.
 */
export function refuseAndClose(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    connection: "close",
    ...headers,
  });
  const socket = res.socket;
  const grace = setTimeout(() => socket?.destroy(), 1_000);
  grace.unref();
  res.end(`${JSON.stringify(body)}\n`, () => {
    clearTimeout(grace);
    // Half-close first so the client reads the answer rather than a reset, then let go.
    socket?.end();
    setTimeout(() => socket?.destroy(), 200).unref();
  });
}
