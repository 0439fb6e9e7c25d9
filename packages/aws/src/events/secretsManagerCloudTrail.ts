import type { ChangeAction, ChangeHint } from "@afsync/core";
import { secretNameOf } from "../secretName.ts";
import { isObject, type JsonObject, objectAt, stringAt } from "./eventShapes.ts";
import type { OwnWriteMarkers } from "./OwnWriteMarkers.ts";

export const SECRETS_MANAGER = "aws-secrets-manager";

/** A CloudTrail record from Secrets Manager: an API call or a service event. */
export function isSecretsManagerCloudTrailRecord(detail: unknown): detail is JsonObject {
  return isObject(detail) && detail.eventSource === "secretsmanager.amazonaws.com" && typeof detail.eventName === "string";
}

// Calls that change nothing Airflow reads: metadata, policies, replication, rotation config.
const METADATA_CALLS = new Set([
  "TagResource",
  "UntagResource",
  "PutResourcePolicy",
  "DeleteResourcePolicy",
  "ValidateResourcePolicy",
  "ReplicateSecretToRegions",
  "RemoveRegionsFromReplication",
  "StopReplicationToReplica",
  "CancelRotateSecret",
]);
const READ_CALLS = /^(Get|List|Describe|BatchGet)/;

interface Mapped {
  action: ChangeAction;
  reason?: string;
  version?: string;
}

/**
 * Maps one Secrets Manager CloudTrail record to a hint. Quirks handled here:
 * - the secret id sits in `requestParameters.secretId` (whatever the caller typed: name, partial
 *   or full ARN), `requestParameters.name` (CreateSecret), `responseElements.arn` — spelled `aRN`
 *   before February 2024 — or, for service events, `additionalEventData.SecretId` (with
 *   `serviceEventDetails.secretId` as a fallback seen in one third-party fixture);
 * - CreateSecret's `responseElements` was null in AWS's own sample, so the name is all there is;
 * - `clientRequestToken` is the VersionId of the version a write creates;
 * - `RotateSecret` and `RotationFailed` do not change the value; `RotationSucceeded` does.
 */
export function secretsManagerCloudTrailHint(detail: JsonObject, markers: OwnWriteMarkers): ChangeHint {
  const eventName = String(detail.eventName);
  const request = objectAt(detail, "requestParameters");
  const response = objectAt(detail, "responseElements");
  const responseArn = stringAt(response, "arn") ?? stringAt(response, "aRN") ?? stringAt(response, "ARN");
  const serviceId =
    stringAt(objectAt(detail, "additionalEventData"), "SecretId") ?? stringAt(objectAt(detail, "serviceEventDetails"), "secretId");
  const fullArn = responseArn ?? serviceId;
  const typed = stringAt(request, "secretId") ?? stringAt(request, "name") ?? stringAt(response, "name");
  const secretId = fullArn ? secretNameOf(fullArn, true) : typed ? secretNameOf(typed) : undefined;
  if (secretId === undefined) {
    return { provider: SECRETS_MANAGER, secretId: "", action: "ignore", reason: `${eventName}: the event names no secret` };
  }
  const hint = (m: Mapped): ChangeHint => ({
    provider: SECRETS_MANAGER,
    secretId,
    action: m.action,
    ...(m.version !== undefined ? { version: m.version } : {}),
    ...(m.reason !== undefined ? { reason: m.reason } : {}),
  });
  const errorCode = stringAt(detail, "errorCode");
  if (errorCode && detail.eventType === "AwsApiCall")
    return hint({ action: "ignore", reason: `${eventName} failed (${errorCode}): nothing changed` });
  const own = markers.match(detail);
  if (own) return hint({ action: "ignore", reason: `${eventName} was made by afsync itself (${own}); not synced back, to avoid a loop` });
  return hint(mapEvent(eventName, detail, request, response));
}

function mapEvent(eventName: string, detail: JsonObject, request: JsonObject | undefined, response: JsonObject | undefined): Mapped {
  const token = stringAt(request, "clientRequestToken");
  switch (eventName) {
    case "CreateSecret":
      return withVersion({ action: "upsert", reason: "secret created" }, stringAt(response, "versionId") ?? token);
    case "PutSecretValue": {
      const stages = Array.isArray(request?.versionStages) ? request.versionStages.map(String) : undefined;
      // Rotation's createSecret step stages the new value as AWSPENDING: Airflow still reads the old one.
      if (stages && !stages.includes("AWSCURRENT")) {
        return {
          action: "ignore",
          reason: `new version staged as ${stages.join(", ")}; the value Airflow reads changes only when AWSCURRENT moves`,
        };
      }
      return withVersion({ action: "upsert", reason: "new secret value" }, stringAt(response, "versionId") ?? token);
    }
    case "UpdateSecret":
      // A value change creates a version (responseElements.versionId); a metadata-only update does
      // not, but the SDK always sends a token, so re-reading is the only safe answer.
      return withVersion({ action: "upsert", reason: "secret updated (value or metadata)" }, stringAt(response, "versionId"));
    case "UpdateSecretVersionStage": {
      const stage = stringAt(request, "versionStage");
      if (stage !== "AWSCURRENT") return { action: "ignore", reason: `staging label ${stage ?? "?"} moved; Airflow reads AWSCURRENT` };
      return withVersion({ action: "upsert", reason: "AWSCURRENT moved to another version" }, stringAt(request, "moveToVersionId"));
    }
    case "RotationSucceeded":
      return { action: "upsert", reason: "rotation succeeded: AWSCURRENT holds the new value" };
    case "RotateSecret":
      return {
        action: "ignore",
        reason: "rotation started; the value changes when AWSCURRENT moves (Secret Label Updated / RotationSucceeded)",
      };
    case "RotationStarted":
    case "TestRotationStarted":
    case "TestRotationSucceeded":
      return { action: "ignore", reason: `${eventName}: no value change yet` };
    case "RotationFailed":
    case "RotationAbandoned":
    case "TestRotationFailed": {
      const message = stringAt(detail, "errorMessage");
      return { action: "notice", reason: `${eventName}: the value did not change${message ? ` (${message})` : ""}` };
    }
    case "DeleteSecret":
      return { action: "delete", reason: "secret scheduled for deletion (no longer readable)" };
    case "EndSecretVersionDelete":
      return { action: "delete", reason: "secret deleted at the end of its recovery window" };
    case "StartSecretVersionDelete":
      return { action: "ignore", reason: "version deletion started; DeleteSecret already signalled the deletion" };
    case "RestoreSecret":
    case "CancelSecretVersionDelete":
      return { action: "upsert", reason: "secret restored" };
    default:
      if (METADATA_CALLS.has(eventName)) return { action: "ignore", reason: `${eventName} changes metadata, not the value` };
      if (READ_CALLS.test(eventName)) return { action: "ignore", reason: `${eventName} is a read` };
      return { action: "ignore", reason: `${eventName} is not an event afsync acts on` };
  }
}

function withVersion(m: Mapped, version: string | undefined): Mapped {
  return version === undefined ? m : { ...m, version };
}
