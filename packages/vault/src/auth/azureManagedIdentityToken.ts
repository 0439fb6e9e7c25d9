import { RemoteCallError } from "@afsync/core";

/**
 * An access token for `resource` from the runtime's managed identity, without the Azure SDK:
 * App Service and Azure Functions publish a local endpoint in `IDENTITY_ENDPOINT` (guarded by
 * `IDENTITY_HEADER`); a VM answers on the instance metadata service. Vault's azure auth method
 * takes this token as its `jwt`.
 */
export async function azureManagedIdentityToken(resource: string, env: NodeJS.ProcessEnv): Promise<string> {
  let url: URL;
  const headers: Record<string, string> = {};
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) {
    url = new URL(env.IDENTITY_ENDPOINT);
    url.searchParams.set("api-version", "2019-08-01");
    headers["X-IDENTITY-HEADER"] = env.IDENTITY_HEADER;
  } else {
    url = new URL("http://169.254.169.254/metadata/identity/oauth2/token");
    url.searchParams.set("api-version", "2018-02-01");
    headers.Metadata = "true";
  }
  url.searchParams.set("resource", resource);
  if (env.AZURE_CLIENT_ID) url.searchParams.set("client_id", env.AZURE_CLIENT_ID);
  const response = await fetch(url, { headers });
  const body = (await response.json().catch(() => null)) as { access_token?: unknown } | null;
  if (!response.ok || typeof body?.access_token !== "string") {
    throw new RemoteCallError(`Azure managed identity token for ${resource} failed: HTTP ${response.status}`, { status: response.status });
  }
  return body.access_token;
}
