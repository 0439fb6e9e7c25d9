import { type AwsEmulatorContext, randomArnSuffix } from "./AwsEmulatorContext.ts";
import { AwsServiceError, validationError } from "./AwsServiceError.ts";

type Json = Record<string, unknown>;

export interface StoredVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: string; // base64, as the JSON protocol carries blobs
  readonly createdDate: number; // epoch ms
  readonly stages: Set<string>;
}

export interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  description?: string;
  tags: { Key: string; Value: string }[];
  readonly createdDate: number;
  lastChangedDate: number;
  deletedDate?: number;
  readonly versions: Map<string, StoredVersion>;
}

const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * The emulated Secrets Manager's state: secrets, their versions and staging labels, with the
 * service's rules for names, ARNs (name + random 6-character suffix), ids (name, full or partial
 * ARN), label moves and ListSecrets filters. Operations live in SecretsManagerEmulator.
 */
export class SecretStore {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #ctx: AwsEmulatorContext;

  constructor(ctx: AwsEmulatorContext) {
    this.#ctx = ctx;
  }

  remove(name: string): void {
    this.#secrets.delete(name);
  }

  create(name: string, description: string | undefined, tags: { Key: string; Value: string }[]): StoredSecret {
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

  addVersion(secret: StoredSecret, value: { secretString?: string; secretBinary?: string }, versionId: string, stages: string[]): string {
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
    for (const stage of stages) this.moveLabel(secret, stage, version);
    if (stages.includes("AWSCURRENT") && currentHolder) this.moveLabel(secret, "AWSPREVIOUS", currentHolder);
    secret.lastChangedDate = this.#ctx.now();
    return versionId;
  }

  moveLabel(secret: StoredSecret, label: string, to: StoredVersion): void {
    for (const v of secret.versions.values()) v.stages.delete(label);
    to.stages.add(label);
  }

  /** A secret by name, full ARN or partial ARN (the ARN without its random suffix). */
  lookup(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith("arn:")) return this.#secrets.get(secretId);
    for (const secret of this.#secrets.values()) {
      if (secret.arn === secretId || secret.arn.replace(ARN_SUFFIX, "") === secretId) return secret;
    }
    return undefined;
  }

  find(secretId: string, options?: { allowDeleted?: boolean }): StoredSecret {
    const secret = this.lookup(secretId);
    if (!secret) throw new AwsServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    if (secret.deletedDate !== undefined && !options?.allowDeleted) {
      throw new AwsServiceError(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  valueOf(secret: StoredSecret, versionId?: string, stage?: string): Json {
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

  describe(secret: StoredSecret): Json {
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

  filtered(filters: Json[], includeDeleted: boolean): StoredSecret[] {
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
}
