import { randomUUID } from "node:crypto";

/** A Vault event as the events WebSocket sends it with `json=true` (the CloudEvents-like envelope). */
export interface VaultEventEnvelope {
  readonly id: string;
  readonly source: string;
  readonly specversion: "1.0";
  readonly type: "*";
  readonly data: {
    readonly event: { readonly id: string; readonly metadata: Readonly<Record<string, string>> };
    readonly event_type: string;
    readonly plugin_info: Readonly<Record<string, string>>;
    readonly namespace?: string;
  };
  /** Sic: Vault spells it without the second "t". */
  readonly datacontentype: "application/cloudevents";
  readonly time: string;
}

export interface KvEventInput {
  readonly namespace: string;
  readonly eventType: string;
  readonly operation: string;
  /** The API path with the mount (`secret/data/foo`, `secret/destroy/foo`), as Vault 1.15+ sends it. */
  readonly path: string;
  readonly extra: Readonly<Record<string, string>>;
  readonly mountPath: string;
  readonly mountAccessor: string;
  readonly kvVersion: 1 | 2;
  readonly time: string;
}

/** The event vault-plugin-secrets-kv emits for a change: every metadata value a string, the namespace as `ns1/`. */
export function kvEventEnvelope(input: KvEventInput): VaultEventEnvelope {
  const id = randomUUID();
  return {
    id,
    source: "vault://emulator",
    specversion: "1.0",
    type: "*",
    data: {
      event: { id, metadata: { ...input.extra, modified: "true", operation: input.operation, path: input.path } },
      event_type: input.eventType,
      plugin_info: {
        mount_class: "secret",
        mount_accessor: input.mountAccessor,
        mount_path: input.mountPath,
        plugin: "kv",
        version: String(input.kvVersion),
      },
      ...(input.namespace !== "" ? { namespace: `${input.namespace}/` } : {}),
    },
    datacontentype: "application/cloudevents",
    time: input.time,
  };
}
