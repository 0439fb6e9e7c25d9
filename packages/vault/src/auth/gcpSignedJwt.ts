import { RemoteCallError } from "@afsync/core";

export interface GcpSignedJwtInput {
  /** The Vault role: the JWT's audience is `vault/<role>`, as Vault's gcp `iam` login expects. */
  readonly role: string;
  /** The service account to sign as; the runtime's default account otherwise. */
  readonly serviceAccount?: string | undefined;
  readonly iamCredentialsUrl?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
}

const METADATA = "computeMetadata/v1/instance/service-accounts/default";

/**
 * A JWT signed by the runtime's service account through the IAM Credentials `signJwt` API (what
 * Airflow's provider does), authorised with the metadata server's access token. Cloud Functions
 * and Cloud Run have no instance identity for a `gce` role, so `iam` is the one that fits them.
 * `GCE_METADATA_HOST` moves the metadata server, as in Google's own client libraries.
 */
export async function gcpSignedJwt(input: GcpSignedJwtInput): Promise<string> {
  const metadata = `http://${input.env.GCE_METADATA_HOST ?? "metadata.google.internal"}`;
  const headers = { "Metadata-Flavor": "Google" };
  const email = input.serviceAccount ?? (await text(`${metadata}/${METADATA}/email`, headers, "service account email"));
  const token = JSON.parse(await text(`${metadata}/${METADATA}/token`, headers, "access token")) as { access_token?: unknown };
  if (typeof token.access_token !== "string") throw new RemoteCallError("GCP metadata access token: no access_token in the answer");
  const iat = Math.floor(input.now() / 1000);
  // Vault accepts at most 15 minutes between iat and exp for iam logins.
  const payload = JSON.stringify({ sub: email, aud: `vault/${input.role}`, iat, exp: iat + 900 });
  const base = (input.iamCredentialsUrl ?? "https://iamcredentials.googleapis.com").replace(/\/+$/, "");
  const response = await fetch(`${base}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:signJwt`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token.access_token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ payload }),
  });
  const body = (await response.json().catch(() => null)) as { signedJwt?: unknown } | null;
  if (!response.ok || typeof body?.signedJwt !== "string") {
    throw new RemoteCallError(`GCP IAM signJwt for ${email} failed: HTTP ${response.status}`, { status: response.status });
  }
  return body.signedJwt;
}

async function text(url: string, headers: Record<string, string>, what: string): Promise<string> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new RemoteCallError(`GCP metadata ${what} failed: HTTP ${response.status}`, { status: response.status });
  return (await response.text()).trim();
}
