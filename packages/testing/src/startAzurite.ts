import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export type AzuriteService = "queue" | "blob";

/** Azurite's fixed development account (documented, public: not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1` per started service. */
  readonly queueUrl?: string;
  readonly blobUrl?: string;
  /** A connection string for the started services, as `AzureWebJobsStorage` would hold. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

const STARTED = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/;
const START_TIMEOUT_MS = 60_000;

/**
 * Starts Microsoft's Azure Storage emulator (the `azurite` npm package, no Docker) for a test:
 * each service as its own `azurite-<service>` process on 127.0.0.1 with a free port (Azurite
 * picks it from port 0 and prints it), a temporary `--location`, `--skipApiVersionCheck` (the
 * current @azure/storage-* 12.x clients send a newer api-version than Azurite 3.35 knows) and
 * `--disableTelemetry` (Azurite otherwise posts Application Insights telemetry to the internet).
 */
export async function startAzurite(services: readonly AzuriteService[] = ["queue", "blob"]): Promise<Azurite> {
  const location = mkdtempSync(join(tmpdir(), "afsync-azurite-"));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(location, { recursive: true, force: true });
  };
  try {
    const urls: Partial<Record<AzuriteService, string>> = {};
    // In parallel: each service takes seconds to start on a busy machine.
    const started = await Promise.allSettled(services.map((service) => startService(service, join(location, service))));
    for (const [i, result] of started.entries()) {
      if (result.status === "fulfilled") {
        children.push(result.value.child);
        urls[services[i] as AzuriteService] = `${result.value.url}/${AZURITE_ACCOUNT}`;
      }
    }
    const failure = started.find((r) => r.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    const endpoints = [
      urls.blob === undefined ? "" : `BlobEndpoint=${urls.blob};`,
      urls.queue === undefined ? "" : `QueueEndpoint=${urls.queue};`,
    ].join("");
    return {
      ...(urls.queue === undefined ? {} : { queueUrl: urls.queue }),
      ...(urls.blob === undefined ? {} : { blobUrl: urls.blob }),
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};${endpoints}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startService(service: AzuriteService, location: string): Promise<{ child: ChildProcess; url: string }> {
  // The service's own entry point, run by this node: killing its pid stops it (an npx or .bin
  // shim would leave the real server re-parented and running).
  const main = join(dirname(createRequire(import.meta.url).resolve("azurite/package.json")), "dist", "src", service, "main.js");
  const args = [
    main,
    `--${service}Host`,
    "127.0.0.1",
    `--${service}Port`,
    "0",
    "--location",
    location,
    "--skipApiVersionCheck",
    "--disableTelemetry",
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => fail(new Error(`azurite-${service} did not start within ${START_TIMEOUT_MS} ms: ${output.slice(-500)}`)),
      START_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = STARTED.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, url: match[1] });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("exit", (code) => fail(new Error(`azurite-${service} exited (code ${code}) before listening: ${output.slice(-500)}`)));
    child.on("error", fail);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
