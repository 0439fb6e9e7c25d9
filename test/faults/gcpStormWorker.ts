/**
 * The GCP `worker` function as its own process, so the storm can SIGKILL it in the middle of an
 * apply: the REAL function, registered with functions-framework and served by the framework's
 * own test server on the loopback port the parent chose (the worker topic's push subscription
 * keeps POSTing to that one URL across restarts, as it would to the function's fixed URL).
 *
 * The parent starts the next process before it kills this one, as Cloud Run keeps an instance
 * warm: it loads its modules, says `loaded`, and listens only once stdin says `listen` (the port
 * is the dead one's). Its cold start proper — the runtime built from config — still happens on
 * its first request, as in a function instance.
 *
 * It tells the parent, one JSON line on stdout each, when a push request arrives (`applying`) and
 * when its answer is sent (`done`), so a kill can be aimed between the two. The function's own
 * log lines go to stderr (the parent checks them for leaks).
 */
import type { Server } from "node:http";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { GCP_FUNCTIONS, registerGcpFunctions } from "../../functions/gcp/src/registerGcpFunctions.ts";
import { gcpProducerDepsFromEnv, gcpWorkerDepsFromEnv } from "../../functions/gcp/src/runtime/gcpDepsFromEnv.ts";

const port = Number(process.env.STORM_WORKER_PORT);
// The parent's local "Google" signing key: this process could not generate the same one.
const certs = JSON.parse(process.env.STORM_GOOGLE_CERTS ?? "{}") as Record<string, string>;
const logger = createJsonLineLogger({ write: (line) => process.stderr.write(`${line}\n`) });
const tell = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

// The producers are registered too (the bundle registers all four) but never called here.
registerGcpFunctions(gcpProducerDepsFromEnv(process.env, { logger, certs }), gcpWorkerDepsFromEnv(process.env, { logger, certs }));
const server: Server = getTestServer(GCP_FUNCTIONS.worker);
let request = 0;
server.on("request", (_req, res) => {
  request += 1;
  const id = request;
  tell({ applying: id });
  res.on("finish", () => tell({ done: id, status: res.statusCode, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
});

let input = "";
process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
  input += chunk;
  if (input.includes("listen\n") && !server.listening) server.listen(port, "127.0.0.1", () => tell({ ready: true }));
});
process.stdin.on("end", () => {
  server.closeAllConnections();
  server.close();
});
tell({ loaded: true });
