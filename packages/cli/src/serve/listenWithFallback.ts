import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Starts listening on `host:port`. When the port is taken and `fallback` is set (the demo), it
 * listens on a free port the OS picks instead; a configured service fails instead, because
 * webhook senders point at the configured port.
 */
export async function listenWithFallback(
  server: Server,
  host: string,
  port: number,
  fallback: boolean,
): Promise<{ port: number; fellBack: boolean }> {
  try {
    return { port: await listen(server, host, port), fellBack: false };
  } catch (error) {
    if (!fallback || !(error instanceof Error && "code" in error && error.code === "EADDRINUSE")) throw error;
    return { port: await listen(server, host, 0), fellBack: true };
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
