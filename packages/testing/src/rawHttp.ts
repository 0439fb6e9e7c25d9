import { connect, type Socket } from "node:net";

/** What a raw HTTP exchange saw: the status (null when the server closed without one) and when the socket closed. */
export interface RawHttpOutcome {
  readonly status: number | null;
  readonly response: string;
  /** Body bytes the client managed to write before the answer (or the close) came. */
  readonly bodyBytesWritten: number;
  readonly closedByServer: boolean;
}

/**
 * Speaks HTTP/1.1 over a bare socket to 127.0.0.1, for what `fetch` cannot do: send headers and a
 * body as slowly or as hugely as an attacker would, and stop as soon as the server answers.
 * `body` writes through `send` and should stop once `answered()` is true; the outcome resolves
 * when the server closes the socket or `settleMs` after its answer, whichever comes first.
 */
export function rawHttp(
  port: number,
  head: string,
  body?: (io: { send(chunk: string | Buffer): Promise<void>; answered(): boolean; socket: Socket }) => Promise<void>,
  options?: { settleMs?: number; giveUpMs?: number },
): Promise<RawHttpOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let response = "";
    let written = 0;
    let done = false;
    let closedByServer = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      resolve({ status: match ? Number(match[1]) : null, response, bodyBytesWritten: written, closedByServer });
    };
    const giveUp = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(new Error(`no answer and no close within ${options?.giveUpMs ?? 20_000} ms`));
    }, options?.giveUpMs ?? 20_000);
    socket.on("data", (d: Buffer) => {
      const first = response === "";
      response += d.toString("latin1");
      if (first) setTimeout(finish, options?.settleMs ?? 1_000).unref();
    });
    socket.on("end", () => {
      closedByServer = true;
      finish();
    });
    socket.on("close", () => {
      closedByServer = closedByServer || !done;
      finish();
    });
    // A write after the server closed fails with EPIPE/ECONNRESET: that is the server refusing, not a test error.
    socket.on("error", () => finish());
    const send = (chunk: string | Buffer) =>
      new Promise<void>((ok) => {
        if (done || socket.destroyed) return ok();
        const size = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
        socket.write(chunk, () => {
          written += size;
          ok();
        });
      });
    socket.once("connect", () => {
      socket.write(head);
      if (body !== undefined) body({ send, answered: () => done || response !== "", socket }).catch(reject);
    });
  });
}
