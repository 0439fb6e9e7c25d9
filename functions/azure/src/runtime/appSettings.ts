/**
 * The app settings the function app reads, apart from the composition root so the entry point
 * (index.ts, which names the queue and its connection in the trigger bindings) can use them
 * without loading that root and the Azure SDKs it imports when the host loads the app.
 */

/** The storage connection the Functions host itself uses; the queue trigger binds to it too. */
export const STORAGE_CONNECTION = "AzureWebJobsStorage";
export const QUEUE_NAME_ENV = "AFSYNC_QUEUE_NAME";
export const DEFAULT_QUEUE_NAME = "afsync-sync";
export const LEASE_CONTAINER_ENV = "AFSYNC_LEASE_CONTAINER";
export const DEFAULT_LEASE_CONTAINER = "afsync-leases";
export const DEFAULT_WEBHOOK_SECRET_ENV = "AFSYNC_WEBHOOK_SECRET";
export const DEFAULT_EVENTGRID_KEY_ENV = "AFSYNC_EVENTGRID_KEY";
