import { randomUUID } from "node:crypto";
import { type AwsEmulatorContext, type CallerInfo, cloudTrailApiCallEvent, isoSeconds } from "./AwsEmulatorContext.ts";
import { AwsServiceError } from "./AwsServiceError.ts";
import type { StoredSecret } from "./SecretStore.ts";

type Json = Record<string, unknown>;

/** Computes the next value from the current one; throwing makes the rotation fail (RotationFailed). */
export type Rotator = (current: string | undefined) => string;

/** How a rotation touches the secret: the same writes (and events) as any caller's. */
export interface RotationWrites {
  write(op: "PutSecretValue" | "UpdateSecretVersionStage", body: Json, caller: CallerInfo): unknown;
  removeLabel(secret: StoredSecret, label: string): void;
}

// The rotation Lambda's assumed role, as CloudTrail shows its PutSecretValue/UpdateSecretVersionStage calls.
const ROTATION_LAMBDA: CallerInfo = { accessKeyId: "ASIAROTATIONLAMBDA", userAgent: "Boto3/1.34 rotation-lambda", sourceIp: "127.0.0.1" };

/** A service event ("AWS Service Event via CloudTrail"): ids only in additionalEventData.SecretId. */
function serviceEvent(ctx: AwsEmulatorContext, eventName: string, secret: StoredSecret, errorMessage?: string) {
  const time = isoSeconds(ctx.now());
  return {
    version: "0" as const,
    id: randomUUID(),
    "detail-type": "AWS Service Event via CloudTrail",
    source: "aws.secretsmanager",
    account: ctx.accountId,
    time,
    region: ctx.region,
    resources: [],
    detail: {
      eventVersion: "1.08",
      userIdentity: { accountId: ctx.accountId, invokedBy: "secretsmanager.amazonaws.com" },
      eventTime: time,
      eventSource: "secretsmanager.amazonaws.com",
      eventName,
      awsRegion: ctx.region,
      sourceIPAddress: "secretsmanager.amazonaws.com",
      userAgent: "secretsmanager.amazonaws.com",
      ...(errorMessage !== undefined ? { errorMessage } : {}),
      requestParameters: null,
      responseElements: null,
      additionalEventData: { SecretId: secret.arn },
      requestID: `Rotation-${secret.arn}-${randomUUID()}`,
      eventID: randomUUID(),
      readOnly: false,
      eventType: "AwsServiceEvent",
      managementEvent: true,
      recipientAccountId: ctx.accountId,
      eventCategory: "Management",
    },
  };
}

/**
 * `RotateSecret` with the steps a rotation Lambda takes, run synchronously: the API call, then
 * RotationStarted, createSecret (PutSecretValue staged AWSPENDING), finishSecret
 * (UpdateSecretVersionStage moving AWSCURRENT, which also sends Secret Label Updated), and
 * RotationSucceeded — or RotationFailed when the rotator throws. That is the burst of about six
 * events one real rotation produces.
 */
export function rotateSecret(
  ctx: AwsEmulatorContext,
  secret: StoredSecret,
  rotator: Rotator | undefined,
  caller: CallerInfo,
  writes: RotationWrites,
): Json {
  if (!rotator) throw new AwsServiceError("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
  const token = randomUUID();
  const current = [...secret.versions.values()].find((v) => v.stages.has("AWSCURRENT"));
  ctx.emit(
    cloudTrailApiCallEvent(ctx, {
      source: "aws.secretsmanager",
      eventSource: "secretsmanager.amazonaws.com",
      eventName: "RotateSecret",
      caller,
      requestParameters: { secretId: secret.name, clientRequestToken: token },
      responseElements: { arn: secret.arn, name: secret.name, versionId: token },
    }),
  );
  ctx.emit(serviceEvent(ctx, "RotationStarted", secret));
  let next: string;
  try {
    next = rotator(current?.secretString);
  } catch (err) {
    ctx.emit(
      serviceEvent(
        ctx,
        "RotationFailed",
        secret,
        `Error when executing lambda rotation-lambda during createSecret step: ${(err as Error).message}`,
      ),
    );
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }
  writes.write(
    "PutSecretValue",
    { SecretId: secret.arn, SecretString: next, ClientRequestToken: token, VersionStages: ["AWSPENDING"] },
    ROTATION_LAMBDA,
  );
  const moveFrom = current ? { RemoveFromVersionId: current.versionId } : {};
  writes.write(
    "UpdateSecretVersionStage",
    { SecretId: secret.arn, VersionStage: "AWSCURRENT", MoveToVersionId: token, ...moveFrom },
    ROTATION_LAMBDA,
  );
  writes.removeLabel(secret, "AWSPENDING");
  ctx.emit(serviceEvent(ctx, "RotationSucceeded", secret));
  return { ARN: secret.arn, Name: secret.name, VersionId: token };
}
