import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionKey, variableKey } from "@afsync/core";
import { createAwsSecretsManagerSource, createAwsSsmSource } from "../src/awsSourceFactory.ts";
import { secretsManagerSourceNaming, ssmSourceNaming } from "../src/awsSourceNaming.ts";
import { secretsManagerSourceOptionsSchema, ssmSourceOptionsSchema } from "../src/awsSourceOptions.ts";

// No call is made: the sources are built only to compare their naming with the client-free one.
const env: NodeJS.ProcessEnv = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };

const smIds = [
  "airflow/connections/db",
  "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/db-AbC123",
  "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/db",
  "airflow/variables/team_x",
  "airflow/variables/other",
  "prod/elsewhere",
];
const ssmIds = ["/airflow/connections/db", "arn:aws:ssm:us-east-1:123456789012:parameter/airflow/variables/k", "MyExampleParameter"];

describe("AWS source naming without a client (what the producer functions route with)", () => {
  it("maps Secrets Manager ids and keys exactly as the source does", async () => {
    // The options as parseConfig hands them over: validated, defaults filled in.
    const options = secretsManagerSourceOptionsSchema.parse({ variables_lookup_pattern: "^team_" });
    const source = createAwsSecretsManagerSource(options, { id: "sm", env });
    const naming = secretsManagerSourceNaming(options, { id: "sm" });
    assert.equal(naming.id, "sm");
    assert.equal(naming.provider, source.provider);
    for (const id of smIds) assert.deepEqual(naming.keysFor(id), source.keysFor(id), id);
    for (const key of [connectionKey("db"), variableKey("team_x"), variableKey("other")])
      assert.equal(naming.secretIdFor(key), source.secretIdFor(key));
    assert.deepEqual(naming.keysFor(smIds[1] ?? "").keys, [connectionKey("db")]);
    await source.close();
  });

  it("maps SSM names and ARNs exactly as the source does", async () => {
    const source = createAwsSsmSource({}, { id: "ssm", env });
    const naming = ssmSourceNaming(ssmSourceOptionsSchema.parse({}), { id: "ssm" });
    assert.equal(naming.provider, source.provider);
    for (const id of ssmIds) assert.deepEqual(naming.keysFor(id), source.keysFor(id), id);
    assert.deepEqual(naming.keysFor(ssmIds[1] ?? "").keys, [variableKey("k")]);
    assert.equal(naming.secretIdFor(connectionKey("db")), "/airflow/connections/db");
    await source.close();
  });
});
