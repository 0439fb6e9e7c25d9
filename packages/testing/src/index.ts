// Test support for every package: in-memory fakes of the ports, the shared contract suites and
// the secret-leak matcher. Never imported by production code.
export * from "./assertNoSecretLeak.ts";
export * from "./createTestHasher.ts";
export * from "./FixedClock.ts";
export * from "./InMemoryDeploymentTarget.ts";
export * from "./InMemorySecretSource.ts";
export * from "./InMemoryStateStore.ts";
export * from "./loadEventSamples.ts";
export * from "./runAfsyncBinary.ts";
export * from "./runDeploymentTargetContract.ts";
export * from "./runEventParserContract.ts";
export * from "./runSecretSourceContract.ts";
export * from "./runStateStoreContract.ts";
export * from "./runTargetIdempotencyProperty.ts";
export * from "./startAzurite.ts";
export * from "./syncOneSource.ts";
