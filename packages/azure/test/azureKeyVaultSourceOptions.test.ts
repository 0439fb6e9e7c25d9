import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { azureKeyVaultSourceOptionsSchema, backendKwargsOf } from "../src/azureKeyVaultSourceOptions.ts";
import { createAzureKeyVaultClient } from "../src/createAzureKeyVaultClient.ts";

function issues(input: unknown): string[] {
  const parsed = azureKeyVaultSourceOptionsSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("azure-key-vault options (AzureKeyVaultBackend's backend_kwargs)", () => {
  it("takes the backend's defaults", () => {
    const o = azureKeyVaultSourceOptionsSchema.parse({ vault_url: "https://my-vault.vault.azure.net/" });
    assert.deepEqual(backendKwargsOf(o), {
      connections_prefix: "airflow-connections",
      variables_prefix: "airflow-variables",
      config_prefix: "airflow-config",
      sep: "-",
      multi_team: false,
    });
  });

  it("rejects unknown keys, a missing vault_url and a multi-character sep, naming each", () => {
    assert.match(issues({ vault_url: "https://v.vault.azure.net/", vault_uri: "x" }).join("\n"), /vault_uri/);
    assert.match(issues({}).join("\n"), /^vault_url: /m);
    assert.match(issues({ vault_url: "https://v.vault.azure.net/", sep: "--" }).join("\n"), /^sep: must be a single character/m);
  });

  it("refuses an inline client_secret without echoing it, and a client_secret_env without ids", () => {
    const found = issues({ vault_url: "https://v.vault.azure.net/", client_secret: "s3ntinel-inline" }).join("\n");
    assert.match(found, /^client_secret: credentials are never written in the config.*client_secret_env/m);
    assert.doesNotMatch(found, /s3ntinel-inline/);
    assert.match(
      issues({ vault_url: "https://v.vault.azure.net/", client_secret_env: "KV_SECRET" }).join("\n"),
      /needs tenant_id and client_id/,
    );
    assert.match(
      issues({ vault_url: "https://v.vault.azure.net/", team_name: "blue" }).join("\n"),
      /^team_name: applies only with multi_team: true/m,
    );
  });

  it("reads a service principal's secret from the named environment variable, and says which one is missing", () => {
    const o = azureKeyVaultSourceOptionsSchema.parse({
      vault_url: "https://v.vault.azure.net/",
      tenant_id: "t",
      client_id: "c",
      client_secret_env: "KV_CLIENT_SECRET",
    });
    assert.throws(() => createAzureKeyVaultClient(o, {}), /client_secret_env: environment variable KV_CLIENT_SECRET is not set/);
    assert.ok(createAzureKeyVaultClient(o, { KV_CLIENT_SECRET: "s3ntinel-sp" }).client);
  });
});
