import { randomUUID } from "node:crypto";
import { type AwsEmulatorContext, type CallerInfo, cloudTrailApiCallEvent, isoSeconds, nativeEvent } from "./AwsEmulatorContext.ts";
import {
  AwsServiceError,
  optionalBoolean,
  optionalNumber,
  optionalObjectList,
  optionalString,
  optionalStringList,
  requireString,
} from "./AwsServiceError.ts";
import { SecretStore, type StoredSecret } from "./SecretStore.ts";
import { type Rotator, rotateSecret } from "./secretRotation.ts";
import { batchGetSecretValue, getSecretValue, listSecrets } from "./secretsManagerReads.ts";

type Json = Record<string, unknown>;

export interface SeedSecretInput {
  readonly name: string;
  readonly secretString?: string;
  readonly secretBinary?: Uint8Array;
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

// Staging labels whose moves Secrets Manager does not announce with a native event.
const SILENT_LABELS = new Set(["AWSPREVIOUS", "AWSPENDING"]);

/**
 * A stateful Secrets Manager: the reads afsync makes (ListSecrets, BatchGetSecretValue,
 * GetSecretValue, DescribeSecret) and the writes tests drive, with the service's limits, error
 * types and staging-label rules. Every write emits the EventBridge events AWS would.
 */
export class SecretsManagerEmulator {
  readonly #store: SecretStore;
  readonly #ctx: AwsEmulatorContext;
  readonly #rotators = new Map<string, Rotator>();

  constructor(ctx: AwsEmulatorContext) {
    this.#ctx = ctx;
    this.#store = new SecretStore(ctx);
  }

  seed(input: SeedSecretInput): { arn: string; name: string; versionId: string } {
    const secret = this.#store.create(
      input.name,
      input.description,
      Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    );
    const value = input.secretBinary
      ? { secretBinary: Buffer.from(input.secretBinary).toString("base64") }
      : { secretString: input.secretString ?? "" };
    const versionId = this.#store.addVersion(secret, value, randomUUID(), ["AWSCURRENT"]);
    return { arn: secret.arn, name: secret.name, versionId };
  }

  /** Makes RotateSecret work for a secret: `rotator` plays the rotation Lambda. */
  setRotation(name: string, rotator: Rotator): void {
    this.#rotators.set(name, rotator);
  }

  handle(op: string, body: Json, caller: CallerInfo): unknown {
    switch (op) {
      case "ListSecrets":
        return listSecrets(this.#store, body);
      case "BatchGetSecretValue":
        return batchGetSecretValue(this.#store, body);
      case "GetSecretValue":
        return getSecretValue(this.#store, body);
      case "DescribeSecret":
        return this.#store.describe(this.#store.find(requireString(body, "SecretId"), { allowDeleted: true }));
      case "CreateSecret":
      case "PutSecretValue":
      case "UpdateSecret":
      case "UpdateSecretVersionStage":
      case "DeleteSecret":
      case "RestoreSecret":
      case "TagResource":
      case "UntagResource":
        return this.#write(op, body, caller);
      case "RotateSecret": {
        const secret = this.#store.find(requireString(body, "SecretId"));
        return rotateSecret(this.#ctx, secret, this.#rotators.get(secret.name), caller, {
          write: (writeOp, writeBody, writeCaller) => this.#write(writeOp, writeBody, writeCaller),
          removeLabel: (s, label) => {
            for (const v of s.versions.values()) v.stages.delete(label);
          },
        });
      }
      default:
        throw new AwsServiceError("UnknownOperationException", `Operation secretsmanager.${op} is not supported by the emulator`);
    }
  }

  #write(op: string, body: Json, caller: CallerInfo): unknown {
    const before = this.#labelHolders(op === "CreateSecret" ? undefined : body);
    const { response, requestParameters, secret } = this.#applyWrite(op, body);
    this.#ctx.emit(
      cloudTrailApiCallEvent(this.#ctx, {
        source: "aws.secretsmanager",
        eventSource: "secretsmanager.amazonaws.com",
        eventName: op,
        caller,
        requestParameters,
        responseElements: this.#cloudTrailResponse(op, secret, response),
      }),
    );
    // Native "Secret Label Updated": one per label (other than AWSPREVIOUS/AWSPENDING) that moved.
    for (const version of secret.versions.values()) {
      for (const label of version.stages) {
        if (SILENT_LABELS.has(label) || before.get(label) === version.versionId) continue;
        this.#ctx.emit(
          nativeEvent(this.#ctx, "aws.secretsmanager", "Secret Label Updated", [secret.arn], {
            name: secret.name,
            labelUpdated: label,
            versionId: version.versionId,
          }),
        );
      }
    }
    return response;
  }

  /** What CloudTrail records as `responseElements`: the ARN (today's `arn`), never a value; null for tag calls. */
  #cloudTrailResponse(op: string, secret: StoredSecret, response: Json): Json | null {
    if (op === "TagResource" || op === "UntagResource") return null;
    if (op === "DeleteSecret")
      return { name: secret.name, deletionDate: isoSeconds(Number(response.DeletionDate) * 1000), arn: secret.arn };
    if (op === "RestoreSecret" || op === "UpdateSecretVersionStage") return { arn: secret.arn, name: secret.name };
    return { arn: secret.arn };
  }

  #labelHolders(body: Json | undefined): Map<string, string> {
    const holders = new Map<string, string>();
    const id = body?.SecretId;
    const secret = typeof id === "string" ? this.#store.lookup(id) : undefined;
    for (const version of secret?.versions.values() ?? []) for (const label of version.stages) holders.set(label, version.versionId);
    return holders;
  }

  #applyWrite(op: string, body: Json): { response: Json; requestParameters: Json; secret: StoredSecret } {
    const token = optionalString(body, "ClientRequestToken");
    const value = secretValueOf(body);
    if (op === "CreateSecret") {
      const name = requireString(body, "Name");
      const description = optionalString(body, "Description");
      const tags = (optionalObjectList(body, "Tags") ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value) }));
      const secret = this.#store.create(name, description, tags);
      const versionId = value ? this.#store.addVersion(secret, value, token ?? randomUUID(), ["AWSCURRENT"]) : undefined;
      // CloudTrail never records SecretString/SecretBinary.
      const requestParameters: Json = { name, clientRequestToken: token ?? versionId ?? null };
      if (description !== undefined) requestParameters.description = description;
      return {
        response: { ARN: secret.arn, Name: secret.name, ...(versionId ? { VersionId: versionId } : {}) },
        requestParameters,
        secret,
      };
    }
    const secretId = requireString(body, "SecretId");
    if (op === "RestoreSecret") {
      const secret = this.#store.find(secretId, { allowDeleted: true });
      delete secret.deletedDate;
      return { response: { ARN: secret.arn, Name: secret.name }, requestParameters: { secretId }, secret };
    }
    const secret = this.#store.find(secretId);
    if (op === "DeleteSecret") {
      const force = optionalBoolean(body, "ForceDeleteWithoutRecovery") ?? false;
      const window = optionalNumber(body, "RecoveryWindowInDays");
      if (force && window !== undefined) {
        throw new AwsServiceError(
          "InvalidParameterException",
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        );
      }
      const days = window ?? 30;
      if (!force && (days < 7 || days > 30))
        throw new AwsServiceError("InvalidParameterException", "RecoveryWindowInDays must be between 7 and 30 days.");
      if (force) this.#store.remove(secret.name);
      else secret.deletedDate = this.#ctx.now();
      const deletionDate = (this.#ctx.now() + (force ? 0 : days * 86_400_000)) / 1000;
      return {
        response: { ARN: secret.arn, Name: secret.name, DeletionDate: deletionDate },
        requestParameters: force ? { secretId, forceDeleteWithoutRecovery: true } : { secretId, recoveryWindowInDays: days },
        secret,
      };
    }
    if (op === "UpdateSecretVersionStage") return this.#moveStage(secret, body, secretId);
    if (op === "TagResource" || op === "UntagResource") return this.#tag(op, secret, body, secretId);
    if (op === "UpdateSecret") {
      const description = optionalString(body, "Description");
      if (description !== undefined) secret.description = description;
      const versionId = value ? this.#store.addVersion(secret, value, token ?? randomUUID(), ["AWSCURRENT"]) : undefined;
      secret.lastChangedDate = this.#ctx.now();
      return {
        response: { ARN: secret.arn, Name: secret.name, ...(versionId ? { VersionId: versionId } : {}) },
        requestParameters: { secretId, ...(versionId ? { clientRequestToken: versionId } : {}) },
        secret,
      };
    }
    // PutSecretValue
    if (!value) throw new AwsServiceError("InvalidRequestException", "You must provide either SecretString or SecretBinary.");
    const stages = optionalStringList(body, "VersionStages") ?? ["AWSCURRENT"];
    const versionId = this.#store.addVersion(secret, value, token ?? randomUUID(), stages);
    const response = { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: stages };
    return {
      response,
      requestParameters: { secretId, clientRequestToken: versionId, ...(body.VersionStages ? { versionStages: stages } : {}) },
      secret,
    };
  }

  #moveStage(secret: StoredSecret, body: Json, secretId: string): { response: Json; requestParameters: Json; secret: StoredSecret } {
    const stage = requireString(body, "VersionStage");
    const moveTo = optionalString(body, "MoveToVersionId");
    const removeFrom = optionalString(body, "RemoveFromVersionId");
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (moveTo !== undefined && !secret.versions.has(moveTo))
      throw new AwsServiceError("ResourceNotFoundException", `Version ${moveTo} not found.`);
    if (holder && moveTo !== undefined && holder.versionId !== moveTo && removeFrom !== holder.versionId) {
      throw new AwsServiceError(
        "InvalidParameterException",
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    if (removeFrom !== undefined) {
      if (holder?.versionId !== removeFrom)
        throw new AwsServiceError("InvalidParameterException", `Staging label ${stage} is not attached to version ${removeFrom}.`);
      holder.stages.delete(stage);
    }
    if (moveTo !== undefined) {
      if (stage === "AWSCURRENT" && holder && holder.versionId !== moveTo) this.#store.moveLabel(secret, "AWSPREVIOUS", holder);
      const target = secret.versions.get(moveTo);
      target?.stages.add(stage);
    }
    secret.lastChangedDate = this.#ctx.now();
    const requestParameters: Json = { secretId, versionStage: stage };
    if (moveTo !== undefined) requestParameters.moveToVersionId = moveTo;
    if (removeFrom !== undefined) requestParameters.removeFromVersionId = removeFrom;
    return { response: { ARN: secret.arn, Name: secret.name }, requestParameters, secret };
  }

  #tag(op: string, secret: StoredSecret, body: Json, secretId: string): { response: Json; requestParameters: Json; secret: StoredSecret } {
    if (op === "TagResource") {
      const tags = (optionalObjectList(body, "Tags") ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value) }));
      secret.tags = [...secret.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags];
      return { response: {}, requestParameters: { secretId, tags }, secret };
    }
    const keys = optionalStringList(body, "TagKeys") ?? [];
    secret.tags = secret.tags.filter((t) => !keys.includes(t.Key));
    return { response: {}, requestParameters: { secretId, tagKeys: keys }, secret };
  }
}

function secretValueOf(body: Json): { secretString?: string; secretBinary?: string } | undefined {
  const secretString = optionalString(body, "SecretString");
  const secretBinary = optionalString(body, "SecretBinary");
  if (secretString !== undefined && secretBinary !== undefined) {
    throw new AwsServiceError(
      "InvalidParameterException",
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (secretString !== undefined) return { secretString };
  if (secretBinary !== undefined) return { secretBinary };
  return undefined;
}
