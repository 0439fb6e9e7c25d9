import { randomUUID } from "node:crypto";
import {
  type AwsEmulatorContext,
  type CallerInfo,
  cloudTrailApiCallEvent,
  isoSeconds,
  nativeEvent,
  randomArnSuffix,
} from "./AwsEmulatorContext.ts";
import {
  AwsServiceError,
  optionalBoolean,
  optionalNumber,
  optionalObjectList,
  optionalString,
  optionalStringList,
  requireString,
  validationError,
} from "./AwsServiceError.ts";
import { decodePageToken, encodePageToken } from "./pageToken.ts";

type Json = Record<string, unknown>;

interface StoredVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: string; // base64, as the JSON protocol carries blobs
  readonly createdDate: number; // epoch ms
  readonly stages: Set<string>;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  description?: string;
  tags: { Key: string; Value: string }[];
  readonly createdDate: number;
  lastChangedDate: number;
  deletedDate?: number;
  readonly versions: Map<string, StoredVersion>;
}

export interface SeedSecretInput {
  readonly name: string;
  readonly secretString?: string;
  readonly secretBinary?: Uint8Array;
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

// Staging labels whose moves Secrets Manager does not announce with a native event.
const SILENT_LABELS = new Set(["AWSPREVIOUS", "AWSPENDING"]);
const BATCH_LIMIT = 20;
const LIST_LIMIT = 100;
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * A stateful Secrets Manager: the reads afsync makes (ListSecrets, BatchGetSecretValue,
 * GetSecretValue, DescribeSecret) and the writes tests drive, with the service's limits, error
 * types and staging-label rules. Every write emits the EventBridge events AWS would.
 */
export class SecretsManagerEmulator {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #ctx: AwsEmulatorContext;

  constructor(ctx: AwsEmulatorContext) {
    this.#ctx = ctx;
  }

  seed(input: SeedSecretInput): { arn: string; name: string; versionId: string } {
    const secret = this.#create(
      input.name,
      input.description,
      Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    );
    const value = input.secretBinary
      ? { secretBinary: Buffer.from(input.secretBinary).toString("base64") }
      : { secretString: input.secretString ?? "" };
    const versionId = this.#addVersion(secret, value, randomUUID(), ["AWSCURRENT"]);
    return { arn: secret.arn, name: secret.name, versionId };
  }

  handle(op: string, body: Json, caller: CallerInfo): unknown {
    switch (op) {
      case "ListSecrets":
        return this.#listSecrets(body);
      case "BatchGetSecretValue":
        return this.#batchGet(body);
      case "GetSecretValue":
        return this.#getSecretValue(body);
      case "DescribeSecret":
        return this.#describe(this.#find(requireString(body, "SecretId"), { allowDeleted: true }));
      case "CreateSecret":
      case "PutSecretValue":
      case "UpdateSecret":
      case "UpdateSecretVersionStage":
      case "DeleteSecret":
      case "RestoreSecret":
      case "TagResource":
      case "UntagResource":
        return this.#write(op, body, caller);
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
    const secret = typeof id === "string" ? this.#lookup(id) : undefined;
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
      const secret = this.#create(name, description, tags);
      const versionId = value ? this.#addVersion(secret, value, token ?? randomUUID(), ["AWSCURRENT"]) : undefined;
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
      const secret = this.#find(secretId, { allowDeleted: true });
      delete secret.deletedDate;
      return { response: { ARN: secret.arn, Name: secret.name }, requestParameters: { secretId }, secret };
    }
    const secret = this.#find(secretId);
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
      if (force) this.#secrets.delete(secret.name);
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
      const versionId = value ? this.#addVersion(secret, value, token ?? randomUUID(), ["AWSCURRENT"]) : undefined;
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
    const versionId = this.#addVersion(secret, value, token ?? randomUUID(), stages);
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
      if (stage === "AWSCURRENT" && holder && holder.versionId !== moveTo) this.#moveLabel(secret, "AWSPREVIOUS", holder);
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

  #moveLabel(secret: StoredSecret, label: string, to: StoredVersion): void {
    for (const v of secret.versions.values()) v.stages.delete(label);
    to.stages.add(label);
  }

  #create(name: string, description: string | undefined, tags: { Key: string; Value: string }[]): StoredSecret {
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
      throw validationError(
        `Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9/_+=.@-]+$`,
      );
    }
    const existing = this.#secrets.get(name);
    if (existing?.deletedDate !== undefined) {
      throw new AwsServiceError(
        "InvalidRequestException",
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing) throw new AwsServiceError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    const now = this.#ctx.now();
    const secret: StoredSecret = {
      name,
      arn: `arn:aws:secretsmanager:${this.#ctx.region}:${this.#ctx.accountId}:secret:${name}-${randomArnSuffix()}`,
      tags,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
      ...(description !== undefined ? { description } : {}),
    };
    this.#secrets.set(name, secret);
    return secret;
  }

  #addVersion(secret: StoredSecret, value: { secretString?: string; secretBinary?: string }, versionId: string, stages: string[]): string {
    const existing = secret.versions.get(versionId);
    if (existing) {
      // ClientRequestToken makes the write idempotent, but only for the same value.
      if (existing.secretString !== value.secretString || existing.secretBinary !== value.secretBinary) {
        throw new AwsServiceError(
          "ResourceExistsException",
          `A version with VersionId ${versionId} already exists with a different value.`,
        );
      }
      return versionId;
    }
    const version: StoredVersion = { versionId, createdDate: this.#ctx.now(), stages: new Set(), ...value };
    const currentHolder = [...secret.versions.values()].find((v) => v.stages.has("AWSCURRENT"));
    secret.versions.set(versionId, version);
    for (const stage of stages) this.#moveLabel(secret, stage, version);
    if (stages.includes("AWSCURRENT") && currentHolder) this.#moveLabel(secret, "AWSPREVIOUS", currentHolder);
    secret.lastChangedDate = this.#ctx.now();
    return versionId;
  }

  /** A secret by name, full ARN or partial ARN (the ARN without its random suffix). */
  #lookup(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith("arn:")) return this.#secrets.get(secretId);
    for (const secret of this.#secrets.values()) {
      if (secret.arn === secretId || secret.arn.replace(ARN_SUFFIX, "") === secretId) return secret;
    }
    return undefined;
  }

  #find(secretId: string, options?: { allowDeleted?: boolean }): StoredSecret {
    const secret = this.#lookup(secretId);
    if (!secret) throw new AwsServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    if (secret.deletedDate !== undefined && !options?.allowDeleted) {
      throw new AwsServiceError(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  #valueOf(secret: StoredSecret, versionId?: string, stage?: string): Json {
    const version = versionId
      ? secret.versions.get(versionId)
      : [...secret.versions.values()].find((v) => v.stages.has(stage ?? "AWSCURRENT"));
    if (!version || (versionId && stage && !version.stages.has(stage))) {
      throw new AwsServiceError(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label or version.",
      );
    }
    const out: Json = {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate / 1000,
    };
    if (version.secretString !== undefined) out.SecretString = version.secretString;
    if (version.secretBinary !== undefined) out.SecretBinary = version.secretBinary;
    return out;
  }

  #getSecretValue(body: Json): Json {
    const secret = this.#find(requireString(body, "SecretId"));
    return this.#valueOf(secret, optionalString(body, "VersionId"), optionalString(body, "VersionStage"));
  }

  #batchGet(body: Json): Json {
    const ids = optionalStringList(body, "SecretIdList");
    const filters = optionalObjectList(body, "Filters");
    if (ids && filters)
      throw new AwsServiceError("InvalidParameterException", "Either SecretIdList or Filters must be specified, but not both.");
    if (ids) {
      if (body.MaxResults !== undefined)
        throw new AwsServiceError("InvalidParameterException", "MaxResults can only be used with Filters.");
      if (ids.length < 1 || ids.length > BATCH_LIMIT) {
        throw validationError(
          `Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to ${BATCH_LIMIT}`,
        );
      }
      const values: Json[] = [];
      const errors: Json[] = [];
      for (const id of ids) {
        try {
          values.push(this.#valueOf(this.#find(id)));
        } catch (err) {
          if (!(err instanceof AwsServiceError)) throw err;
          errors.push({ SecretId: id, ErrorCode: err.type, Message: err.message });
        }
      }
      return { SecretValues: values, Errors: errors };
    }
    if (!filters) throw new AwsServiceError("InvalidParameterException", "Either SecretIdList or Filters must be specified.");
    const max = optionalNumber(body, "MaxResults") ?? BATCH_LIMIT;
    if (max < 1 || max > BATCH_LIMIT)
      throw validationError(
        `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${BATCH_LIMIT}`,
      );
    const { page, next } = this.#page(this.#filtered(filters, false), body, max, "batch");
    return { SecretValues: page.map((s) => this.#valueOf(s)), Errors: [], ...(next ? { NextToken: next } : {}) };
  }

  #listSecrets(body: Json): Json {
    const max = optionalNumber(body, "MaxResults") ?? LIST_LIMIT;
    if (max < 1 || max > LIST_LIMIT)
      throw validationError(
        `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${LIST_LIMIT}`,
      );
    const includeDeleted = optionalBoolean(body, "IncludePlannedDeletion") ?? false;
    const { page, next } = this.#page(this.#filtered(optionalObjectList(body, "Filters") ?? [], includeDeleted), body, max, "list");
    return { SecretList: page.map((s) => this.#describe(s)), ...(next ? { NextToken: next } : {}) };
  }

  #page(all: StoredSecret[], body: Json, max: number, kind: string): { page: StoredSecret[]; next?: string } {
    const token = optionalString(body, "NextToken");
    const offset = token === undefined ? 0 : decodePageToken(token, kind, "InvalidNextTokenException");
    const page = all.slice(offset, offset + max);
    const nextOffset = offset + page.length;
    return nextOffset < all.length ? { page, next: encodePageToken(kind, nextOffset) } : { page };
  }

  #filtered(filters: Json[], includeDeleted: boolean): StoredSecret[] {
    const tests = filters.map((f) => {
      const key = String(f.Key);
      const values = Array.isArray(f.Values) ? f.Values.map(String) : [];
      if (!["name", "description", "tag-key", "tag-value", "all", "primary-region", "owning-service"].includes(key)) {
        throw validationError(`Value '${key}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set`);
      }
      return (s: StoredSecret) =>
        values.some((raw) => {
          const negate = raw.startsWith("!");
          const prefix = negate ? raw.slice(1) : raw;
          const fields =
            key === "name"
              ? [s.name]
              : key === "description"
                ? [s.description ?? ""]
                : key === "tag-key"
                  ? s.tags.map((t) => t.Key)
                  : key === "tag-value"
                    ? s.tags.map((t) => t.Value)
                    : key === "all"
                      ? [s.name, s.description ?? "", ...s.tags.flatMap((t) => [t.Key, t.Value])]
                      : [];
          // Name filters are prefix matches (case-sensitive); a leading "!" negates.
          const hit = fields.some((f) => f.startsWith(prefix));
          return negate ? !hit : hit;
        });
    });
    return [...this.#secrets.values()].filter((s) => (includeDeleted || s.deletedDate === undefined) && tests.every((t) => t(s)));
  }

  #describe(secret: StoredSecret): Json {
    const stages: Record<string, string[]> = {};
    for (const v of secret.versions.values()) if (v.stages.size > 0) stages[v.versionId] = [...v.stages];
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      CreatedDate: secret.createdDate / 1000,
      LastChangedDate: secret.lastChangedDate / 1000,
      ...(secret.deletedDate !== undefined ? { DeletedDate: secret.deletedDate / 1000 } : {}),
      Tags: secret.tags,
      SecretVersionsToStages: stages,
    };
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
