import type { IncomingMessage } from "node:http";

/**
 * The requests an emulator has received and not yet answered. A fault test that kills a client
 * mid-request uses it to wait until what the dead client sent has landed (or been dropped): a
 * real target keeps a request it holds for as long as it holds it, whatever became of the
 * client, and the test must not start the next client sooner than the cloud would.
 */
export class RequestsInProgress {
  private count = 0;
  private waiters: (() => void)[] = [];

  /**
   * Counts `req` from now until the returned `done` is called, when its handler has carried it
   * out. Not until its connection closes: a client killed mid-request closes the connection, yet
   * the server still carries out what it received. A request whose body never arrived whole
   * is never carried out, so its close ends it.
   */
  begin(req: IncomingMessage): () => void {
    this.count += 1;
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      this.count -= 1;
      if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    };
    req.once("close", () => {
      if (!req.complete) done();
    });
    return done;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Resolves once every request received so far is answered; rejects after `timeoutMs`, so a
   * request held for ever fails the test instead of hanging it.
   */
  answered(timeoutMs = 30_000): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new Error(`${this.count} request(s) still unanswered after ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
    });
  }
}
