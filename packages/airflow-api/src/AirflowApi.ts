/**
 * What the target needs from one Airflow REST API version. `/api/v1` (Airflow 2) writes one
 * entity per call; `/api/v2` (Airflow 3) writes a batch per call through the bulk endpoints.
 * Both answer per item, so a partial failure is reported key by key.
 */
import type { ConnectionBody } from "./connectionBody.ts";

export interface VariableWrite {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  /** Strings to mask if the server echoes them in an error (the value itself). */
  readonly secrets: readonly string[];
}

export interface ConnectionWrite {
  readonly body: ConnectionBody;
  readonly secrets: readonly string[];
}

/** The outcome for one connection id or variable key. `error` is the server's message, scrubbed. */
export interface ItemResult {
  readonly id: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** A variables listing: every key, and the values it kept. */
export interface ListedVariables {
  readonly keys: readonly string[];
  /** By key, where the list carries values (v2, redacted where sensitive) and `keepValue` kept them; v1 lists omit them. */
  readonly values: ReadonlyMap<string, string>;
}

/**
 * A listing's items as `ListedVariables`: a key whose value is kept comes with it, any other as
 * its bare string, so a walk of 10,000 variables (held until its last page) holds no object per key.
 */
export function listedVariables(items: readonly (string | { readonly key: string; readonly value: string })[]): ListedVariables {
  const keys: string[] = [];
  const values = new Map<string, string>();
  for (const item of items) {
    if (typeof item === "string") {
      keys.push(item);
    } else {
      keys.push(item.key);
      values.set(item.key, item.value);
    }
  }
  return { keys, values };
}

export interface AirflowApi {
  readonly version: 1 | 2;
  /** Most entities one write call carries. */
  readonly maxBatch: number;
  /** Every connection id, each passed through `intern` (the run's copy of the string) as its page lands. */
  listConnectionIds(intern?: (id: string) => string): Promise<string[]>;
  /**
   * Every variable's key; its value too where the list carries values (v2) and `keepValue` (by
   * default every key) wants it: a target read keeps only its manifest variables' values, not
   * every variable's, while the pages of 10,000 variables arrive. Each key goes through `intern`.
   */
  listVariables(keepValue?: (key: string) => boolean, intern?: (key: string) => string): Promise<ListedVariables>;
  /** A variable's value, or null when it does not exist. */
  getVariable(key: string): Promise<string | null>;
  /**
   * `known(id)` says whether the last read saw the entity (`undefined`: not read). v1 uses it to
   * pick the first call of an upsert (POST for a new id, PATCH for an existing one), halving the
   * calls of a first sync; the other call stays as the fallback, so a stale hint costs one call.
   */
  writeConnections(
    upserts: readonly ConnectionWrite[],
    deletes: readonly string[],
    known?: (id: string) => boolean | undefined,
  ): Promise<ItemResult[]>;
  writeVariables(
    upserts: readonly VariableWrite[],
    deletes: readonly string[],
    known?: (id: string) => boolean | undefined,
  ): Promise<ItemResult[]>;
  /**
   * A connection created only when its id is free (`exists` on 409): the one conditional write
   * both API versions have (v1's variable POST is an upsert), which the manifest's fold lock uses.
   */
  createConnectionIfAbsent(id: string, description: string): Promise<"created" | "exists">;
  /** A connection's description, or null when there is no such connection. */
  getConnectionDescription(id: string): Promise<string | null>;
  /** Deletes a connection; one already gone counts as done. */
  deleteConnection(id: string): Promise<void>;
}
