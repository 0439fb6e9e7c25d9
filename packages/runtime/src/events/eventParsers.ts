import { awsEventParser } from "@afsync/aws/events/parseAwsEvent";
import { azureEventParser } from "@afsync/azure/events/parseAzureKeyVaultEvent";
import type { EventParser } from "@afsync/core";
import { gcpEventParser } from "@afsync/gcp/events/parseGcpEvent";
import { vaultEventParser } from "@afsync/vault/events/parseVaultEvent";
import { EventParserRegistry } from "./EventParserRegistry.ts";

/**
 * Every provider's change-event parser, picked by the event's shape. Each provider package adds
 * one entry here, importing the parser its `events/parse<P>Event.ts` exports.
 *
 * A function bundle holds the parser of a provider only when it holds one of that provider's
 * source types (`bundleOmission`: the constants are "1" for each type its config does not name):
 * an event from a provider no configured source reads can change nothing, and the parser's code
 * would be parsed at every cold start for nothing. Such an event is then refused as one no
 * registered parser recognises. Each test is the constant written out literally, which is what
 * lets esbuild fold it and drop the import; run unbundled, every parser is here.
 */
const parsers: readonly (EventParser | undefined)[] = [
  process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SECRETS_MANAGER === "1" && process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SSM === "1"
    ? undefined
    : awsEventParser,
  process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AZURE_KEY_VAULT === "1" ? undefined : azureEventParser,
  process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER === "1" ? undefined : gcpEventParser,
  process.env.AFSYNC_BUNDLE_OMITS_SOURCE_VAULT === "1" ? undefined : vaultEventParser,
];

export const eventParsers = new EventParserRegistry();
for (const parser of parsers) if (parser !== undefined) eventParsers.register(parser);
