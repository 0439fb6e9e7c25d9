import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AwsEmulatorContext, CallerInfo, EventBridgeEvent } from "./AwsEmulatorContext.ts";
import { AwsServiceError } from "./AwsServiceError.ts";
import { SecretsManagerEmulator, type SeedSecretInput } from "./SecretsManagerEmulator.ts";
import { SqsEmulator } from "./SqsEmulator.ts";
import { type SeedParameterInput, SsmEmulator } from "./SsmEmulator.ts";
import type { Rotator } from "./secretRotation.ts";

export type { EventBridgeEvent } from "./AwsEmulatorContext.ts";

export interface AwsEmulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
}

/** A fault to answer with instead of serving: throttling (as a 400 `ThrottlingException` or a bare 429) or a 500. */
export interface FaultInjection {
  /** The operation (`BatchGetSecretValue` or `secretsmanager.BatchGetSecretValue`); every operation when absent. */
  readonly op?: string;
  readonly status: 429 | 500 | "ThrottlingException";
  readonly times: number;
}

export interface AwsEmulator {
  readonly url: string;
  /** Requests per `X-Amz-Target` (e.g. `secretsmanager.ListSecrets`), injected failures included. */
  calls(): Record<string, number>;
  /** Requests for one operation, by short (`ListSecrets`) or full target name. */
  calls(op: string): number;
  resetCalls(): void;
  /** Every EventBridge event the mutations emitted so far, in order. */
  readonly events: readonly EventBridgeEvent[];
  clearEvents(): void;
  /** Called for each event as it is emitted; returns an unsubscribe function. */
  onEvent(listener: (event: EventBridgeEvent) => void): () => void;
  inject(fault: FaultInjection): void;
  setLatency(ms: number): void;
  /** Moves the emulator's clock (visibility timeouts, dedup windows, version dates) forward. */
  advanceTime(ms: number): void;
  /** Seeding writes state directly: no events, no call counts. */
  seedSecret(input: SeedSecretInput): { arn: string; name: string; versionId: string };
  seedParameter(input: SeedParameterInput): { version: number };
  /** Lets `RotateSecret` rotate this secret: `rotator` plays the rotation Lambda (throw to make it fail). */
  setRotation(secretName: string, rotator: Rotator): void;
  sqsDepth(queueName: string): { visible: number; inFlight: number };
  close(): Promise<void>;
}

const LONG_POLL_STEP_MS = 20;

/**
 * One local server speaking the AWS JSON protocols (1.1 for Secrets Manager and SSM, 1.0 for
 * SQS), dispatched on `X-Amz-Target`. The official SDK clients talk to it with `endpoint` (or
 * `AWS_ENDPOINT_URL`) and fake static credentials; signatures are not checked.
 */
export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const events: EventBridgeEvent[] = [];
  const listeners = new Set<(event: EventBridgeEvent) => void>();
  const counts = new Map<string, number>();
  const faults: { op?: string; status: FaultInjection["status"]; left: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let latency = 0;
  let offset = 0;
  let url = "";
  const ctx: AwsEmulatorContext = {
    region: options.region ?? "us-east-1",
    accountId: options.accountId ?? "123456789012",
    now: () => Date.now() + offset,
    emit(event) {
      events.push(event);
      for (const listener of listeners) listener(event);
    },
  };
  const secretsManager = new SecretsManagerEmulator(ctx);
  const ssm = new SsmEmulator(ctx);
  const sqs = new SqsEmulator(ctx, () => url);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function takeFault(target: string): FaultInjection["status"] | undefined {
    const fault = faults.find((f) => f.left > 0 && (f.op === undefined || f.op === target || target.endsWith(`.${f.op}`)));
    if (!fault) return undefined;
    fault.left -= 1;
    return fault.status;
  }

  async function dispatch(target: string, body: Record<string, unknown>, caller: CallerInfo): Promise<unknown> {
    const dot = target.indexOf(".");
    const service = target.slice(0, dot);
    const op = target.slice(dot + 1);
    if (service === "secretsmanager") return secretsManager.handle(op, body, caller);
    if (service === "AmazonSSM") return ssm.handle(op, body);
    if (service === "AmazonSQS") {
      // Long polling: wait (in real time) for a message instead of answering empty at once.
      const wait = typeof body.WaitTimeSeconds === "number" ? body.WaitTimeSeconds * 1000 : 0;
      const deadline = Date.now() + wait;
      while (op === "ReceiveMessage" && wait > 0 && !sqs.hasVisible(body) && Date.now() < deadline && server.listening)
        await sleep(LONG_POLL_STEP_MS);
      return sqs.handle(op, body);
    }
    throw new AwsServiceError("UnknownOperationException", `Unknown X-Amz-Target ${target}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const target = String(req.headers["x-amz-target"] ?? "");
    counts.set(target, (counts.get(target) ?? 0) + 1);
    const protocol = target.startsWith("AmazonSQS.") ? "1.0" : "1.1";
    res.setHeader("content-type", `application/x-amz-json-${protocol}`);
    res.setHeader("x-amzn-requestid", crypto.randomUUID());
    if (latency > 0) await sleep(latency);
    const fault = takeFault(target);
    const send = (status: number, payload: unknown) => {
      res.statusCode = status;
      res.end(JSON.stringify(payload));
    };
    if (fault === "ThrottlingException") return send(400, { __type: "ThrottlingException", message: "Rate exceeded" });
    if (fault === 429) return send(429, { __type: "TooManyRequestsException", message: "Too Many Requests" });
    if (fault === 500) return send(500, { __type: "InternalServiceError", message: "An error occurred on the server side." });
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return send(400, { __type: "SerializationException", message: "Start of structure or map found where not expected." });
    }
    const credential = /Credential=([^/,\s]+)/.exec(String(req.headers.authorization ?? ""))?.[1] ?? "anonymous";
    const caller: CallerInfo = {
      accessKeyId: credential,
      userAgent: String(req.headers["user-agent"] ?? ""),
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
    };
    try {
      send(200, await dispatch(target, body, caller));
    } catch (err) {
      if (!(err instanceof AwsServiceError)) return send(500, { __type: "InternalServiceError", message: `emulator bug: ${String(err)}` });
      if (err.queryError) res.setHeader("x-amzn-query-error", err.queryError);
      send(err.status, { __type: err.type, message: err.message });
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function calls(): Record<string, number>;
  function calls(op: string): number;
  function calls(op?: string): Record<string, number> | number {
    if (op === undefined) return Object.fromEntries(counts);
    let n = 0;
    for (const [target, count] of counts) if (target === op || target.endsWith(`.${op}`)) n += count;
    return n;
  }

  return {
    url,
    calls,
    resetCalls: () => counts.clear(),
    events,
    clearEvents: () => {
      events.length = 0;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    inject: (fault) => {
      faults.push({ ...fault, left: fault.times });
    },
    setLatency: (ms) => {
      latency = ms;
    },
    advanceTime: (ms) => {
      offset += ms;
    },
    seedSecret: (input) => secretsManager.seed(input),
    seedParameter: (input) => ssm.seed(input),
    setRotation: (name, rotator) => secretsManager.setRotation(name, rotator),
    sqsDepth: (name) => sqs.depth(name),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
