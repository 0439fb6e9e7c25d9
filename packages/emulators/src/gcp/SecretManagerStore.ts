import { status } from "@grpc/grpc-js";
import { GrpcStatusError } from "./GrpcStatusError.ts";
import { parseSecretListFilter } from "./secretListFilter.ts";
import { buildNotification, type SecretEventType, type SecretManagerNotification } from "./secretManagerNotifications.ts";

export type VersionState = "ENABLED" | "DISABLED" | "DESTROYED";

interface StoredVersion {
  readonly number: number;
  state: VersionState;
  data: Buffer | undefined;
  readonly createTime: number;
  destroyTime?: number;
  scheduledDestroyTime?: number;
}

interface StoredSecret {
  readonly id: string;
  readonly createTime: number;
  readonly topics: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Delayed destruction: a destroy only disables and schedules (SECRET_VERSION_DESTROY_SCHEDULED). */
  readonly versionDestroyTtlSeconds?: number;
  readonly versions: StoredVersion[];
  etag: number;
}

export interface SecretManagerProject {
  readonly id: string;
  readonly number: string;
}

export interface StoreContext {
  readonly project: SecretManagerProject;
  now(): number;
  notify(notification: SecretManagerNotification): void;
}

export interface CreateSecretInput {
  readonly secretId: string;
  /** Topic names (`projects/{id}/topics/{t}`) the secret publishes its changes to. */
  readonly topics?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly versionDestroyTtlSeconds?: number;
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_PAGE = 25_000;

/**
 * Secret Manager's state for one project, with the service's rules: ids of `[A-Za-z0-9_-]{1,255}`,
 * version numbers counting from 1, `latest` = the newest version whatever its state, a DISABLED or
 * DESTROYED version refused with FAILED_PRECONDITION, DESTROYED final, names in responses carrying
 * the project NUMBER. Every write publishes its notification to each of the secret's topics.
 */
export class SecretManagerStore {
  readonly #ctx: StoreContext;
  readonly #secrets = new Map<string, StoredSecret>();
  #messageSeq = 0;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  createSecret(parent: string, input: CreateSecretInput, publish = true): Record<string, unknown> {
    this.#project(parent);
    if (!SECRET_ID.test(input.secretId))
      throw new GrpcStatusError(status.INVALID_ARGUMENT, `Secret id [${input.secretId}] must match [a-zA-Z0-9_-]{1,255}`);
    if (this.#secrets.has(input.secretId))
      throw new GrpcStatusError(status.ALREADY_EXISTS, `Secret [${this.#secretName(input.secretId)}] already exists.`);
    const secret: StoredSecret = {
      id: input.secretId,
      createTime: this.#ctx.now(),
      topics: [...(input.topics ?? [])],
      labels: { ...(input.labels ?? {}) },
      ...(input.versionDestroyTtlSeconds !== undefined ? { versionDestroyTtlSeconds: input.versionDestroyTtlSeconds } : {}),
      versions: [],
      etag: 1,
    };
    this.#secrets.set(secret.id, secret);
    if (publish) {
      // Sent to each topic before the operation is known to have succeeded (events.md §4.1).
      for (const topic of secret.topics) this.#ctx.notify(this.#notification(topic, "TOPIC_CONFIGURED", {}, undefined));
      this.#publish(secret, "SECRET_CREATE", undefined, this.#secretJson(secret));
    }
    return this.#secretProto(secret);
  }

  addSecretVersion(parent: string, data: Buffer, publish = true): Record<string, unknown> {
    const secret = this.#secret(parent);
    const version: StoredVersion = { number: secret.versions.length + 1, state: "ENABLED", data, createTime: this.#ctx.now() };
    secret.versions.push(version);
    secret.etag += 1;
    if (publish) this.#publish(secret, "SECRET_VERSION_ADD", version, this.#versionJson(secret, version));
    return this.#versionProto(secret, version);
  }

  getSecret(name: string): Record<string, unknown> {
    return this.#secretProto(this.#secret(name));
  }

  deleteSecret(name: string): void {
    const secret = this.#secret(name);
    this.#secrets.delete(secret.id);
    this.#publish(secret, "SECRET_DELETE", undefined, this.#secretJson(secret));
  }

  listSecrets(
    parent: string,
    pageSize: number,
    pageToken: string,
    filter: string,
  ): { secrets: unknown[]; nextPageToken: string; totalSize: number } {
    this.#project(parent);
    const matches = parseSecretListFilter(filter);
    const all = [...this.#secrets.values()].filter((s) => matches(this.#secretName(s.id))).sort((a, b) => (a.id < b.id ? -1 : 1));
    const start = pageToken === "" ? 0 : Number(Buffer.from(pageToken, "base64url").toString("utf8"));
    if (!Number.isInteger(start) || start < 0) throw new GrpcStatusError(status.INVALID_ARGUMENT, "Invalid page token.");
    const size = pageSize > 0 ? Math.min(pageSize, MAX_PAGE) : MAX_PAGE;
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString("base64url") : "";
    return { secrets: page.map((s) => this.#secretProto(s)), nextPageToken: next, totalSize: all.length };
  }

  getSecretVersion(name: string): Record<string, unknown> {
    const { secret, version } = this.#version(name);
    return this.#versionProto(secret, version);
  }

  accessSecretVersion(name: string): { name: string; payload: { data: Buffer } } {
    const { secret, version } = this.#version(name);
    if (version.state !== "ENABLED")
      throw new GrpcStatusError(
        status.FAILED_PRECONDITION,
        `Secret Version [${this.#versionName(secret, version)}] is in ${version.state} state.`,
      );
    return { name: this.#versionName(secret, version), payload: { data: version.data ?? Buffer.alloc(0) } };
  }

  setVersionState(name: string, target: "ENABLED" | "DISABLED"): Record<string, unknown> {
    const { secret, version } = this.#version(name);
    if (version.state === "DESTROYED")
      throw new GrpcStatusError(
        status.FAILED_PRECONDITION,
        `Secret Version [${this.#versionName(secret, version)}] is in DESTROYED state.`,
      );
    version.state = target;
    // Enabling is also how a scheduled destruction is cancelled.
    if (target === "ENABLED") delete version.scheduledDestroyTime;
    secret.etag += 1;
    this.#publish(
      secret,
      target === "ENABLED" ? "SECRET_VERSION_ENABLE" : "SECRET_VERSION_DISABLE",
      version,
      this.#versionJson(secret, version),
    );
    return this.#versionProto(secret, version);
  }

  destroySecretVersion(name: string): Record<string, unknown> {
    const { secret, version } = this.#version(name);
    if (version.state === "DESTROYED")
      throw new GrpcStatusError(
        status.FAILED_PRECONDITION,
        `Secret Version [${this.#versionName(secret, version)}] is in DESTROYED state.`,
      );
    secret.etag += 1;
    if (secret.versionDestroyTtlSeconds !== undefined) {
      version.state = "DISABLED";
      version.scheduledDestroyTime = this.#ctx.now() + secret.versionDestroyTtlSeconds * 1000;
      this.#publish(secret, "SECRET_VERSION_DESTROY_SCHEDULED", version, this.#versionJson(secret, version));
    } else {
      version.state = "DESTROYED";
      version.data = undefined;
      version.destroyTime = this.#ctx.now();
      this.#publish(secret, "SECRET_VERSION_DESTROY", version, this.#versionJson(secret, version));
    }
    return this.#versionProto(secret, version);
  }

  /** What Secret Manager does at a secret's `nextRotationTime`: a reminder, the value unchanged. */
  fireRotation(secretId: string): void {
    const secret = this.#secret(this.#secretName(secretId));
    this.#publish(secret, "SECRET_ROTATE", undefined, this.#secretJson(secret));
  }

  #project(parent: string): void {
    const match = /^projects\/([^/]+)$/.exec(parent);
    const project = match?.[1];
    if (project !== this.#ctx.project.id && project !== this.#ctx.project.number)
      throw new GrpcStatusError(status.PERMISSION_DENIED, `Permission denied on resource project ${project ?? parent}.`);
  }

  #secret(name: string): StoredSecret {
    const match = /^(projects\/[^/]+)\/secrets\/([^/]+)$/.exec(name);
    if (!match) throw new GrpcStatusError(status.INVALID_ARGUMENT, `Invalid resource field value in the request: ${name}`);
    this.#project(match[1] as string);
    const secret = this.#secrets.get(match[2] as string);
    if (!secret) throw new GrpcStatusError(status.NOT_FOUND, `Secret [${this.#secretName(match[2] as string)}] not found.`);
    return secret;
  }

  #version(name: string): { secret: StoredSecret; version: StoredVersion } {
    const match = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!match) throw new GrpcStatusError(status.INVALID_ARGUMENT, `Invalid resource field value in the request: ${name}`);
    let secret: StoredSecret;
    try {
      secret = this.#secret(match[1] as string);
    } catch (err) {
      if (err instanceof GrpcStatusError && err.code === status.NOT_FOUND)
        throw new GrpcStatusError(status.NOT_FOUND, `Secret [${match[1]}] not found or has no versions.`);
      throw err;
    }
    const ref = match[2] as string;
    const version = ref === "latest" ? secret.versions.at(-1) : secret.versions[Number(ref) - 1];
    if (!version || (ref !== "latest" && !/^\d+$/.test(ref)))
      throw new GrpcStatusError(
        status.NOT_FOUND,
        ref === "latest" ? `Secret [${match[1]}] not found or has no versions.` : `Secret Version [${name}] not found.`,
      );
    return { secret, version };
  }

  #publish(secret: StoredSecret, eventType: SecretEventType, version: StoredVersion | undefined, resource: unknown): void {
    const attributes: Record<string, string> = {
      dataFormat: "JSON_API_V1",
      secretId: this.#secretName(secret.id),
      timestamp: new Date(this.#ctx.now()).toISOString(),
      ...(version !== undefined ? { versionId: this.#versionName(secret, version) } : {}),
    };
    for (const topic of secret.topics) this.#ctx.notify(this.#notification(topic, eventType, attributes, resource));
  }

  #notification(
    topic: string,
    eventType: SecretEventType,
    attributes: Record<string, string>,
    resource: unknown,
  ): SecretManagerNotification {
    this.#messageSeq += 1;
    const messageId = String(4_000_000_000_000_000 + this.#messageSeq);
    return buildNotification(topic, eventType, attributes, resource, messageId, new Date(this.#ctx.now()).toISOString());
  }

  #secretName(id: string): string {
    return `projects/${this.#ctx.project.number}/secrets/${id}`;
  }

  #versionName(secret: StoredSecret, version: StoredVersion): string {
    return `${this.#secretName(secret.id)}/versions/${version.number}`;
  }

  #secretProto(s: StoredSecret): Record<string, unknown> {
    return {
      name: this.#secretName(s.id),
      replication: { automatic: {} },
      createTime: timestamp(s.createTime),
      labels: s.labels,
      topics: s.topics.map((name) => ({ name })),
      etag: `"${s.etag.toString(16)}"`,
      ...(s.versionDestroyTtlSeconds !== undefined ? { versionDestroyTtl: { seconds: String(s.versionDestroyTtlSeconds), nanos: 0 } } : {}),
    };
  }

  // proto3 JSON mapping: camelCase, RFC 3339 times, "…s" durations, enums by name.
  #secretJson(s: StoredSecret): Record<string, unknown> {
    return {
      name: this.#secretName(s.id),
      replication: { automatic: {} },
      createTime: new Date(s.createTime).toISOString(),
      ...(Object.keys(s.labels).length > 0 ? { labels: s.labels } : {}),
      ...(s.topics.length > 0 ? { topics: s.topics.map((name) => ({ name })) } : {}),
      etag: `"${s.etag.toString(16)}"`,
      ...(s.versionDestroyTtlSeconds !== undefined ? { versionDestroyTtl: `${s.versionDestroyTtlSeconds}s` } : {}),
    };
  }

  #versionProto(s: StoredSecret, v: StoredVersion): Record<string, unknown> {
    return {
      name: this.#versionName(s, v),
      createTime: timestamp(v.createTime),
      state: v.state,
      replicationStatus: { automatic: {} },
      etag: `"${s.etag.toString(16)}"`,
      ...(v.destroyTime !== undefined ? { destroyTime: timestamp(v.destroyTime) } : {}),
      ...(v.scheduledDestroyTime !== undefined ? { scheduledDestroyTime: timestamp(v.scheduledDestroyTime) } : {}),
    };
  }

  #versionJson(s: StoredSecret, v: StoredVersion): Record<string, unknown> {
    return {
      name: this.#versionName(s, v),
      createTime: new Date(v.createTime).toISOString(),
      state: v.state,
      replicationStatus: { automatic: {} },
      etag: `"${s.etag.toString(16)}"`,
      ...(v.destroyTime !== undefined ? { destroyTime: new Date(v.destroyTime).toISOString() } : {}),
      ...(v.scheduledDestroyTime !== undefined ? { scheduledDestroyTime: new Date(v.scheduledDestroyTime).toISOString() } : {}),
    };
  }
}

function timestamp(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
