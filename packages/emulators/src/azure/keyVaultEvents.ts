import { randomUUID } from "node:crypto";

/** A Key Vault change as Event Grid delivers it with the Event Grid schema. */
export interface EventGridSchemaEvent {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly dataVersion: string;
  readonly metadataVersion: string;
}

/** The same change with the CloudEvents 1.0 schema. */
export interface CloudEventSchemaEvent {
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly type: string;
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly specversion: "1.0";
}

/** Both schemas of one change: a subscription picks one; tests may feed either. */
export interface KeyVaultChangeEvent {
  readonly eventGrid: EventGridSchemaEvent;
  readonly cloudEvent: CloudEventSchemaEvent;
}

export interface KeyVaultEventInput {
  readonly type: "SecretNewVersionCreated" | "SecretNearExpiry" | "SecretExpired";
  readonly vaultUrl: string;
  readonly vaultName: string;
  readonly resourceId: string;
  readonly name: string;
  readonly version: string;
  readonly nbf?: number;
  readonly exp?: number;
  readonly time: Date;
}

/**
 * The event Key Vault publishes to its Event Grid system topic, in both schemas, with the data
 * as the wire has it (PascalCase keys, `NBF`/`EXP` as strings of epoch seconds; see
 * events/azure/ for the published samples it follows).
 */
export function keyVaultEvent(input: KeyVaultEventInput): KeyVaultChangeEvent {
  const data: Record<string, unknown> = {
    Id: `${input.vaultUrl}/secrets/${input.name}/${input.version}`,
    VaultName: input.vaultName,
    ObjectType: "Secret",
    ObjectName: input.name,
    Version: input.version,
    ...(input.nbf === undefined ? {} : { NBF: String(input.nbf) }),
    ...(input.exp === undefined ? {} : { EXP: String(input.exp) }),
  };
  const id = randomUUID();
  const type = `Microsoft.KeyVault.${input.type}`;
  const time = input.time.toISOString();
  return {
    eventGrid: {
      id,
      topic: input.resourceId,
      subject: input.name,
      eventType: type,
      eventTime: time,
      data,
      dataVersion: "1",
      metadataVersion: "1",
    },
    cloudEvent: { id, source: input.resourceId, subject: input.name, type, time, data, specversion: "1.0" },
  };
}
