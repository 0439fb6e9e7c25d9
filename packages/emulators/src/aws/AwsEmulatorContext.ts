import { randomBytes, randomUUID } from "node:crypto";

/** An EventBridge event as the default bus delivers it to a rule target. */
export interface EventBridgeEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

/** Who made a request, as CloudTrail records it: taken from the SigV4 Authorization header. */
export interface CallerInfo {
  readonly accessKeyId: string;
  readonly userAgent: string;
  readonly sourceIp: string;
}

/** What each service emulator shares: account, region, the (advanceable) clock and the event bus. */
export interface AwsEmulatorContext {
  readonly region: string;
  readonly accountId: string;
  /** Epoch ms; tests move it forward with `advanceTime` instead of sleeping. */
  now(): number;
  emit(event: EventBridgeEvent): void;
}

/** AWS's secret ARN suffix: a dash and six random characters from [A-Za-z0-9]. */
export function randomArnSuffix(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(6);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The EventBridge envelope around a CloudTrail record ("AWS API Call via CloudTrail"). */
export function cloudTrailApiCallEvent(
  ctx: AwsEmulatorContext,
  call: {
    source: string;
    eventSource: string;
    eventName: string;
    caller: CallerInfo;
    requestParameters: Record<string, unknown> | null;
    responseElements: Record<string, unknown> | null;
  },
): EventBridgeEvent {
  const time = isoSeconds(ctx.now());
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "AWS API Call via CloudTrail",
    source: call.source,
    account: ctx.accountId,
    time,
    region: ctx.region,
    resources: [],
    detail: {
      eventVersion: "1.09",
      userIdentity: {
        type: "IAMUser",
        principalId: call.caller.accessKeyId,
        arn: `arn:aws:iam::${ctx.accountId}:user/${call.caller.accessKeyId}`,
        accountId: ctx.accountId,
        accessKeyId: call.caller.accessKeyId,
        userName: call.caller.accessKeyId,
      },
      eventTime: time,
      eventSource: call.eventSource,
      eventName: call.eventName,
      awsRegion: ctx.region,
      sourceIPAddress: call.caller.sourceIp,
      userAgent: call.caller.userAgent,
      requestParameters: call.requestParameters,
      responseElements: call.responseElements,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: ctx.accountId,
      eventCategory: "Management",
    },
  };
}

/** A service's own event (native, not via CloudTrail), e.g. `Secret Label Updated`, `Parameter Store Change`. */
export function nativeEvent(
  ctx: AwsEmulatorContext,
  source: string,
  detailType: string,
  resources: string[],
  detail: Record<string, unknown>,
): EventBridgeEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": detailType,
    source,
    account: ctx.accountId,
    time: isoSeconds(ctx.now()),
    region: ctx.region,
    resources,
    detail,
  };
}
