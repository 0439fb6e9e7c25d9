import { dirname, relative, resolve } from "node:path";
import type { ChangeHint, Logger, SecretSource } from "@afsync/core";
import { buildRuntime, type Runtime } from "@afsync/runtime/compose/buildRuntime";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { createPubSubPushVerifier } from "@afsync/runtime/events/createPubSubPushVerifier";
import { eventGridEndpoint } from "@afsync/runtime/events/eventGridEndpoint";
import { createJsonLineLogger, createLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import type { CliIO } from "../CliIO.ts";
import { EXIT_INVALID, EXIT_OK } from "../CliIO.ts";
import { createServeHttpServer } from "./createServeHttpServer.ts";
import { deploymentShape } from "./deploymentShape.ts";
import { exposureWarning } from "./exposureWarning.ts";
import { formatDuration } from "./formatDuration.ts";
import { formatRunLines } from "./formatRunLines.ts";
import { listenWithFallback } from "./listenWithFallback.ts";
import { prepareDemoWorkspace } from "./prepareDemoWorkspace.ts";
import { ServeStatus } from "./ServeStatus.ts";
import { SourceEventFeeds } from "./SourceEventFeeds.ts";
import { SyncCoordinator } from "./SyncCoordinator.ts";

/** A serve run waits this long for a CLI sync that holds the run lock (a long first sync, say). */
const SERVE_RUN_LOCK_WAIT_MS = 5 * 60_000;

export interface ServeOptions {
  readonly configPath: string;
  readonly host?: string;
  readonly port?: number;
  /** Run on a git-ignored copy of the example and fall back to a free port when the configured one is taken. */
  readonly demo: boolean;
  /** Lines as JSON objects (log on stderr, runs and notices on stdout), for log shippers. */
  readonly json?: boolean;
}

/** A source that can tell serve when its data changes (the local files source). */
interface WatchableSource extends SecretSource {
  watch(onChange: (hints: ChangeHint[]) => void, options?: { onError?: (error: unknown) => void }): { close(): void };
  readonly paths?: readonly string[];
}

function isWatchable(source: SecretSource): source is WatchableSource {
  return typeof (source as { watch?: unknown }).watch === "function";
}

/**
 * `afsync serve`: an initial full sync, then runs on file changes, signed webhooks and the
 * reconciliation schedule, one at a time (SyncCoordinator), until `stop` fires; then it stops
 * taking work, lets the run in flight finish, and closes everything.
 */
export async function runServe(options: ServeOptions, io: CliIO, stop: AbortSignal): Promise<number> {
  const now = () => new Date();
  const json = options.json === true;
  const out = json
    ? (line: string) => {
        if (line.trim() !== "") io.stdout.write(`${JSON.stringify({ time: now().toISOString(), level: "info", message: line.trim() })}\n`);
      }
    : (line: string) => io.stdout.write(`${line}\n`);
  const logger: Logger = json ? createJsonLineLogger({ write: (line) => io.stderr.write(`${line}\n`), now }) : createLineLogger(io.stderr);
  // What stops serve before it runs, and the exposure warning: text, or the log's JSON shape.
  const complain = (level: "warn" | "error", message: string) =>
    io.stderr.write(json ? `${JSON.stringify({ time: now().toISOString(), level, message })}\n` : `${message}\n`);
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
  let configPath = resolve(io.cwd, options.configPath);
  if (options.demo) {
    try {
      const demo = await prepareDemoWorkspace(configPath);
      configPath = demo.configPath;
      const where = relative(io.cwd, demo.workspace) || ".";
      out(`afsync demo: ${demo.created ? "copied the example to" : "using the copy in"} ${where} (git-ignored; edit freely)`);
    } catch (error) {
      complain("error", `afsync serve: cannot prepare the demo copy of ${configPath}: ${reason(error)}`);
      return EXIT_INVALID;
    }
  }

  let runtime: Runtime;
  try {
    const config = await loadConfigFile(configPath, io.env);
    // Serve takes the run lock for each run, not for its lifetime, so a CLI sync can run between
    // two of them; a run waits out a CLI sync in progress rather than failing.
    const runLock = { command: "afsync serve", waitMs: SERVE_RUN_LOCK_WAIT_MS };
    runtime = await buildRuntime(config, { env: io.env, configDir: dirname(configPath), logger, runLock });
  } catch (error) {
    complain("error", `afsync serve: ${reason(error)}`);
    return EXIT_INVALID;
  }
  const config = runtime.config;
  const secretEnv = config.serve.webhookSecretEnv;
  const secret = secretEnv === undefined ? undefined : io.env[secretEnv];
  const verifier = secret === undefined || secret === "" ? null : new WebhookVerifier(secret);
  const pubsubVerifier = config.serve.pubsubPush === undefined ? null : createPubSubPushVerifier(config.serve.pubsubPush);
  const eventGrid = eventGridEndpoint(config, io.env);
  const watchable = [...runtime.sources.values()].filter(isWatchable);
  const show = (path: string) => relative(io.cwd, path) || path;

  const status = new ServeStatus(
    new Date(),
    runtime.bindings.map((b) => deploymentShape(b, `${b.target.type} ${show(b.target.describe)}`)),
    {
      configPath: show(configPath),
      webhook: verifier !== null,
      watching: watchable.flatMap((s) => (s.paths ?? [s.id]).map(show)),
      reconcileEveryMs: config.serve.reconcileEveryMs,
    },
  );
  const coordinator = new SyncCoordinator({
    sync: (trigger) => runtime.engine.sync(runtime.bindings, trigger),
    status,
    now: () => new Date(),
    logger,
    onRun: (record, report) => {
      const lines = formatRunLines(record, report);
      if (!json) for (const line of lines) out(line);
      else {
        const failed = record.error !== undefined || report === null;
        const notes = lines.slice(1).map((l) => l.trim());
        const entry = {
          time: now().toISOString(),
          level: failed ? "error" : "info",
          message: failed ? "run failed" : "run finished",
          run: record,
          notes,
        };
        io.stdout.write(`${JSON.stringify(entry)}\n`);
      }
    },
  });
  const server = createServeHttpServer({
    status,
    coordinator,
    verifier,
    pubsubVerifier,
    eventGrid: eventGrid.enabled ? eventGrid.endpoint : null,
    sources: runtime.sources,
    now: () => new Date(),
    logger,
  });

  const host = options.host ?? config.serve.host;
  let port: number;
  try {
    const listening = await listenWithFallback(server, host, options.port ?? config.serve.port, options.demo);
    port = listening.port;
    if (listening.fellBack) out(`Port ${options.port ?? config.serve.port} is taken; using ${port} instead.`);
  } catch (error) {
    complain("error", `afsync serve: cannot listen on ${host}:${options.port ?? config.serve.port}: ${reason(error)}`);
    await runtime.close();
    return EXIT_INVALID;
  }
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  const warning = exposureWarning(host);
  if (warning !== null) complain("warn", warning);

  // Event streams come up before the initial sync, so a change made while it runs is not missed.
  const feeds = new SourceEventFeeds(runtime.sources.values(), {
    coordinator,
    status,
    now: () => new Date(),
    logger,
    say: out,
    reconcileEveryMs: config.serve.reconcileEveryMs,
  });
  await feeds.start();
  feeds.markSynced();
  // The first run also fills the local sources' key lists, which the watchers diff against.
  await coordinator.requestFull("initial sync");

  const watches = watchable.map((source) =>
    source.watch((hints) => void coordinator.requestHints(`file change (${source.id})`, hints), {
      onError: (error) =>
        logger.log("warn", "source file unreadable", {
          source: source.id,
          message: error instanceof Error ? error.message : String(error),
        }),
    }),
  );
  const schedule = setInterval(() => {
    feeds.retryRefused();
    void coordinator.requestFull("scheduled reconciliation");
  }, config.serve.reconcileEveryMs);

  out("");
  out(`Deployments:`);
  for (const b of runtime.bindings) out(`  ${b.id} → ${b.target.type} ${show(b.target.describe)}`);
  if (status.info.watching.length > 0) out(`Edit these and the targets follow: ${status.info.watching.join(", ")}`);
  out(`Reconciliation every ${formatDuration(config.serve.reconcileEveryMs)}.`);
  // Live and refused streams have said so already.
  for (const f of status.eventFeeds) if (f.state !== "live" && f.refused !== true) out(`Events from ${f.source}: ${f.state} (${f.detail})`);
  out(
    verifier === null
      ? `Webhook: disabled${secretEnv === undefined ? " (no serve.webhook_secret_env in the config)" : ` (set ${secretEnv} to enable POST ${url}hooks/generic)`}`
      : `Webhook: POST ${url}hooks/generic (signed with ${secretEnv})`,
  );
  if (pubsubVerifier !== null) out(`Pub/Sub push: POST ${url}pubsub (OIDC audience ${config.serve.pubsubPush?.audience ?? ""})`);
  out(
    eventGrid.enabled
      ? `Event Grid: POST ${url}eventgrid?code=<key in ${eventGrid.endpoint.keyEnv}> (subscription validation and CloudEvents handshakes answered)`
      : `Event Grid: disabled (${eventGrid.reason})`,
  );
  out(`Status page: ${url}`);
  out(`Press Ctrl+C to stop.`);

  await new Promise<void>((resolveStop) => {
    if (stop.aborted) resolveStop();
    else stop.addEventListener("abort", () => resolveStop(), { once: true });
  });

  out("Stopping: finishing the run in flight…");
  clearInterval(schedule);
  for (const w of watches) w.close();
  await feeds.close();
  const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  server.closeIdleConnections();
  await coordinator.idle();
  server.closeAllConnections();
  await closed;
  await runtime.close();
  out("Stopped.");
  return EXIT_OK;
}
