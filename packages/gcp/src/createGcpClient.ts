import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials as grpcCredentials } from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";

export interface GcpClientSettings {
  /** `host[:port]`; the production endpoint (secretmanager.googleapis.com:443) when absent. */
  readonly apiEndpoint?: string;
  /** A service account key file; Application Default Credentials when neither this nor `credentials`. */
  readonly keyFilename?: string;
  readonly credentials?: { readonly client_email: string; readonly private_key: string };
  readonly scopes?: readonly string[];
  readonly projectId: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Host and port of an `api_endpoint`, and whether it is a local emulator (loopback). */
export function parseApiEndpoint(endpoint: string): { host: string; port?: number; loopback: boolean } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(endpoint);
  const host = match?.[1] ?? endpoint;
  const port = match?.[2] !== undefined ? Number(match[2]) : undefined;
  return { host, ...(port !== undefined ? { port } : {}), loopback: LOOPBACK.has(host) };
}

/**
 * The official Secret Manager client over gRPC (the production transport). Against a loopback
 * endpoint (the local emulator) it uses a plaintext channel and must also be told its universe
 * domain and given an auth client that fetches nothing: with plaintext alone, google-gax still
 * asks GoogleAuth for the universe domain, which runs Application Default Credentials and probes
 * the metadata server (169.254.169.254) — the trap tests must never fall into.
 */
export function createSecretManagerClient(settings: GcpClientSettings): SecretManagerServiceClient {
  const endpoint = settings.apiEndpoint === undefined ? undefined : parseApiEndpoint(settings.apiEndpoint);
  if (endpoint?.loopback) {
    return new SecretManagerServiceClient({
      apiEndpoint: endpoint.host.replace(/^\[|\]$/g, ""),
      ...(endpoint.port !== undefined ? { port: endpoint.port } : {}),
      sslCreds: grpcCredentials.createInsecure(),
      universeDomain: "googleapis.com",
      authClient: new PassThroughClient(),
      projectId: settings.projectId,
    });
  }
  return new SecretManagerServiceClient({
    ...(endpoint !== undefined ? { apiEndpoint: endpoint.host, ...(endpoint.port !== undefined ? { port: endpoint.port } : {}) } : {}),
    ...(settings.keyFilename !== undefined ? { keyFilename: settings.keyFilename } : {}),
    ...(settings.credentials !== undefined ? { credentials: { ...settings.credentials } } : {}),
    ...(settings.scopes !== undefined ? { scopes: [...settings.scopes] } : {}),
    projectId: settings.projectId,
  });
}
