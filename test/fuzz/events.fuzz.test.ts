import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { awsEventParser, parseAwsEvent } from "@afsync/aws/events/parseAwsEvent";
import { azureEventParser, parseAzureKeyVaultEvent, parseEventGridDelivery } from "@afsync/azure/events/parseAzureKeyVaultEvent";
import { gcpEventParser, parseGcpEvent } from "@afsync/gcp/events/parseGcpEvent";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { loadEventSamples } from "@afsync/testing/loadEventSamples";
import { parseVaultEvent, vaultEventParser } from "@afsync/vault/events/parseVaultEvent";
import fc from "fast-check";
import { expectClassifiedOrAccepted } from "./classifiedRejection.ts";
import { eventInput, FUZZ_SEED, fuzzParameters } from "./fuzzInputs.ts";

const PROVIDERS = ["aws", "azure", "gcp", "vault"] as const;
const allSamples = PROVIDERS.flatMap((p) => loadEventSamples(p).map((s) => s.event));
// Where an event parser's refusal points: `event…`, `[i]…`, or a named field of the event.
const NAMES_WHERE = /^\[\d+\]|\b(event|detail|data|message|body|subject|eventType|type|source|specversion)\b/;

const direct: Record<(typeof PROVIDERS)[number], { parse: (e: unknown) => unknown; detect: (e: unknown) => boolean }[]> = {
  aws: [{ parse: (e) => parseAwsEvent(e), detect: awsEventParser.detect }],
  azure: [
    { parse: parseAzureKeyVaultEvent, detect: azureEventParser.detect },
    { parse: parseEventGridDelivery, detect: azureEventParser.detect },
  ],
  gcp: [{ parse: parseGcpEvent, detect: gcpEventParser.detect }],
  vault: [{ parse: parseVaultEvent, detect: vaultEventParser.detect }],
};

describe(`event parsers under fuzzed input (seed ${FUZZ_SEED}; replay with AFSYNC_FUZZ_SEED)`, () => {
  it("the registry refuses anything it cannot act on with a classified error naming where, and no value", () => {
    console.log(`fuzz seed ${FUZZ_SEED}`);
    fc.assert(
      fc.property(eventInput(allSamples), (event) => {
        expectClassifiedOrAccepted(() => eventParsers.parse(event), NAMES_WHERE);
      }),
      fuzzParameters(),
    );
  });

  for (const provider of PROVIDERS) {
    it(`${provider}: each parser, called directly on its own mutated samples, throws only classified errors`, () => {
      const samples = loadEventSamples(provider).map((s) => s.event);
      for (const { parse, detect } of direct[provider]) {
        fc.assert(
          fc.property(eventInput(samples), (event) => {
            assert.equal(typeof detect(event), "boolean");
            expectClassifiedOrAccepted(() => parse(event), NAMES_WHERE);
          }),
          fuzzParameters(),
        );
      }
    });
  }
});
