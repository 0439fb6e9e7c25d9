import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeHint } from "@afsync/core";
import { UnrecognizedEventError } from "@afsync/core";
import { coalesceHints } from "@afsync/runtime/edge/coalesceHints";
import { parseAwsEvent } from "../src/events/parseAwsEvent.ts";
import { awsSampleNames, loadAwsSample } from "./awsSamples.ts";
import { EXPECTED_HINTS, type Expected, SM } from "./expectedAwsHints.ts";

function essentials(hints: ChangeHint[]): Expected[] {
  return hints.map((h) => ({
    provider: h.provider,
    secretId: h.secretId,
    action: h.action,
    ...(h.version !== undefined ? { version: h.version } : {}),
  }));
}

function withDetail(sample: string, patch: (detail: Record<string, unknown>) => void): Record<string, unknown> {
  const event = structuredClone(loadAwsSample(sample));
  patch(event.detail as Record<string, unknown>);
  return event;
}

describe("parseAwsEvent", () => {
  it("covers every AWS sample in events/aws/", () => {
    assert.deepEqual(awsSampleNames(), Object.keys(EXPECTED_HINTS).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED_HINTS)) {
    it(`maps ${name} to ${expected.action} ${expected.secretId}`, () => {
      const hints = parseAwsEvent(loadAwsSample(name));
      assert.deepEqual(essentials(hints), [expected]);
      if (expected.action !== "upsert" && expected.action !== "delete") assert.ok(hints[0]?.reason, "non-actions say why");
    });
  }

  it("ignores a label other than AWSCURRENT in Secret Label Updated", () => {
    const event = withDetail("aws-secretsmanager-secret-label-updated.json", (d) => {
      d.labelUpdated = "MYLABEL";
    });
    const [hint] = parseAwsEvent(event);
    assert.equal(hint?.action, "ignore");
    assert.match(hint?.reason ?? "", /MYLABEL/);
  });

  it("reads the old aRN, the new arn and the partial ARN the caller typed alike", () => {
    const put = (response: Record<string, unknown> | null, secretId: string) =>
      parseAwsEvent(
        withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
          d.responseElements = response;
          (d.requestParameters as Record<string, unknown>).secretId = secretId;
        }),
      )[0]?.secretId;
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/connections/db-AbC123";
    assert.equal(put({ aRN: arn }, "x"), "airflow/connections/db");
    assert.equal(put({ arn }, "x"), "airflow/connections/db");
    assert.equal(put(null, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:airflow/connections/db"), "airflow/connections/db");
    assert.equal(put(null, "airflow/connections/db"), "airflow/connections/db");
  });

  it("does not sync back afsync's own writes (token prefix or principal)", () => {
    const own = withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
      (d.requestParameters as Record<string, unknown>).clientRequestToken = "afsync-7f0c";
    });
    assert.equal(parseAwsEvent(own)[0]?.action, "ignore");
    assert.match(parseAwsEvent(own)[0]?.reason ?? "", /afsync itself/);
    const byRole = loadAwsSample("aws-secretsmanager-createsecret.json");
    assert.equal(parseAwsEvent(byRole, { ownPrincipals: ["arn:aws:iam::123456789012:root"] })[0]?.action, "ignore");
    assert.equal(parseAwsEvent(byRole)[0]?.action, "upsert");
  });

  it("ignores failed calls and values staged as AWSPENDING, and upserts an AWSCURRENT stage move", () => {
    const failed = withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
      d.errorCode = "AccessDenied";
    });
    assert.equal(parseAwsEvent(failed)[0]?.action, "ignore");
    const pending = withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
      (d.requestParameters as Record<string, unknown>).versionStages = ["AWSPENDING"];
    });
    assert.equal(parseAwsEvent(pending)[0]?.action, "ignore");
    const moved = withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
      d.eventName = "UpdateSecretVersionStage";
      d.requestParameters = { secretId: "db", versionStage: "AWSCURRENT", moveToVersionId: "v2", removeFromVersionId: "v1" };
      d.responseElements = null;
    });
    assert.deepEqual(essentials(parseAwsEvent(moved)), [{ provider: SM, secretId: "db", action: "upsert", version: "v2" }]);
    const tagged = withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
      d.eventName = "TagResource";
    });
    assert.equal(parseAwsEvent(tagged)[0]?.action, "ignore");
  });

  it("accepts the China-region 'Amazon API Call via CloudTrail' spelling and arrays of events", () => {
    const cn = { ...loadAwsSample("aws-secretsmanager-deletesecret.json"), "detail-type": "Amazon API Call via CloudTrail" };
    const hints = parseAwsEvent([cn, loadAwsSample("aws-ssm-parameter-store-change-delete.json")]);
    assert.deepEqual(
      hints.map((h) => h.action),
      ["delete", "delete"],
    );
  });

  it("turns SSM Expiration into a delete and rejects what is not an AWS secrets event, saying why", () => {
    const expired = withDetail("aws-ssm-parameter-store-policy-action-nochangenotification.json", (d) => {
      d["policy-type"] = "Expiration";
    });
    assert.equal(parseAwsEvent(expired)[0]?.action, "delete");
    assert.throws(
      () => parseAwsEvent({ "detail-type": "EC2 Instance State-change Notification", source: "aws.ec2", detail: {} }),
      UnrecognizedEventError,
    );
    assert.throws(() => parseAwsEvent("nope"), /not an AWS event afsync understands/);
  });

  it("coalesces the events of one rotation into one re-read", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/connections/db-AbC123";
    const trail = (eventName: string, extra: Record<string, unknown> = {}) =>
      withDetail("aws-secretsmanager-putsecretvalue.json", (d) => {
        d.eventName = eventName;
        d.requestParameters = { secretId: arn, ...extra };
        d.responseElements = { arn };
      });
    const label = structuredClone(loadAwsSample("aws-secretsmanager-secret-label-updated.json"));
    label.resources = [arn];
    (label.detail as Record<string, unknown>).name = "airflow/connections/db";
    const burst = [
      trail("RotateSecret"),
      trail("PutSecretValue", { clientRequestToken: "v2", versionStages: ["AWSPENDING"] }),
      trail("UpdateSecretVersionStage", { versionStage: "AWSCURRENT", moveToVersionId: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111" }),
      label,
      label,
    ].flatMap((e) => parseAwsEvent(e));
    const coalesced = coalesceHints(burst);
    assert.equal(coalesced.length, 1);
    assert.deepEqual(essentials(coalesced), [
      { provider: SM, secretId: "airflow/connections/db", action: "upsert", version: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111" },
    ]);
  });
});
