import { DefaultAzureCredential } from "@azure/identity";

/** The settings afsync gives a `DefaultAzureCredential`: the tenant and the managed identity's client id. */
export interface DefaultCredentialSettings {
  readonly tenantId?: string;
  readonly managedIdentityClientId?: string;
}

const shared = new Map<string, DefaultAzureCredential>();

/**
 * One `DefaultAzureCredential` per process for each distinct identity, shared by every client that
 * would build the same one (the Key Vault source, the function app's queue and lease). Building
 * one constructs its whole chain of credentials, about a tenth of the Azure worker's cold start;
 * a shared one also caches each token once.
 *
 * Two settings build the same chain when their tenant and their resolved managed identity match:
 * the credential takes the managed (and workload) identity's client id from `AZURE_CLIENT_ID` when
 * none is given (as the Bicep template sets it, equal to `AzureWebJobsStorage__clientId`), and its
 * other credentials read only the process environment, which both would read alike.
 */
export function sharedDefaultAzureCredential(settings: DefaultCredentialSettings): DefaultAzureCredential {
  const clientId = settings.managedIdentityClientId ?? process.env.AZURE_CLIENT_ID;
  const key = JSON.stringify([settings.tenantId ?? null, clientId ?? null]);
  let credential = shared.get(key);
  if (credential === undefined) {
    credential = new DefaultAzureCredential({
      ...(settings.tenantId === undefined ? {} : { tenantId: settings.tenantId }),
      ...(clientId === undefined ? {} : { managedIdentityClientId: clientId }),
    });
    shared.set(key, credential);
  }
  return credential;
}
