import { runEventParserContract } from "@afsync/testing/runEventParserContract";
import { GCP_SECRET_MANAGER, gcpEventParser } from "../src/events/parseGcpEvent.ts";

const TEST_SECRET = "projects/827585297303/secrets/test-secret";
const KEY_LOGISTIC = "projects/1019248048664/secrets/key-logistic";

runEventParserContract(gcpEventParser, {
  samples: "gcp",
  expected: {
    "gcp-pubsub-cloudevent-messagepublished-example.json": { refused: /eventType is missing/ },
    "gcp-secretmanager-cloudevent-version-add.json": [
      { provider: GCP_SECRET_MANAGER, secretId: TEST_SECRET, action: "upsert", version: "2" },
    ],
    "gcp-secretmanager-pubsub-push-secret-create.json": [{ provider: GCP_SECRET_MANAGER, secretId: KEY_LOGISTIC, action: "ignore" }],
    "gcp-secretmanager-pubsub-push-secret-rotate.json": [{ provider: GCP_SECRET_MANAGER, secretId: KEY_LOGISTIC, action: "notice" }],
    "gcp-secretmanager-pubsub-push-topic-configured.json": [{ provider: GCP_SECRET_MANAGER, secretId: "", action: "ignore" }],
    "gcp-secretmanager-pubsub-push-version-add.json": [
      { provider: GCP_SECRET_MANAGER, secretId: TEST_SECRET, action: "upsert", version: "2" },
    ],
    "gcp-secretmanager-secret-resource-decoded.json": { refused: /not a Pub\/Sub delivery/ },
  },
});
