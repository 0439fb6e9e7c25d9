import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSecretsManagerClient, createSsmClient } from "../src/createAwsClient.ts";

const creds = { AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };

async function endpointOf(client: { config: { endpoint?: unknown } }): Promise<string | undefined> {
  const provider = client.config.endpoint as (() => Promise<{ hostname: string; port?: number }>) | undefined;
  if (!provider) return undefined;
  const e = await provider();
  return `${e.hostname}:${e.port ?? ""}`;
}

describe("createAwsClient", () => {
  it("prefers the option, then the service's AWS_ENDPOINT_URL_*, then AWS_ENDPOINT_URL", async () => {
    const env = {
      ...creds,
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1111",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:2222",
    };
    const sm = createSecretsManagerClient({}, env);
    const ssm = createSsmClient({}, env);
    const pinned = createSecretsManagerClient({ endpoint_url: "http://127.0.0.1:3333" }, env);
    assert.equal(await endpointOf(sm), "127.0.0.1:2222");
    assert.equal(await endpointOf(ssm), "127.0.0.1:1111");
    assert.equal(await endpointOf(pinned), "127.0.0.1:3333");
    for (const c of [sm, ssm, pinned]) c.destroy();
  });

  it("takes the region from region_name before AWS_REGION / AWS_DEFAULT_REGION, and static keys from the given env", async () => {
    const fromOption = createSecretsManagerClient({ region_name: "ap-south-1" }, { ...creds, AWS_REGION: "eu-west-1" });
    const fromDefault = createSsmClient({}, { ...creds, AWS_DEFAULT_REGION: "us-west-2" });
    assert.equal(await fromOption.config.region(), "ap-south-1");
    assert.equal(await fromDefault.config.region(), "us-west-2");
    const identity = await fromOption.config.credentials();
    assert.equal(identity.accessKeyId, "AKIDFAKE");
    fromOption.destroy();
    fromDefault.destroy();
  });
});
