/**
 * The Secrets Manager reader of `AFSYNC_ENV_FROM_SECRETS` as one module, `coldStart`'s default: in
 * a Lambda bundle it is the entry of a file of its own beside the bundle (`secretEnvReaderSideFile`),
 * loaded only when a mapping names a secret. serverless.yml maps none for the events and coalesce
 * functions, so their cold start does not pre-parse the Secrets Manager client (about 28 KB). The
 * functions that read secrets on every cold start (worker, webhook, reconcile) pass the reader in
 * their bundle instead (`secretEnvReaderInTheBundle`). Unbundled it is the module itself.
 */
export { secretEnvFromSecretsManager } from "./secretEnvFromSecretsManager.ts";
