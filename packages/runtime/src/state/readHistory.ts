import { resolve } from "node:path";
import { ConfigError, type HistoryEntry, type HistoryQuery } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";

/**
 * `afsync history`'s read: the history table of the config's SQLite state, opened read-only
 * (nothing else of the runtime is built, so no source or target credential is needed). Only the
 * SQLite store keeps a history: with `state: memory` nothing outlives the run, and with `state:
 * target` the targets' manifests hold only the current records; both are refused plainly.
 */
export async function readHistory(config: AfsyncConfig, configDir: string, query: HistoryQuery): Promise<HistoryEntry[]> {
  if (config.state.type !== "sqlite") {
    throw new ConfigError(
      "state.type",
      `is  ${config.state.type}: afsync keeps a history only in its SQLite state (state: { type: sqlite }); the ${config.state.type === "target" ? "targets' manifests hold only what afsync owns now" : "memory state ends with the run"}`,
    );
  }
  const { SqliteStateStore } = await import("./SqliteStateStore.ts");
  const store = SqliteStateStore.openReadOnly(resolve(configDir, config.state.path));
  if (store === null) return []; // no sync has run yet
  try {
    return await store.readHistory(query);
  } finally {
    await store.close();
  }
}
