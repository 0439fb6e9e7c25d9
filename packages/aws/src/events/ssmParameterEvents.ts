import type { ChangeHint } from "@afsync/core";
import { type EventBridgeEnvelope, firstResource, stringAt } from "./eventShapes.ts";

export const SSM = "aws-ssm";

export function isParameterStoreChange(event: EventBridgeEnvelope): boolean {
  return event.source === "aws.ssm" && event["detail-type"] === "Parameter Store Change";
}

export function isParameterStorePolicyAction(event: EventBridgeEnvelope): boolean {
  return event.source === "aws.ssm" && event["detail-type"] === "Parameter Store Policy Action";
}

/**
 * The parameter's name. Take it from the detail, not the ARN: the ARN folds the leading slash
 * (`/a/b` → `parameter/a/b`, `a` → `parameter/a`), so the two names cannot be told apart there.
 * Policy actions spell the key `parameter-name` (an older doc page used `name`).
 */
function parameterName(event: EventBridgeEnvelope): string {
  const named = stringAt(event.detail, "name") ?? stringAt(event.detail, "parameter-name");
  if (named) return named;
  const arn = firstResource(event);
  return arn ? `/${arn.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter\//, "")}` : "";
}

/**
 * `Parameter Store Change`: Create/Update/Delete/LabelParameterVersion. The event carries no
 * version and no value, so upserts re-read the latest version. A failed operation still arrives
 * (a Create with `exception`, e.g. an `aws:ec2:image` data type that did not validate).
 */
export function parameterStoreChangeHint(event: EventBridgeEnvelope): ChangeHint {
  const secretId = parameterName(event);
  const operation = stringAt(event.detail, "operation") ?? "?";
  const exception = stringAt(event.detail, "exception");
  const base = { provider: SSM, secretId };
  if (exception) return { ...base, action: "ignore", reason: `${operation} failed (${exception}): nothing changed` };
  switch (operation) {
    case "Create":
      return { ...base, action: "upsert", reason: "parameter created" };
    case "Update":
      return { ...base, action: "upsert", reason: "parameter updated" };
    case "Delete":
      return { ...base, action: "delete", reason: "parameter deleted" };
    case "LabelParameterVersion":
      return { ...base, action: "ignore", reason: "a label moved; the latest version Airflow reads did not change" };
    default:
      return { ...base, action: "ignore", reason: `operation ${operation} is not one afsync acts on` };
  }
}

/**
 * `Parameter Store Policy Action` (advanced-tier parameters): `Expiration` deletes the parameter;
 * `ExpirationNotification` and `NoChangeNotification` are reminders worth reporting.
 */
export function parameterStorePolicyActionHint(event: EventBridgeEnvelope): ChangeHint {
  const secretId = parameterName(event);
  const policy = stringAt(event.detail, "policy-type") ?? "?";
  const status = stringAt(event.detail, "action-status");
  const why = stringAt(event.detail, "action-reason");
  const base = { provider: SSM, secretId };
  if (policy === "Expiration" && status !== "Failed")
    return { ...base, action: "delete", reason: "parameter expired and was deleted by its policy" };
  return { ...base, action: "notice", reason: `${policy} policy fired${status ? ` (${status})` : ""}${why ? `: ${why}` : ""}` };
}
