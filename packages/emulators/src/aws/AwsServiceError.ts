/**
 * An error the emulator answers with, in the AWS JSON protocol's shape: HTTP status plus a body
 * `{"__type": "...", "message": "..."}`. The SDK turns `__type` into the modelled exception class
 * (`ResourceNotFoundException`, `ParameterNotFound`, …), so the code is the service's exact name.
 */
export class AwsServiceError extends Error {
  readonly type: string;
  readonly status: number;
  /** SQS's JSON protocol also sends the legacy query error code in `x-amzn-query-error`. */
  readonly queryError?: string;
  constructor(type: string, message: string, status = 400, queryError?: string) {
    super(message);
    this.name = "AwsServiceError";
    this.type = type;
    this.status = status;
    if (queryError !== undefined) this.queryError = queryError;
  }
}

/** The "1 validation error detected" shape AWS uses for model constraint violations. */
export function validationError(message: string): AwsServiceError {
  return new AwsServiceError("ValidationException", `1 validation error detected: ${message}`);
}

type Json = Record<string, unknown>;

/** Reads a required string member of a request body, answering like AWS when it is absent. */
export function requireString(body: Json, member: string): string {
  const value = body[member];
  if (typeof value !== "string" || value.length === 0) {
    throw validationError(
      `Value null at '${member[0]?.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(body: Json, member: string): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a string`);
  return value;
}

export function optionalNumber(body: Json, member: string): number | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a number`);
  }
  return value;
}

export function optionalBoolean(body: Json, member: string): boolean | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a boolean`);
  return value;
}

export function optionalStringList(body: Json, member: string): string[] | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
    throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a list of strings`);
  }
  return value;
}

export function optionalObjectList(body: Json, member: string): Json[] | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is Json => typeof v === "object" && v !== null && !Array.isArray(v))) {
    throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a list of structures`);
  }
  return value;
}

export function optionalObject(body: Json, member: string): Json | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a structure`);
  }
  return value as Json;
}
