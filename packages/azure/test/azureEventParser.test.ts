import { runEventParserContract } from "@afsync/testing/runEventParserContract";
import { AZURE_KEY_VAULT_PROVIDER, azureEventParser } from "../src/events/parseAzureKeyVaultEvent.ts";

const SECRET = "https://sample-kv.vault.azure.net/secrets/newsecret";
const VERSION = "ee059b2bb5bc48398a53b168c6cdcb10";
const upsert = [{ provider: AZURE_KEY_VAULT_PROVIDER, secretId: SECRET, action: "upsert" as const, version: VERSION }];
const notice = [{ provider: AZURE_KEY_VAULT_PROVIDER, secretId: SECRET, action: "notice" as const, version: VERSION }];

runEventParserContract(azureEventParser, {
  samples: "azure",
  expected: {
    // Records of HTTP exchanges (the OPTIONS handshake, the answer to a validation event), not
    // events: no parser may claim them. parseAzureKeyVaultEvent.test.ts checks them as exchanges.
    "azure-eventgrid-cloudevents-options-handshake.json": { refused: /not an event/ },
    "azure-eventgrid-subscription-validation-response.json": { refused: /not an event/ },
    // The subscription handshake is answered by the HTTP edge and gives no hint.
    "azure-eventgrid-subscription-validation.json": [],
    "azure-keyvault-secretexpired-cloudevent.json": notice,
    "azure-keyvault-secretnearexpiry-eventgrid.json": notice,
    "azure-keyvault-secretnewversioncreated-cloudevent.json": upsert,
    "azure-keyvault-secretnewversioncreated-eventgrid-docpage-array.json": upsert,
    "azure-keyvault-secretnewversioncreated-eventgrid.json": upsert,
  },
});
