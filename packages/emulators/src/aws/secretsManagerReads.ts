import {
  AwsServiceError,
  optionalBoolean,
  optionalNumber,
  optionalObjectList,
  optionalString,
  optionalStringList,
  requireString,
  validationError,
} from "./AwsServiceError.ts";
import { decodePageToken, encodePageToken } from "./pageToken.ts";
import type { SecretStore, StoredSecret } from "./SecretStore.ts";

type Json = Record<string, unknown>;

// BatchGetSecretValue reads at most 20 secrets a call; ListSecrets pages hold at most 100.
const BATCH_LIMIT = 20;
const LIST_LIMIT = 100;

/** The Secrets Manager reads afsync makes, with the service's limits, paging and error shapes. */
export function getSecretValue(store: SecretStore, body: Json): Json {
  const secret = store.find(requireString(body, "SecretId"));
  return store.valueOf(secret, optionalString(body, "VersionId"), optionalString(body, "VersionStage"));
}

export function batchGetSecretValue(store: SecretStore, body: Json): Json {
  const ids = optionalStringList(body, "SecretIdList");
  const filters = optionalObjectList(body, "Filters");
  if (ids && filters)
    throw new AwsServiceError("InvalidParameterException", "Either SecretIdList or Filters must be specified, but not both.");
  if (ids) {
    if (body.MaxResults !== undefined) throw new AwsServiceError("InvalidParameterException", "MaxResults can only be used with Filters.");
    if (ids.length < 1 || ids.length > BATCH_LIMIT) {
      throw validationError(
        `Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to ${BATCH_LIMIT}`,
      );
    }
    const values: Json[] = [];
    const errors: Json[] = [];
    for (const id of ids) {
      try {
        values.push(store.valueOf(store.find(id)));
      } catch (err) {
        if (!(err instanceof AwsServiceError)) throw err;
        errors.push({ SecretId: id, ErrorCode: err.type, Message: err.message });
      }
    }
    return { SecretValues: values, Errors: errors };
  }
  if (!filters) throw new AwsServiceError("InvalidParameterException", "Either SecretIdList or Filters must be specified.");
  const max = optionalNumber(body, "MaxResults") ?? BATCH_LIMIT;
  if (max < 1 || max > BATCH_LIMIT)
    throw validationError(
      `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${BATCH_LIMIT}`,
    );
  const { page: items, next } = pageOf(store.filtered(filters, false), body, max, "batch");
  return { SecretValues: items.map((s) => store.valueOf(s)), Errors: [], ...(next ? { NextToken: next } : {}) };
}

export function listSecrets(store: SecretStore, body: Json): Json {
  const max = optionalNumber(body, "MaxResults") ?? LIST_LIMIT;
  if (max < 1 || max > LIST_LIMIT)
    throw validationError(
      `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${LIST_LIMIT}`,
    );
  const includeDeleted = optionalBoolean(body, "IncludePlannedDeletion") ?? false;
  const { page: items, next } = pageOf(store.filtered(optionalObjectList(body, "Filters") ?? [], includeDeleted), body, max, "list");
  return { SecretList: items.map((s) => store.describe(s)), ...(next ? { NextToken: next } : {}) };
}

function pageOf(all: StoredSecret[], body: Json, max: number, kind: string): { page: StoredSecret[]; next?: string } {
  const token = optionalString(body, "NextToken");
  const offset = token === undefined ? 0 : decodePageToken(token, kind, "InvalidNextTokenException");
  const page = all.slice(offset, offset + max);
  const nextOffset = offset + page.length;
  return nextOffset < all.length ? { page, next: encodePageToken(kind, nextOffset) } : { page };
}
