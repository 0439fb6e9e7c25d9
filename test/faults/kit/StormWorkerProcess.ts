import { type ChildProcess, spawn } from "node:child_process";

/**
 * What a storm worker says on stdout, one JSON line each: `loaded` (modules in), `ready` (polling
 * or listening), `applying` (a batch, message or request handed to the REAL handler, with the
 * Deployments it names and how many of its messages came again) and `done` (the handler
 * returned), so a kill can be aimed between the two. Anything else is the storm's own.
 */
export interface WorkerLine {
  readonly loaded?: boolean;
  readonly ready?: boolean;
  readonly applying?: number;
  readonly deployments?: readonly string[];
  readonly redelivered?: number;
  readonly done?: number;
  readonly rssMb?: number;
  readonly [extra: string]: unknown;
}

/**
 * One storm worker child process (the `*StormWorker.ts` scripts) and what it said. Its stderr
 * (the handler's log lines) and stdout go to `logLines`, which the storm checks for leaks.
 */
export class StormWorkerProcess {
  readonly child: ChildProcess;
  readonly applying = new Set<number>();
  readonly done = new Set<number>();
  /** Handed to the handler and not yet returned. */
  readonly inFlight = new Set<number>();
  /** Apply → the Deployments it names. */
  readonly deploymentsOf = new Map<number, readonly string[]>();
  loaded = false;
  ready = false;
  redelivered = 0;
  peakRssMb = 0;
  #buffer = "";
  readonly #listeners = new Set<() => void>();

  constructor(script: string, env: NodeJS.ProcessEnv, logLines: string[], onLine: (line: WorkerLine) => void = () => undefined) {
    this.child = spawn(process.execPath, [script], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => logLines.push(chunk));
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#buffer += chunk;
      let nl = this.#buffer.indexOf("\n");
      while (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        logLines.push(line);
        if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} ${line}\n`);
        const message = JSON.parse(line) as WorkerLine;
        this.#take(message);
        onLine(message);
        this.#notify();
        nl = this.#buffer.indexOf("\n");
      }
    });
    this.child.once("exit", () => this.#notify());
  }

  #take(message: WorkerLine): void {
    if (message.loaded) this.loaded = true;
    if (message.ready) this.ready = true;
    if (message.applying !== undefined) {
      this.applying.add(message.applying);
      this.inFlight.add(message.applying);
      this.deploymentsOf.set(message.applying, message.deployments ?? []);
      this.redelivered += message.redelivered ?? 0;
    }
    if (message.done !== undefined) {
      this.done.add(message.done);
      this.inFlight.delete(message.done);
    }
    if (message.rssMb !== undefined) this.peakRssMb = Math.max(this.peakRssMb, message.rssMb);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Writes a line to its stdin: the storm's word to start polling or listening (a warm standby waits for it). */
  tell(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Resolves when `predicate` holds after a line arrives (or at once); rejects after `ms`, or when it exited without. */
  until(predicate: () => boolean, ms: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`worker did not get there within ${ms} ms`));
      }, ms);
      const check = () => {
        if (!predicate() && this.alive) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (predicate()) resolve();
        else reject(new Error(`worker exited with ${this.child.exitCode ?? this.child.signalCode}`));
      };
      this.#listeners.add(check);
    });
  }

  /** SIGKILL: a process kill, not a thrown error; resolves once it is gone. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve();
      this.child.once("exit", () => resolve());
      this.child.kill("SIGKILL");
    });
  }
}
