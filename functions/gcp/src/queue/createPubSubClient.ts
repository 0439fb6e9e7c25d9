import { parseApiEndpoint } from "@afsync/gcp/createGcpClient";
import { PubSub, v1 } from "@google-cloud/pubsub";
import { PassThroughClient } from "google-auth-library";

/**
 * The official Pub/Sub client. `endpoint` is the regional endpoint every producer publishes
 * through (`<region>-pubsub.googleapis.com`: ordering holds per region, ADR 005); absent, the
 * global one. A loopback endpoint is the local emulator: plaintext, and an auth client that
 * fetches nothing, since google-gax otherwise asks Application Default Credentials for the
 * universe domain and probes the metadata server.
 */
export function createPubSubClient(projectId: string, endpoint: string | undefined): PubSub {
  if (endpoint !== undefined && parseApiEndpoint(endpoint).loopback)
    return new PubSub({
      projectId,
      apiEndpoint: endpoint,
      emulatorMode: true,
      universeDomain: "googleapis.com",
      authClient: new PassThroughClient(),
    });
  return new PubSub({ projectId, ...(endpoint !== undefined ? { apiEndpoint: endpoint } : {}) });
}

/**
 * The generated Subscriber client (synchronous Pull, Acknowledge, ModifyAckDeadline) on the same
 * endpoint and transport as `createPubSubClient` gives (the handwritten `Subscription` only
 * streams, which suits a long-lived listener, not a function that pulls a backlog once).
 */
export function createSubscriberClient(projectId: string, endpoint: string | undefined): v1.SubscriberClient {
  const { port, ...options } = createPubSubClient(projectId, endpoint).options;
  return new v1.SubscriberClient({ ...options, ...(port !== undefined ? { port: Number(port) } : {}) });
}
