/**
 * The Cloud Storage client, for the fan-out ledger only (`fanoutLedgerFromEnv`, on its first read
 * or write). `npm run package:gcp` builds it into a file beside index.js (`bundleSideFile`): the
 * SDK and what it alone pulls in (node-fetch, whatwg-url, an XML parser: about 750 KB) cost every
 * cold start's parse although no cold start calls it. Errors it throws are the SDK's, which
 * `GcsFanoutLedger` wraps.
 */
export { Storage } from "@google-cloud/storage";
