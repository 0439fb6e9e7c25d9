import type { GcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials } from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";

/** The official client as an operator's tool would use it, against the emulator: to write secrets in tests. */
export function adminClient(emu: GcpEmulator): SecretManagerServiceClient {
  return new SecretManagerServiceClient({
    apiEndpoint: "127.0.0.1",
    port: emu.port,
    sslCreds: credentials.createInsecure(),
    universeDomain: "googleapis.com",
    authClient: new PassThroughClient(),
  });
}
