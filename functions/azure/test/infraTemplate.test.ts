import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_LEASE_CONTAINER,
  DEFAULT_QUEUE_NAME,
  LEASE_CONTAINER_ENV,
  QUEUE_NAME_ENV,
  STORAGE_CONNECTION,
} from "../src/runtime/appSettings.ts";

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bicep = readFileSync(join(appDir, "infra", "main.bicep"), "utf8");
const index = readFileSync(join(appDir, "src", "index.ts"), "utf8");
const localSettings = JSON.parse(readFileSync(join(appDir, "local.settings.example.json"), "utf8")) as { Values: Record<string, string> };

// `az bicep build` cannot run here (the Bicep CLI downloads a binary), so these read the template
// as text: the least-privilege rule and the names the code and the template must agree on.
const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const WIDER_VAULT_ROLES = {
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42dd-9ae3-2ddbc9ebd8b7",
  "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
};

/** Every `resource … 'Microsoft.Authorization/roleAssignments…' = { … }` block's scope and role. */
function roleAssignments(): { scope: string; role: string }[] {
  const blocks = bicep.split(/\nresource /).filter((b) => b.includes("'Microsoft.Authorization/roleAssignments@"));
  return blocks.map((b) => ({ scope: /\n\s+scope: (\w+)/.exec(b)?.[1] ?? "?", role: /roleDefinitions', (\w+)\)/.exec(b)?.[1] ?? "?" }));
}

describe("functions/azure/infra/main.bicep", () => {
  it("gives the app's identity Key Vault Secrets User on the vault and no wider vault role", () => {
    const onVault = roleAssignments().filter((r) => r.scope === "vault");
    assert.deepEqual(onVault, [{ scope: "vault", role: "keyVaultSecretsUser" }]);
    assert.match(bicep, new RegExp(`var keyVaultSecretsUser = '${KEY_VAULT_SECRETS_USER}'`));
    for (const [name, id] of Object.entries(WIDER_VAULT_ROLES)) assert.ok(!bicep.includes(id), `${name} must not be granted`);
    assert.ok(
      roleAssignments().every((r) => ["vault", "storage", "insights"].includes(r.scope)),
      "no assignment at resource-group or subscription scope",
    );
  });

  it("declares a Flex Consumption plan, a storage account, Application Insights and a Key Vault system topic", () => {
    assert.match(bicep, /sku: \{ name: 'FC1', tier: 'FlexConsumption' \}/);
    assert.match(bicep, /'Microsoft\.Storage\/storageAccounts@/);
    assert.match(bicep, /'Microsoft\.Insights\/components@/);
    assert.match(bicep, /topicType: 'Microsoft\.KeyVault\.vaults'/);
  });

  it("subscribes the HTTP trigger's route to Key Vault's secret events only", () => {
    assert.match(bicep, /endpointUrl: 'https:\/\/\$\{app\.properties\.defaultHostName\}\/api\/eventgrid\?code=\$\{eventGridKey\}'/);
    assert.match(index, /route: "eventgrid"/);
    const types = [...(/includedEventTypes: \[([^\]]*)\]/.exec(bicep)?.[1] ?? "").matchAll(/'([^']+)'/g)].map((m) => m[1]);
    assert.ok(types.length > 0 && types.every((t) => t?.startsWith("Microsoft.KeyVault.Secret")), types.join(", "));
  });

  it("sets every app setting the code and the bindings read, with the names and queue the code defaults to", () => {
    const bindingSettings = [...index.matchAll(/"%([A-Z_]+)%"/g)].map((m) => m[1] ?? "");
    assert.deepEqual(bindingSettings, ["AFSYNC_RECONCILE_SCHEDULE"], "the timer's schedule is an app setting");
    const named = [QUEUE_NAME_ENV, LEASE_CONTAINER_ENV, "AFSYNC_EVENTGRID_KEY", "AFSYNC_HMAC_KEY", "AFSYNC_CONFIG"];
    for (const setting of [...bindingSettings, ...named]) {
      assert.match(bicep, new RegExp(`name: '${setting}'|${setting}: '`), `Bicep sets ${setting}`);
      assert.ok(setting in localSettings.Values, `local.settings.example.json sets ${setting}`);
    }
    assert.match(bicep, new RegExp(`var queueName = '${DEFAULT_QUEUE_NAME}'`));
    assert.match(bicep, new RegExp(`var leaseContainer = '${DEFAULT_LEASE_CONTAINER}'`));
    assert.match(bicep, new RegExp(`name: '${STORAGE_CONNECTION}__accountName'`));
    assert.match(index, /connection: STORAGE_CONNECTION/);
  });

  it("keeps secrets out of the example local settings", () => {
    for (const [name, value] of Object.entries(localSettings.Values))
      if (/KEY|SECRET|PASSWORD/.test(name)) assert.match(value, /^<.*>$/, `${name} is a placeholder`);
  });
});
