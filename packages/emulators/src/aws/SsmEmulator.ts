import { type AwsEmulatorContext, nativeEvent } from "./AwsEmulatorContext.ts";
import {
  AwsServiceError,
  optionalBoolean,
  optionalNumber,
  optionalString,
  optionalStringList,
  requireString,
  validationError,
} from "./AwsServiceError.ts";
import { decodePageToken, encodePageToken } from "./pageToken.ts";

type Json = Record<string, unknown>;
type ParameterType = "String" | "StringList" | "SecureString";

interface StoredParameter {
  readonly name: string;
  type: ParameterType;
  value: string;
  version: number;
  description?: string;
  lastModifiedDate: number;
  dataType: string;
  /** Every version's value, so `name:3` selectors read history. */
  readonly history: Map<number, string>;
}

export interface SeedParameterInput {
  readonly name: string;
  readonly value: string;
  readonly type?: ParameterType;
  readonly description?: string;
}

const GET_PARAMETERS_LIMIT = 10;
const BY_PATH_LIMIT = 10;
const DESCRIBE_LIMIT = 50;

/**
 * A stateful SSM Parameter Store: GetParameter(s), GetParametersByPath (paged, recursive),
 * DescribeParameters (metadata only, `Path` and `Name` parameter filters, 50 a page), PutParameter, DeleteParameter and LabelParameterVersion (event only), with the service's limits (10 names, 10 per page) and error
 * types. SecureString values come back "encrypted" unless WithDecryption is set. Writes emit the
 * native `Parameter Store Change` events.
 */
export class SsmEmulator {
  readonly #params = new Map<string, StoredParameter>();
  readonly #ctx: AwsEmulatorContext;

  constructor(ctx: AwsEmulatorContext) {
    this.#ctx = ctx;
  }

  seed(input: SeedParameterInput): { version: number } {
    return { version: this.#put(input.name, input.value, input.type ?? "String", true, input.description).version };
  }

  handle(op: string, body: Json): unknown {
    switch (op) {
      case "GetParameter": {
        const param = this.#select(requireString(body, "Name"));
        if (!param) throw new AwsServiceError("ParameterNotFound", "");
        return { Parameter: this.#toWire(param.stored, optionalBoolean(body, "WithDecryption") ?? false, param.version) };
      }
      case "GetParameters":
        return this.#getParameters(body);
      case "GetParametersByPath":
        return this.#getByPath(body);
      case "DescribeParameters":
        return this.#describe(body);
      case "PutParameter":
        return this.#putParameter(body);
      case "DeleteParameter": {
        const name = requireString(body, "Name");
        const stored = this.#params.get(name);
        if (!stored) throw new AwsServiceError("ParameterNotFound", "");
        this.#params.delete(name);
        this.#emit("Delete", stored);
        return {};
      }
      case "LabelParameterVersion": {
        const stored = this.#params.get(requireString(body, "Name"));
        if (!stored) throw new AwsServiceError("ParameterNotFound", "");
        const version = optionalNumber(body, "ParameterVersion") ?? stored.version;
        if (!stored.history.has(version))
          throw new AwsServiceError("ParameterVersionNotFound", `Version ${version} of ${stored.name} not found.`);
        // Labels are not stored: afsync reads the latest version, which a label never changes.
        this.#emit("LabelParameterVersion", stored);
        return { InvalidLabels: [], ParameterVersion: version };
      }
      default:
        throw new AwsServiceError("UnknownOperationException", `Operation AmazonSSM.${op} is not supported by the emulator`);
    }
  }

  #arn(name: string): string {
    // The ARN folds the name's leading slash: "/a/b" and "a" become "parameter/a/b" and "parameter/a".
    return `arn:aws:ssm:${this.#ctx.region}:${this.#ctx.accountId}:parameter/${name.replace(/^\//, "")}`;
  }

  #emit(operation: string, p: StoredParameter): void {
    const detail: Json = { operation, name: p.name, type: p.type };
    if (p.description !== undefined) detail.description = p.description;
    this.#ctx.emit(nativeEvent(this.#ctx, "aws.ssm", "Parameter Store Change", [this.#arn(p.name)], detail));
  }

  #putParameter(body: Json): Json {
    const name = requireString(body, "Name");
    const value = optionalString(body, "Value");
    if (value === undefined) throw validationError("Value null at 'value' failed to satisfy constraint: Member must not be null");
    const rawType = optionalString(body, "Type");
    if (rawType !== undefined && rawType !== "String" && rawType !== "StringList" && rawType !== "SecureString") {
      throw validationError(
        `Value '${rawType}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    const existing = this.#params.get(name);
    const overwrite = optionalBoolean(body, "Overwrite") ?? false;
    if (existing && !overwrite)
      throw new AwsServiceError(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
      );
    const stored = this.#put(name, value, rawType ?? existing?.type ?? "String", false, optionalString(body, "Description"));
    this.#emit(stored.version === 1 ? "Create" : "Update", stored);
    return { Version: stored.version, Tier: "Standard" };
  }

  #put(name: string, value: string, type: ParameterType, seeding: boolean, description: string | undefined): StoredParameter {
    // Hierarchies must be fully qualified ("/a/b"); a name with a "/" that does not start with one is refused.
    if (name.includes("/") && !name.startsWith("/")) {
      throw validationError(`Parameter name must be a fully qualified name: ${name}. Parameter names with '/' must begin with '/'.`);
    }
    if (/^\/?(aws|ssm)/i.test(name)) throw validationError('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
    if (value.length > 4096)
      throw validationError("Value at 'value' failed to satisfy constraint: Member must have length less than or equal to 4096");
    const existing = this.#params.get(name);
    if (existing && seeding) throw new AwsServiceError("ParameterAlreadyExists", `seed: parameter ${name} already exists`);
    const version = (existing?.version ?? 0) + 1;
    const stored: StoredParameter = existing ?? { name, type, value, version, lastModifiedDate: 0, dataType: "text", history: new Map() };
    stored.type = type;
    stored.value = value;
    stored.version = version;
    stored.lastModifiedDate = this.#ctx.now();
    if (description !== undefined) stored.description = description;
    stored.history.set(version, value);
    this.#params.set(name, stored);
    return stored;
  }

  /** A name with an optional `:version` selector (labels are not emulated). */
  #select(raw: string): { stored: StoredParameter; version: number } | undefined {
    const match = /^(.*):(\d+)$/.exec(raw);
    const name = match?.[1] ?? raw;
    const stored = this.#params.get(name);
    if (!stored) return undefined;
    const version = match?.[2] === undefined ? stored.version : Number(match[2]);
    return stored.history.has(version) ? { stored, version } : undefined;
  }

  #toWire(p: StoredParameter, decrypt: boolean, version: number): Json {
    const value = p.history.get(version) ?? p.value;
    return {
      Name: p.name,
      Type: p.type,
      // Undecrypted SecureStrings come back as KMS ciphertext; the emulator's stand-in is opaque base64.
      Value: p.type === "SecureString" && !decrypt ? `AQICAH${Buffer.from(value).toString("base64")}` : value,
      Version: version,
      LastModifiedDate: p.lastModifiedDate / 1000,
      ARN: this.#arn(p.name),
      DataType: p.dataType,
    };
  }

  #getParameters(body: Json): Json {
    const names = optionalStringList(body, "Names") ?? [];
    if (names.length < 1 || names.length > GET_PARAMETERS_LIMIT) {
      throw validationError(
        `Value at 'names' failed to satisfy constraint: Member must have length less than or equal to ${GET_PARAMETERS_LIMIT}`,
      );
    }
    const decrypt = optionalBoolean(body, "WithDecryption") ?? false;
    const parameters: Json[] = [];
    const invalid: string[] = [];
    for (const name of names) {
      const found = this.#select(name);
      if (found) parameters.push(this.#toWire(found.stored, decrypt, found.version));
      else invalid.push(name);
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  }

  /** Metadata only (no `Value`), as the service answers: what a version listing reads. */
  #describe(body: Json): Json {
    const max = optionalNumber(body, "MaxResults") ?? DESCRIBE_LIMIT;
    if (max < 1 || max > DESCRIBE_LIMIT)
      throw validationError(
        `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${DESCRIBE_LIMIT}`,
      );
    const filters = Array.isArray(body.ParameterFilters) ? (body.ParameterFilters as Json[]) : [];
    const matches = (p: StoredParameter) =>
      filters.every((f) => {
        const values = Array.isArray(f.Values) ? f.Values.filter((v): v is string => typeof v === "string") : [];
        if (f.Key === "Path") {
          const recursive = f.Option === "Recursive";
          return values.some((path) => {
            const base = path.endsWith("/") ? path : `${path}/`;
            return p.name.startsWith(base) && (recursive || !p.name.slice(base.length).includes("/"));
          });
        }
        if (f.Key === "Name") return values.some((v) => (f.Option === "BeginsWith" ? p.name.startsWith(v) : p.name === v));
        throw new AwsServiceError("InvalidFilterKey", `The emulator does not support the filter key ${String(f.Key)}`);
      });
    const all = [...this.#params.values()].filter(matches).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const scope = `describe:${JSON.stringify(filters)}`;
    const token = optionalString(body, "NextToken");
    const offset = token === undefined ? 0 : decodePageToken(token, scope, "InvalidNextToken");
    const page = all.slice(offset, offset + max);
    const next = offset + page.length;
    return {
      Parameters: page.map((p) => ({
        Name: p.name,
        ARN: this.#arn(p.name),
        Type: p.type,
        Version: p.version,
        LastModifiedDate: p.lastModifiedDate / 1000,
        DataType: p.dataType,
        Tier: "Standard",
        Policies: [],
        ...(p.description === undefined ? {} : { Description: p.description }),
      })),
      ...(next < all.length ? { NextToken: encodePageToken(scope, next) } : {}),
    };
  }

  #getByPath(body: Json): Json {
    const path = requireString(body, "Path");
    if (!path.startsWith("/")) throw validationError(`The parameter path ${path} is not valid: it must begin with '/'.`);
    const max = optionalNumber(body, "MaxResults") ?? BY_PATH_LIMIT;
    if (max < 1 || max > BY_PATH_LIMIT)
      throw validationError(
        `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${BY_PATH_LIMIT}`,
      );
    const recursive = optionalBoolean(body, "Recursive") ?? false;
    const decrypt = optionalBoolean(body, "WithDecryption") ?? false;
    const base = path.endsWith("/") ? path : `${path}/`;
    const all = [...this.#params.values()]
      .filter((p) => p.name.startsWith(base) && (recursive || !p.name.slice(base.length).includes("/")))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const token = optionalString(body, "NextToken");
    const offset = token === undefined ? 0 : decodePageToken(token, `path:${path}`, "InvalidNextToken");
    const page = all.slice(offset, offset + max);
    const next = offset + page.length;
    return {
      Parameters: page.map((p) => this.#toWire(p, decrypt, p.version)),
      ...(next < all.length ? { NextToken: encodePageToken(`path:${path}`, next) } : {}),
    };
  }
}
