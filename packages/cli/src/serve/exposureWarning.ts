import { isIP } from "node:net";

/**
 * Whether `host` only accepts connections from this machine. The status page and /status.json
 * are unauthenticated (they show key names, Deployments and errors, never values), which is fine
 * on loopback and a disclosure anywhere else.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./i.test(bare);
  return false;
}

/** The warning serve prints when it listens beyond loopback, or null on loopback. */
export function exposureWarning(host: string): string | null {
  if (isLoopbackHost(host)) return null;
  const where = host === "0.0.0.0" || host === "::" ? "every network interface" : host;
  return (
    `Warning: listening on ${where}: the status page, /healthz and /status.json are unauthenticated and now reachable ` +
    `from the network (key names, Deployments and errors; never values). Bind to 127.0.0.1 (the default) unless a ` +
    `proxy in front authenticates callers.`
  );
}
