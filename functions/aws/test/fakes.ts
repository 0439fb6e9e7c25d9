import type { AirflowKey, ChangeHint, SecretIdMapping, SecretSource } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { LambdaDeps } from "../src/runtime/LambdaDeps.ts";

/**
 * A source that only knows Airflow's prefix naming (`<prefix>/<id>`), for routing tests that
 * need no secret values. The real AWS sources are exercised end to end in test/aws-lambda-e2e.test.ts.
 */
export function prefixSource(id: string, provider: string, connectionsPrefix: string): SecretSource {
  return {
    id,
    provider,
    capabilities: { batchSize: 20, orderedVersions: true },
    readAll: async () => [],
    read: async () => [],
    secretIdFor: (key: AirflowKey) => (key.kind === "connection" ? `${connectionsPrefix}/${key.id}` : null),
    keysFor(secretId: string): SecretIdMapping {
      if (!secretId.startsWith(`${connectionsPrefix}/`)) return { keys: [], ignoredReason: `${secretId} is outside ${connectionsPrefix}/` };
      return { keys: [{ kind: "connection", id: secretId.slice(connectionsPrefix.length + 1) }] };
    },
  };
}

export class RecordingQueue implements SyncQueue {
  readonly sent: SyncMessage[] = [];
  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}

/** An engine stand-in that records what it was asked and answers with a fixed status per Deployment. */
export class RecordingEngine {
  readonly calls: { deployment: string; trigger: Trigger }[] = [];
  readonly failing = new Set<string>();
  readonly throwing = new Set<string>();
  /** One entry per engine run: the Deployments it covered, in order. */
  readonly runs: string[][] = [];
  async sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> {
    if (bindings.length === 0) throw new Error("no binding");
    this.runs.push(bindings.map((b) => b.id));
    for (const binding of bindings) this.calls.push({ deployment: binding.id, trigger });
    const thrower = bindings.find((b) => this.throwing.has(b.id));
    if (thrower !== undefined) throw new Error("target unreachable");
    const counts = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0, orphaned: 0, invalid: 0, shadowed: 0 };
    const deployments = bindings.map((binding) => {
      const failed = this.failing.has(binding.id);
      return {
        id: binding.id,
        target: "fake",
        status: failed ? ("failed" as const) : ("ok" as const),
        ...(failed ? { error: "boom" } : {}),
        changes: [],
        writes: 0,
      };
    });
    const failed = deployments.filter((d) => d.status === "failed").length;
    return { mode: "sync", deployments, summary: { ...counts, deployments: bindings.length, failed, writes: 0, reads: 0 } };
  }
}

export function binding(id: string, sources: SecretSource[]): DeploymentBinding {
  // The worker passes the binding through to the engine; a target is never touched here.
  const target = {
    type: "fake",
    describe: id,
    layer: "metadata-db" as const,
    capabilities: { readsValues: false, holdsState: true, maxBatch: 1 },
    read: async () => ({ entries: new Map() }),
    apply: async () => ({ results: [] }),
  };
  return { id, target, sources, deletion: "delete", adopt: false, include: [], exclude: [] };
}

export function fakeDeps(overrides: Partial<LambdaDeps> & { bindings: DeploymentBinding[] }): LambdaDeps & {
  queue: RecordingQueue;
  hintQueue: RecordingQueue;
  engine: RecordingEngine;
  lines: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[];
} {
  const lines: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
  return {
    sources: new Map(overrides.bindings.flatMap((b) => b.sources.map((s) => [s.id, s] as const))),
    clock: { now: () => new Date("2026-11-25T12:00:00Z") },
    webhookSecret: undefined,
    ...overrides,
    ...(() => {
      const queue = overrides.queue instanceof RecordingQueue ? overrides.queue : new RecordingQueue();
      // One recording queue for both unless a test tells them apart.
      return { queue, hintQueue: overrides.hintQueue instanceof RecordingQueue ? overrides.hintQueue : queue };
    })(),
    engine: overrides.engine instanceof RecordingEngine ? overrides.engine : new RecordingEngine(),
    logger: { log: (level, message, fields) => lines.push({ level, message, ...(fields ? { fields } : {}) }) },
    lines,
  };
}

export const upsertHint = (secretId: string): ChangeHint => ({ provider: "aws-secrets-manager", secretId, action: "upsert" });
