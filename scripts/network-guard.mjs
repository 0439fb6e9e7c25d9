// Loopback-only network guard for tests: any connection to an address that is not loopback
// fails loudly (and the attempt is printed), so a test can never reach a real cloud or a
// metadata server by accident. Loaded into every test process and every child process through
// NODE_OPTIONS by scripts/run-tests.mjs; it does nothing unless AFSYNC_NETWORK_GUARD=1.
import dns from "node:dns";
import net from "node:net";

if (process.env.AFSYNC_NETWORK_GUARD === "1") {
  const loopbackHosts = new Set(["localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "::"]);
  const isLoopback = (host) =>
    host === undefined || host === null || host === "" || loopbackHosts.has(host) || /^127\./.test(host) || /^::ffff:127\./.test(host);

  const blocked = (host, port) => {
    const error = new Error(`network guard: blocked a connection to ${host}:${port} (tests may only use loopback)`);
    error.code = "EAFSYNCNETGUARD";
    process.stderr.write(`${error.message}\n`);
    return error;
  };

  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    // net.connect()/createConnection() — what http.request and undici use — hand the socket
    // their normalized arguments as one array, [options, callback]: look inside it.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host;
    let port;
    if (first && typeof first === "object" && !Array.isArray(first)) {
      if (first.path) return originalConnect.apply(this, args); // unix sockets are local
      host = first.host;
      port = first.port;
    } else if (typeof first === "string" && Number.isNaN(Number(first))) {
      return originalConnect.apply(this, args); // a unix socket path
    } else {
      port = first;
      host = typeof args[1] === "string" ? args[1] : undefined;
    }
    if (!isLoopback(host)) {
      const error = blocked(host, port);
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return originalConnect.apply(this, args);
  };

  const originalLookup = dns.lookup;
  dns.lookup = function guardedLookup(hostname, options, callback) {
    const cb = typeof options === "function" ? options : callback;
    if (!isLoopback(hostname)) {
      const error = blocked(hostname, "dns");
      process.nextTick(() => cb(error));
      return {};
    }
    return originalLookup.call(this, hostname, options, callback);
  };
  const originalPromisesLookup = dns.promises.lookup;
  dns.promises.lookup = async function guardedPromisesLookup(hostname, options) {
    if (!isLoopback(hostname)) throw blocked(hostname, "dns");
    return originalPromisesLookup.call(this, hostname, options);
  };
}
