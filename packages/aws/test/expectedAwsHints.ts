import type { ChangeHint } from "@afsync/core";

export type Expected = Pick<ChangeHint, "provider" | "secretId" | "action" | "version">;
export const SM = "aws-secrets-manager";
export const SSM = "aws-ssm";

/** What every real sample in events/aws/ must parse to. */
export const EXPECTED_HINTS: Record<string, Expected> = {
  "aws-secretsmanager-createsecret.json": {
    provider: SM,
    secretId: "MyDatabaseSecret",
    action: "upsert",
    version: "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
  },
  "aws-secretsmanager-deletesecret.json": { provider: SM, secretId: "MyDatabaseSecret", action: "delete" },
  "aws-secretsmanager-putsecretvalue.json": {
    provider: SM,
    secretId: "prod/test-secret",
    action: "upsert",
    version: "4d383ea9-084a-49c9-8722-cbfb0f25c456",
  },
  "aws-secretsmanager-rotationfailed-detail-only.json": { provider: SM, secretId: "MyDatabaseSecret", action: "notice" },
  "aws-secretsmanager-rotationfailed.json": { provider: SM, secretId: "IcaS...icA", action: "notice" },
  "aws-secretsmanager-rotationsucceeded.json": { provider: SM, secretId: "Appuser-pyodbc", action: "upsert" },
  "aws-secretsmanager-secret-label-updated.json": {
    provider: SM,
    secretId: "mySecret",
    action: "upsert",
    version: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
  },
  "aws-ssm-parameter-store-change-create-failed-datatype.json": { provider: SSM, secretId: "golden-ami", action: "ignore" },
  "aws-ssm-parameter-store-change-create-hierarchical.json": {
    provider: SSM,
    secretId: "/scheduler/do-not-delete-manually/static",
    action: "upsert",
  },
  "aws-ssm-parameter-store-change-create.json": { provider: SSM, secretId: "MyExampleParameter", action: "upsert" },
  "aws-ssm-parameter-store-change-delete.json": { provider: SSM, secretId: "MyExampleParameter", action: "delete" },
  "aws-ssm-parameter-store-change-update.json": { provider: SSM, secretId: "MyExampleParameter", action: "upsert" },
  "aws-ssm-parameter-store-policy-action-nochangenotification.json": { provider: SSM, secretId: "foo", action: "notice" },
};
