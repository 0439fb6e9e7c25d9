import { awsEventParser } from "@afsync/aws/events/parseAwsEvent";
import { azureEventParser } from "@afsync/azure/events/parseAzureKeyVaultEvent";
import { gcpEventParser } from "@afsync/gcp/events/parseGcpEvent";
import { vaultEventParser } from "@afsync/vault/events/parseVaultEvent";
import { EventParserRegistry } from "./EventParserRegistry.ts";

/**
 * Every provider's change-event parser, picked by the event's shape. Each provider package adds
 * one line here, importing the parser its `events/parse<P>Event.ts` exports, e.g.
 *   .register(azureEventParser)   // Event Grid events and CloudEvents
 */
export const eventParsers = new EventParserRegistry()
  .register(awsEventParser)
  .register(azureEventParser)
  .register(gcpEventParser)
  .register(vaultEventParser);
