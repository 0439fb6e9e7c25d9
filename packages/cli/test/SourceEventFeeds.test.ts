import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "@afsync/core";
import { emptyCounts, type RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { ChangeSubscriptionHandlers, SubscribableSource } from "@afsync/core/ports/ChangeSubscription";
import { InMemorySecretSource } from "@afsync/testing";
import { ServeStatus } from "../src/serve/ServeStatus.ts";
import { SourceEventFeeds } from "../src/serve/SourceEventFeeds.ts";
import { SyncCoordinator } from "../src/serve/SyncCoordinator.ts";

/**
 * An in-memory source that streams changes when told to: the test plays the server's side of
 * the stream (the Vault side is tested against the emulator in packages/vault and test/).
 */
class StreamingSource extends InMemorySecretSource implements SubscribableSource {
  readonly changeEvents: SubscribableSource["changeEvents"];
  handlers: ChangeSubscriptionHandlers | null = null;
  subscribeCalls = 0;
  closed = 0;

  constructor(id: string, enabled: boolean) {
    super(id);
    this.changeEvents = enabled ? { enabled: true } : { enabled: false, why: "not enabled: set `events: websocket`" };
  }

  async subscribe(handlers: ChangeSubscriptionHandlers) {
    this.subscribeCalls += 1;
    this.handlers = handlers;
    return {
      close: async () => {
        this.closed += 1;
      },
    };
  }
}

function harness(sources: StreamingSource[]) {
  const triggers: Trigger[] = [];
  const lines: string[] = [];
  const status = new ServeStatus(new Date(), [], { configPath: "afsync.yaml", webhook: false, watching: [], reconcileEveryMs: 120_000 });
  const emptyReport: RunReport = {
    mode: "sync",
    deployments: [],
    summary: { ...emptyCounts(), deployments: 0, failed: 0, writes: 0, reads: 0 },
  };
  const coordinator = new SyncCoordinator({
    sync: async (trigger) => {
      triggers.push(trigger);
      return emptyReport;
    },
    status,
    now: () => new Date(),
    logger: silentLogger,
  });
  // What started each run, oldest first.
  const runs = () => status.recentRuns.map((r) => r.trigger).reverse();
  const feeds = new SourceEventFeeds(sources, {
    coordinator,
    status,
    now: () => new Date(),
    logger: silentLogger,
    say: (line) => lines.push(line),
    reconcileEveryMs: 120_000,
  });
  const feed = (id: string) => status.eventFeeds.find((f) => f.source === id);
  return { feeds, coordinator, status, lines, runs, feed, triggers };
}

describe("SourceEventFeeds (serve's event streams)", () => {
  it("says why a source's events are off when its config does not ask for them, and subscribes nothing", async () => {
    const source = new StreamingSource("vault-prod", false);
    const h = harness([source]);
    await h.feeds.start();
    assert.equal(source.subscribeCalls, 0);
    assert.deepEqual([h.feed("vault-prod")?.state, h.feed("vault-prod")?.detail], ["off", "not enabled: set `events: websocket`"]);
    assert.deepEqual(h.status.problems(), [], "a stream not asked for is not a problem");
  });

  it("runs hinted syncs for events, and a full one when a stream comes up late or back", async () => {
    const source = new StreamingSource("vault-prod", true);
    const h = harness([source]);
    const started = h.feeds.start();
    source.handlers?.onState({ kind: "live" });
    await started;
    assert.equal(h.feed("vault-prod")?.state, "live");
    h.feeds.markSynced();
    await h.coordinator.requestFull("initial sync");

    source.handlers?.onHints([{ provider: "vault", sourceId: "vault-prod", secretId: "secret/connections/db", action: "upsert" }]);
    source.handlers?.onState({ kind: "reconnecting", reason: "the event stream closed" });
    assert.equal(h.feed("vault-prod")?.state, "reconnecting");
    source.handlers?.onState({ kind: "live" });
    source.handlers?.onReconnect();
    await h.coordinator.idle();
    assert.deepEqual(h.runs(), ["initial sync", "memory events (vault-prod)", "memory events (vault-prod) reconnected"]);
    assert.equal(h.triggers[1]?.kind, "hints");
    assert.equal(h.triggers[2]?.kind, "full");
    assert.ok(h.lines.some((l) => /reconnecting with backoff/.test(l)));

    await h.feeds.close();
    assert.equal(source.closed, 1, "shutdown closes the stream");
  });

  it("reports a refusal once, retries it at the schedule, and reconciles when the retry gets through", async () => {
    const source = new StreamingSource("vault-prod", true);
    const h = harness([source]);
    const started = h.feeds.start();
    source.handlers?.onState({ kind: "refused", httpStatus: 403, reason: "permission denied" });
    await started;
    h.feeds.markSynced();
    assert.equal(h.feed("vault-prod")?.state, "off");
    assert.match(
      h.status.problems()[0]?.message ?? "",
      /events for source vault-prod: refused by the server \(HTTP 403\): permission denied/,
    );

    h.feeds.retryRefused(); // the schedule fires; refused the same way again
    await new Promise((r) => setImmediate(r));
    assert.equal(source.subscribeCalls, 2);
    source.handlers?.onState({ kind: "refused", httpStatus: 403, reason: "permission denied" });
    assert.equal(h.lines.filter((l) => /HTTP 403/.test(l)).length, 1, "reported once");
    assert.match(h.lines[0] ?? "", /Falling back to the scheduled reconciliation every 2m/);

    h.feeds.retryRefused(); // the policy was fixed
    await new Promise((r) => setImmediate(r));
    source.handlers?.onState({ kind: "live" });
    await h.coordinator.idle();
    assert.equal(h.feed("vault-prod")?.state, "live");
    assert.deepEqual(h.status.problems(), []);
    assert.deepEqual(h.runs(), ["memory events (vault-prod) live"], "events may have been missed before the stream came up");
    assert.match(h.lines.at(-1) ?? "", /connected again/);
  });
});
