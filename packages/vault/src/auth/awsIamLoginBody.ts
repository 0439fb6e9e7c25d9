import { Sha256 } from "@aws-crypto/sha256-js";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface AwsIamLoginInput {
  readonly role: string;
  /** Region to sign for and whose STS endpoint to name; the global endpoint (signed for us-east-1) otherwise. */
  readonly region?: string | undefined;
  /** Vault's `iam_server_id_header_value`, signed into the request so it cannot be replayed elsewhere. */
  readonly serverIdHeader?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

const STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15";

/**
 * The body of `POST auth/aws/login` for the `iam` method: a signed (not sent) STS
 * `GetCallerIdentity` request that Vault forwards to STS to learn who is calling. Credentials
 * come from the given env's static keys (a Lambda's role session) or the SDK's default chain.
 */
export async function awsIamLoginBody(input: AwsIamLoginInput): Promise<Record<string, unknown>> {
  const region = input.region ?? "us-east-1";
  const hostname = input.region ? `sts.${input.region}.amazonaws.com` : "sts.amazonaws.com";
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = input.env;
  const credentials =
    accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } : defaultProvider();
  const signer = new SignatureV4({ credentials, region, service: "sts", sha256: Sha256 });
  const headers: Record<string, string> = {
    host: hostname,
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  };
  if (input.serverIdHeader) headers["x-vault-aws-iam-server-id"] = input.serverIdHeader;
  const signed = await signer.sign({ method: "POST", protocol: "https:", hostname, path: "/", headers, body: STS_BODY, query: {} });
  // Vault takes the headers as a JSON map of header → [values], base64-encoded like the URL and body.
  const headerMap = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, [v]]));
  return {
    role: input.role,
    iam_http_request_method: "POST",
    iam_request_url: b64(`https://${hostname}/`),
    iam_request_body: b64(STS_BODY),
    iam_request_headers: b64(JSON.stringify(headerMap)),
  };
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}
