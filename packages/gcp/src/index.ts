// The GCP package's surface. Import by subpath where bundle size matters
// (`@afsync/gcp/events/parseGcpEvent` does not load the Secret Manager client; the source does).
export { createSecretManagerClient } from "./createGcpClient.ts";
export { GCP_SECRET_MANAGER, gcpEventParser, parseGcpEvent } from "./events/parseGcpEvent.ts";
export {
  type PubSubPushTokenExpectations,
  type PubSubPushTokenVerdict,
  verifyPubSubPushToken,
} from "./events/verifyPubSubPushToken.ts";
export { GcpSecretManagerSource } from "./GcpSecretManagerSource.ts";
export { createGcpSecretManagerSource, gcpSecretManagerSourceFactory } from "./gcpSourceFactory.ts";
export { gcpSourceOptionsSchema } from "./gcpSourceOptions.ts";
