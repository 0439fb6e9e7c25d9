/** The kinds of change a secrets manager can make to a secret that matter to Airflow. */
export type ChangeKind = "create" | "new value" | "delete" | "restore" | "disable";

export const CHANGE_KINDS: readonly ChangeKind[] = ["create", "new value", "delete", "restore", "disable"];

/**
 * Which changes a source's provider announces (so afsync can act on them within seconds) and
 * which only afsync's scheduled reconciliation finds, bounded by its interval.
 */
export interface EventCoverage {
  readonly source: string;
  readonly provider: string;
  /** How the provider announces changes, in words; `none` when it does not. */
  readonly transport: string;
  readonly announced: readonly ChangeKind[];
  /** Changes the provider never announces: only the reconciliation finds them. */
  readonly reconciliationOnly: readonly ChangeKind[];
  /** Changes the provider has no such concept of (Secrets Manager has no disable). */
  readonly notApplicable: readonly ChangeKind[];
  readonly reconcileEveryMs: number;
  /** A caveat in words (best-effort delivery, Enterprise only…); the reconciliation still bounds it. */
  readonly note?: string;
}

interface ProviderEvents {
  readonly transport: string;
  readonly announced: readonly ChangeKind[];
  readonly notApplicable: readonly ChangeKind[];
  readonly note?: string;
}

/**
 * What each provider announces, from docs/reference/events.md (section 0, "Summary matrix"). A
 * provider missing here announces nothing afsync listens to: everything is reconciliation.
 */
const PROVIDER_EVENTS: Readonly<Record<string, ProviderEvents>> = {
  "aws-secrets-manager": {
    transport: "EventBridge (CloudTrail API calls and the native Secret Label Updated event)",
    announced: ["create", "new value", "delete", "restore"],
    notApplicable: ["disable"],
    note: "CloudTrail-derived events reach EventBridge on a best-effort basis; the reconciliation catches a lost one",
  },
  "aws-ssm": {
    transport: "EventBridge (Parameter Store Change)",
    announced: ["create", "new value", "delete"],
    notApplicable: ["restore", "disable"],
  },
  "azure-key-vault": {
    transport: "Event Grid (SecretNewVersionCreated)",
    announced: ["create", "new value"],
    notApplicable: [],
    note: "Key Vault sends no event for deletes, recoveries or disables",
  },
  "gcp-secret-manager": {
    transport: "Pub/Sub topics on the secret",
    announced: ["create", "new value", "delete", "restore", "disable"],
    notApplicable: [],
    note: "only for secrets whose topics are set; SECRET_ROTATE is a reminder, not a new value",
  },
  local: {
    transport: "file watch (afsync serve)",
    announced: ["create", "new value", "delete"],
    notApplicable: ["restore", "disable"],
  },
};

/** Vault announces KV changes only with Enterprise event notifications, and only when the source subscribes. */
const VAULT_EVENTS: ProviderEvents = {
  transport: "event notifications over a WebSocket (Vault Enterprise 1.16+)",
  announced: ["create", "new value", "delete", "restore"],
  notApplicable: ["disable"],
  note: "best effort and never replayed: afsync reconciles after every reconnect",
};

/**
 * The event coverage of one source. `changeEvents` is whether the source subscribes to a push
 * stream where that is optional (Vault: `events: websocket`); `undefined` means the provider's
 * own events are the only path (the cloud ones are routed by the deployment, not the source).
 */
export function eventCoverage(
  source: { readonly id: string; readonly provider: string; readonly changeEvents?: { readonly enabled: boolean } },
  reconcileEveryMs: number,
): EventCoverage {
  const facts = providerEvents(source.provider, source.changeEvents?.enabled);
  return {
    source: source.id,
    provider: source.provider,
    transport: facts.transport,
    announced: facts.announced,
    reconciliationOnly: CHANGE_KINDS.filter((k) => !facts.announced.includes(k) && !facts.notApplicable.includes(k)),
    notApplicable: facts.notApplicable,
    reconcileEveryMs,
    ...(facts.note === undefined ? {} : { note: facts.note }),
  };
}

function providerEvents(provider: string, changeEventsEnabled: boolean | undefined): ProviderEvents {
  if (provider === "vault") {
    if (changeEventsEnabled === true) return VAULT_EVENTS;
    return {
      transport: "none",
      announced: [],
      notApplicable: ["disable"],
      note: "Vault Community sends no events, and event notifications (Enterprise) are off for this source",
    };
  }
  return PROVIDER_EVENTS[provider] ?? { transport: "none", announced: [], notApplicable: [] };
}
