import { type ChangeHint, type EventParser, quoteReceivedName, UnrecognizedEventError } from "@afsync/core";
import { type EventBridgeEnvelope, isEventBridgeEnvelope, isObject } from "./eventShapes.ts";
import { OwnWriteMarkers } from "./OwnWriteMarkers.ts";
import { isSecretLabelUpdated, secretLabelUpdatedHint } from "./secretLabelUpdated.ts";
import { isSecretsManagerCloudTrailRecord, secretsManagerCloudTrailHint } from "./secretsManagerCloudTrail.ts";
import {
  isParameterStoreChange,
  isParameterStorePolicyAction,
  parameterStoreChangeHint,
  parameterStorePolicyActionHint,
} from "./ssmParameterEvents.ts";

// The shapes of the names AWS puts in an event, for quoting them in errors (anything else is only
// described): `secretsmanager.amazonaws.com`, `aws.ssm`, `Parameter Store Change`.
const AWS_SERVICE_HOST = /^[a-z0-9-]+\.amazonaws\.com$/;
const EVENTBRIDGE_SOURCE = /^aws\.[a-z0-9-]+$/;
const EVENTBRIDGE_DETAIL_TYPE = /^[A-Z][A-Za-z0-9-]*( [A-Za-z0-9-]+)+$/;

export interface ParseAwsEventOptions {
  /** Principals (IAM ARNs / principal ids) whose writes are afsync's own. */
  readonly ownPrincipals?: readonly string[];
  /** `clientRequestToken` prefix of afsync's own writes (default `afsync-`). */
  readonly ownTokenPrefix?: string;
}

const CLOUDTRAIL_DETAIL_TYPES = new Set(["AWS API Call via CloudTrail", "AWS Service Event via CloudTrail"]);

/**
 * Turns a raw AWS event into change hints. Accepts an EventBridge event (what the Lambda
 * receives), a bare CloudTrail record (what CloudTrail's console and AWS's docs show) or an array
 * of either. Each shape goes to one processor chosen by type guards; anything else is an
 * `UnrecognizedEventError` saying what was expected.
 */
export function parseAwsEvent(event: unknown, options: ParseAwsEventOptions = {}): ChangeHint[] {
  const markers = new OwnWriteMarkers({
    ...(options.ownTokenPrefix !== undefined ? { tokenPrefix: options.ownTokenPrefix } : {}),
    ...(options.ownPrincipals !== undefined ? { principals: options.ownPrincipals } : {}),
  });
  if (Array.isArray(event)) return event.flatMap((e, i) => parseOne(e, markers, `[${i}]`));
  return parseOne(event, markers, "event");
}

function parseOne(event: unknown, markers: OwnWriteMarkers, where: string): ChangeHint[] {
  if (isEventBridgeEnvelope(event)) return [envelopeHint(event, markers, where)];
  if (isSecretsManagerCloudTrailRecord(event)) return [secretsManagerCloudTrailHint(event, markers)];
  if (isObject(event) && typeof event.eventSource === "string") {
    throw new UnrecognizedEventError(
      `${where}: a CloudTrail record from ${quoteReceivedName(event.eventSource, AWS_SERVICE_HOST)}, not from secretsmanager.amazonaws.com`,
    );
  }
  throw new UnrecognizedEventError(
    `${where}: not an AWS event afsync understands (expected an EventBridge event with "source", "detail-type" and "detail", or a Secrets Manager CloudTrail record)`,
  );
}

function envelopeHint(event: EventBridgeEnvelope, markers: OwnWriteMarkers, where: string): ChangeHint {
  if (event.source === "aws.secretsmanager") {
    if (isSecretLabelUpdated(event)) return secretLabelUpdatedHint(event);
    // The China-region docs print "Amazon API Call via CloudTrail": branding only, the wire says "AWS".
    const cloudTrail = CLOUDTRAIL_DETAIL_TYPES.has(event["detail-type"].replace(/^Amazon /, "AWS "));
    // Only eventName is required: third-party copies (the PutSecretValue sample) trim eventSource.
    if (cloudTrail && typeof event.detail.eventName === "string") return secretsManagerCloudTrailHint(event.detail, markers);
  }
  if (isParameterStoreChange(event)) return parameterStoreChangeHint(event);
  if (isParameterStorePolicyAction(event)) return parameterStorePolicyActionHint(event);
  throw new UnrecognizedEventError(
    `${where}: EventBridge event ${quoteReceivedName(event["detail-type"], EVENTBRIDGE_DETAIL_TYPE)} from ${quoteReceivedName(event.source, EVENTBRIDGE_SOURCE)} is not a Secrets Manager or Parameter Store event afsync understands`,
  );
}

/**
 * The shapes AWS delivers: an EventBridge envelope (`source`, `detail-type`, `detail`), a bare
 * CloudTrail record (`eventSource`, `eventName`), or an array of them (a batch, `event parse`).
 * Shape only: an EventBridge event from another AWS service is still AWS's, and the parser then
 * says which service it is from.
 */
export function isAwsEvent(event: unknown): boolean {
  if (Array.isArray(event)) return event.length > 0 && event.every(isAwsEvent);
  return isEventBridgeEnvelope(event) || (isObject(event) && typeof event.eventSource === "string" && typeof event.eventName === "string");
}

/** The AWS entry of the runtime's event parser registry (EventBridge: Secrets Manager and Parameter Store). */
export const awsEventParser: EventParser = {
  provider: "aws",
  expects: 'an EventBridge event with "source", "detail-type" and "detail", or a Secrets Manager CloudTrail record',
  detect: isAwsEvent,
  parse: (event, options) => parseAwsEvent(event, options?.ownPrincipals === undefined ? {} : { ownPrincipals: options.ownPrincipals }),
};
