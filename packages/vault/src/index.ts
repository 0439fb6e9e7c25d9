// The Vault package's surface. Import by subpath where bundle size matters
// (`@afsync/vault/events/parseVaultEvent` loads neither `ws` nor the AWS signer).
export { createVaultClient } from "./createVaultClient.ts";
export { isVaultEvent, parseVaultEvent, vaultEventParser } from "./events/parseVaultEvent.ts";
export { VaultEventSubscription, type VaultEventSubscriptionOptions } from "./events/VaultEventSubscription.ts";
export { VaultSource, type VaultVersionEntry } from "./VaultSource.ts";
export { createVaultSource, vaultSourceFactory } from "./vaultSourceFactory.ts";
export { SUPPORTED_AUTH_TYPES, type VaultSourceOptions, vaultSourceOptionsSchema } from "./vaultSourceOptions.ts";
