import type { ChangeHint } from "@afsync/core";
import { secretNameOf } from "../secretName.ts";
import { type EventBridgeEnvelope, firstResource, stringAt } from "./eventShapes.ts";
import { SECRETS_MANAGER } from "./secretsManagerCloudTrail.ts";

export function isSecretLabelUpdated(event: EventBridgeEnvelope): boolean {
  return event.source === "aws.secretsmanager" && event["detail-type"] === "Secret Label Updated";
}

/**
 * Secrets Manager's native event (no CloudTrail needed): sent when a staging label other than
 * AWSPENDING/AWSPREVIOUS moves. Only `AWSCURRENT` changes what Airflow reads, and then
 * `detail.versionId` names exactly the version to read. The ARN is in `resources[0]`, the name in
 * `detail.name`.
 */
export function secretLabelUpdatedHint(event: EventBridgeEnvelope): ChangeHint {
  const arn = firstResource(event);
  const name = stringAt(event.detail, "name") ?? (arn ? secretNameOf(arn, true) : "");
  const label = stringAt(event.detail, "labelUpdated");
  const version = stringAt(event.detail, "versionId");
  if (label !== "AWSCURRENT") {
    return {
      provider: SECRETS_MANAGER,
      secretId: name,
      action: "ignore",
      reason: `staging label ${label ?? "?"} moved; Airflow reads AWSCURRENT`,
    };
  }
  return {
    provider: SECRETS_MANAGER,
    secretId: name,
    action: "upsert",
    reason: "AWSCURRENT moved to a new version",
    ...(version !== undefined ? { version } : {}),
  };
}
