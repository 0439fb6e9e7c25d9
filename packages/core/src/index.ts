// The stable surface of @afsync/core: the model, the ports and the errors. Formats, the engine
// and config are imported by subpath (`@afsync/core/formats/connectionUri`, …), one concept per file.
export * from "./errors.ts";
export * from "./model/AirflowKey.ts";
export * from "./model/AirflowValue.ts";
export * from "./model/ChangeHint.ts";
export * from "./model/Connection.ts";
export * from "./model/HistoryEntry.ts";
export * from "./model/ResolvedHint.ts";
export * from "./model/SourceVersion.ts";
export * from "./model/StateRecord.ts";
export * from "./model/VersionPin.ts";
export * from "./ports/Clock.ts";
export * from "./ports/DeploymentTarget.ts";
export * from "./ports/EventParser.ts";
export * from "./ports/Hasher.ts";
export * from "./ports/Logger.ts";
export * from "./ports/RunLock.ts";
export * from "./ports/SecretSource.ts";
export * from "./ports/StateStore.ts";
export * from "./quoteReceivedName.ts";
