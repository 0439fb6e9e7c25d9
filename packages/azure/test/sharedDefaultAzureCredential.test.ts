import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sharedDefaultAzureCredential } from "../src/sharedDefaultAzureCredential.ts";

describe("sharedDefaultAzureCredential", () => {
  it("hands out one credential for settings that resolve to the same identity", () => {
    const saved = process.env.AZURE_CLIENT_ID;
    process.env.AZURE_CLIENT_ID = "11111111-1111-1111-1111-111111111111";
    try {
      // The Bicep template: the storage names the identity, the Key Vault source relies on AZURE_CLIENT_ID.
      const storage = sharedDefaultAzureCredential({ managedIdentityClientId: "11111111-1111-1111-1111-111111111111" });
      assert.equal(sharedDefaultAzureCredential({}), storage);
      assert.equal(sharedDefaultAzureCredential({ managedIdentityClientId: "11111111-1111-1111-1111-111111111111" }), storage);
    } finally {
      if (saved === undefined) delete process.env.AZURE_CLIENT_ID;
      else process.env.AZURE_CLIENT_ID = saved;
    }
  });

  it("builds another for another identity or tenant", () => {
    const a = sharedDefaultAzureCredential({ managedIdentityClientId: "22222222-2222-2222-2222-222222222222" });
    assert.notEqual(sharedDefaultAzureCredential({ managedIdentityClientId: "33333333-3333-3333-3333-333333333333" }), a);
    assert.notEqual(sharedDefaultAzureCredential({ managedIdentityClientId: "22222222-2222-2222-2222-222222222222", tenantId: "t" }), a);
  });
});
