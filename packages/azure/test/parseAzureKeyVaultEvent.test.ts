import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import { UnrecognizedEventError } from "@afsync/core";
import { answerCloudEventsHandshake } from "../src/events/answerCloudEventsHandshake.ts";
import { looksLikeEventGrid, parseAzureKeyVaultEvent, parseEventGridDelivery } from "../src/events/parseAzureKeyVaultEvent.ts";
import { azureSampleNames, loadAzureSample } from "./azureSamples.ts";

const P = "azure-key-vault";
const SECRET = "https://sample-kv.vault.azure.net/secrets/newsecret";
const VERSION = "ee059b2bb5bc48398a53b168c6cdcb10";

type Essentials = Pick<ChangeHint, "provider" | "secretId" | "action" | "version">;

/** What every sample in events/azure/ must give: hints, a handshake, or (for the HTTP exchanges) another check below. */
const EXPECTED: Record<string, { hints: Essentials[] } | { handshake: string } | { exchange: string }> = {
  "azure-eventgrid-cloudevents-options-handshake.json": {
    exchange: "the OPTIONS request and answer: checked against answerCloudEventsHandshake",
  },
  "azure-eventgrid-subscription-validation-response.json": { exchange: "the answer to the validation event: checked below" },
  "azure-eventgrid-subscription-validation.json": { handshake: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
  "azure-keyvault-secretexpired-cloudevent.json": { hints: [{ provider: P, secretId: SECRET, action: "notice", version: VERSION }] },
  "azure-keyvault-secretnearexpiry-eventgrid.json": { hints: [{ provider: P, secretId: SECRET, action: "notice", version: VERSION }] },
  "azure-keyvault-secretnewversioncreated-cloudevent.json": {
    hints: [{ provider: P, secretId: SECRET, action: "upsert", version: VERSION }],
  },
  // The doc page's typos ("ObjectName " and " ee05…") must not change the hint.
  "azure-keyvault-secretnewversioncreated-eventgrid-docpage-array.json": {
    hints: [{ provider: P, secretId: SECRET, action: "upsert", version: VERSION }],
  },
  "azure-keyvault-secretnewversioncreated-eventgrid.json": {
    hints: [{ provider: P, secretId: SECRET, action: "upsert", version: VERSION }],
  },
};

function essentials(hints: readonly ChangeHint[]): Essentials[] {
  return hints.map((h) => ({ provider: h.provider, secretId: h.secretId, action: h.action, ...(h.version ? { version: h.version } : {}) }));
}

function sampleEvent(name: string): Record<string, unknown> {
  const raw = loadAzureSample(name);
  return structuredClone((Array.isArray(raw) ? raw[0] : raw) as Record<string, unknown>);
}

function errorOf(event: unknown): string {
  try {
    parseAzureKeyVaultEvent(event);
  } catch (err) {
    assert.ok(err instanceof UnrecognizedEventError, `expected UnrecognizedEventError, got ${String(err)}`);
    return err.message;
  }
  assert.fail("expected the event to be refused");
}

describe("parseAzureKeyVaultEvent", () => {
  it("covers every Azure sample in events/azure/", () => {
    assert.deepEqual(azureSampleNames(), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    if ("hints" in expected) {
      it(`maps ${name} to ${expected.hints.map((h) => h.action).join(", ")}`, () => {
        const hints = parseAzureKeyVaultEvent(loadAzureSample(name));
        assert.deepEqual(essentials(hints), expected.hints);
        for (const h of hints) if (h.action !== "upsert") assert.ok(h.reason, "non-actions say why");
        assert.ok(looksLikeEventGrid(loadAzureSample(name)), "the registry can detect it");
      });
    } else if ("handshake" in expected) {
      it(`recognises ${name} as the subscription handshake, not a hint`, () => {
        const delivery = parseEventGridDelivery(loadAzureSample(name));
        assert.equal(delivery.kind, "handshake");
        assert.equal(delivery.kind === "handshake" ? delivery.validationCode : "", expected.handshake);
        assert.deepEqual(parseAzureKeyVaultEvent(loadAzureSample(name)), []);
      });
    }
  }

  it("answers the validation sample exactly as the documented response", () => {
    const delivery = parseEventGridDelivery(loadAzureSample("azure-eventgrid-subscription-validation.json"));
    assert.ok(delivery.kind === "handshake");
    assert.deepEqual(
      { validationResponse: delivery.validationCode },
      loadAzureSample("azure-eventgrid-subscription-validation-response.json"),
    );
  });

  it("answers the CloudEvents OPTIONS sample with the documented headers", () => {
    const sample = loadAzureSample("azure-eventgrid-cloudevents-options-handshake.json") as {
      request: { headers: Record<string, string> };
      response: { status: number; headers: Record<string, string> };
    };
    const lower = Object.fromEntries(Object.entries(sample.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const answer = answerCloudEventsHandshake(lower);
    assert.equal(answer.status, sample.response.status);
    assert.deepEqual(answer.headers, sample.response.headers);
  });

  it("reads camelCase data keys and numeric NBF/EXP like the PascalCase wire", () => {
    const event = sampleEvent("azure-keyvault-secretnearexpiry-eventgrid.json");
    event.data = {
      id: `${SECRET}/${VERSION}`,
      vaultName: "sample-kv",
      objectType: "Secret",
      objectName: "newsecret",
      version: VERSION,
      nbf: 1559081980,
      exp: 1559082102,
    };
    const [hint] = parseAzureKeyVaultEvent([event]);
    assert.deepEqual(essentials([hint as ChangeHint]), [{ provider: P, secretId: SECRET, action: "notice", version: VERSION }]);
    assert.match(hint?.reason ?? "", /2019-05-28T22:21:42\.000Z/);
  });

  it("gives one hint per event of a batch, in order, for both schemas", () => {
    const a = sampleEvent("azure-keyvault-secretnewversioncreated-eventgrid.json");
    const b = sampleEvent("azure-keyvault-secretnearexpiry-eventgrid.json");
    assert.deepEqual(
      parseAzureKeyVaultEvent([a, b]).map((h) => h.action),
      ["upsert", "notice"],
    );
    const c = sampleEvent("azure-keyvault-secretnewversioncreated-cloudevent.json");
    const d = sampleEvent("azure-keyvault-secretexpired-cloudevent.json");
    assert.deepEqual(
      parseAzureKeyVaultEvent([c, d]).map((h) => h.action),
      ["upsert", "notice"],
    );
  });

  it("ignores VaultAccessPolicyChanged, key and certificate events, with the reason", () => {
    const policy = sampleEvent("azure-keyvault-secretnewversioncreated-eventgrid.json");
    policy.eventType = "Microsoft.KeyVault.VaultAccessPolicyChanged";
    policy.data = { VaultName: "sample-kv" };
    const key = sampleEvent("azure-keyvault-secretnewversioncreated-cloudevent.json");
    key.type = "Microsoft.KeyVault.KeyNewVersionCreated";
    (key.data as Record<string, unknown>).Id = `https://sample-kv.vault.azure.net/keys/newkey/${VERSION}`;
    (key.data as Record<string, unknown>).ObjectType = "Key";
    const hints = parseAzureKeyVaultEvent([policy]).concat(parseAzureKeyVaultEvent([key]));
    assert.deepEqual(
      hints.map((h) => h.action),
      ["ignore", "ignore"],
    );
    assert.match(hints[0]?.reason ?? "", /access policy/);
    assert.match(hints[1]?.reason ?? "", /key or certificate/);
  });

  it("tells Event Grid deliveries apart from other providers' events", () => {
    assert.equal(looksLikeEventGrid({ source: "aws.secretsmanager", "detail-type": "AWS API Call via CloudTrail", detail: {} }), false);
    assert.equal(looksLikeEventGrid([{ eventType: "Microsoft.Storage.BlobCreated" }]), false);
    assert.equal(looksLikeEventGrid(loadAzureSample("azure-eventgrid-subscription-validation.json")), true);
  });

  it("takes the version from the Id when data.Version is absent", () => {
    const event = sampleEvent("azure-keyvault-secretnewversioncreated-eventgrid.json");
    delete (event.data as Record<string, unknown>).Version;
    assert.equal(parseAzureKeyVaultEvent(event)[0]?.version, VERSION);
  });

  describe("refuses malformed events with what and where, never a value", () => {
    const base = "azure-keyvault-secretnewversioncreated-eventgrid.json";
    const cases: [string, (e: Record<string, unknown>) => unknown, RegExp][] = [
      ["a string instead of an event", () => "s3cr3t-text", /event: not an Event Grid event|expected an event object, got a string/],
      [
        "no eventType",
        (e) => {
          const { eventType: _gone, ...rest } = e;
          return rest;
        },
        /\[0\]: not an Event Grid event/,
      ],
      ["eventType not a string", (e) => ({ ...e, eventType: 42 }), /\[0\]\.eventType: expected a non-empty string, got a number/],
      ["data not an object", (e) => ({ ...e, data: "s3cr3t-data" }), /\[0\]\.data: expected an object, got a string/],
      ["no Id", (e) => ({ ...e, data: { ...(e.data as object), Id: undefined } }), /\[0\]\.data\.Id: missing/],
      ["Id not a URL", (e) => ({ ...e, data: { ...(e.data as object), Id: "s3cr3t-id" } }), /\[0\]\.data\.Id: expected https:/],
      [
        "Version a number",
        (e) => ({ ...e, data: { ...(e.data as object), Version: 7 } }),
        /\[0\]\.data\.Version: expected a string, got a number/,
      ],
      [
        "EXP not epoch seconds",
        (e) => ({ ...e, data: { ...(e.data as object), EXP: "s3cr3t-exp" } }),
        /\[0\]\.data\.EXP: expected epoch seconds/,
      ],
      [
        "CloudEvents 0.3",
        (e) => ({ specversion: "0.3", type: e.eventType, source: e.topic, data: e.data }),
        /\[0\]\.specversion: only CloudEvents 1\.0/,
      ],
      [
        "an unknown type",
        (e) => ({ ...e, eventType: "Microsoft.Storage.BlobCreated" }),
        /\[0\]\.eventType: "Microsoft\.Storage\.BlobCreated" is not a Key Vault event/,
      ],
      ["an empty array", () => null, /empty array/],
    ];
    for (const [what, mutate, expected] of cases) {
      it(`refuses ${what}`, () => {
        const event = mutate(sampleEvent(base));
        const message = errorOf(event === null ? [] : typeof event === "string" ? event : [event]);
        assert.match(message, expected);
        assert.doesNotMatch(message, /s3cr3t/);
      });
    }

    it("refuses a validation event batched with others, and one without a code", () => {
      const validation = sampleEvent("azure-eventgrid-subscription-validation.json");
      assert.match(errorOf([validation, sampleEvent(base)]), /arrives alone/);
      assert.match(errorOf([{ ...validation, data: {} }]), /\[0\]\.data\.validationCode: expected a non-empty string/);
    });
  });
});
