import { InvalidValueError } from "../errors.ts";
import type { Connection } from "../model/Connection.ts";
import { quoteReceivedName } from "../quoteReceivedName.ts";
import { CONNECTION_CONSTRUCTOR_KEYS, connectionFromFields, FIELD_NAME, normalizePort } from "./connectionFields.ts";
import { connectionFromJson, parseJsonObject } from "./connectionJson.ts";
import { parseIntendedConnectionUri } from "./intendedConnectionUri.ts";
import { pythonJsonDumps } from "./pythonJson.ts";

/**
 * One entry point for "a connection in any form Airflow accepts": a URI, Airflow's JSON form,
 * the AWS Secrets Manager backend's alias JSON, the Vault backend's dict, or the JSON that AWS's
 * RDS/Aurora/Redshift rotation functions write. `auto` picks the form from the value's shape.
 */
export type ConnectionFormat = "auto" | "uri" | "json" | "aws-secrets-manager" | "vault" | "rds";

export const CONNECTION_FORMATS: readonly ConnectionFormat[] = ["auto", "uri", "json", "aws-secrets-manager", "vault", "rds"];

export interface ConnectionValueOptions {
  readonly format?: ConnectionFormat;
  /** The backend's `backend_kwargs`; `extra_conn_words` extends the AWS alias lists. */
  readonly backendKwargs?: Record<string, unknown>;
}

// `SecretsManagerBackend._standardize_secret_keys`: for each field, the first key of the secret
// (in the secret's own order) found in the field's word list. Note `conn_id` is a conn_type alias.
const AWS_WORDS: Readonly<Record<string, readonly string[]>> = {
  login: ["login", "user", "username", "user_name"],
  password: ["password", "pass", "key"],
  host: ["host", "remote_host", "server"],
  port: ["port"],
  schema: ["database", "schema"],
  conn_type: ["conn_type", "conn_id", "connection_type", "engine"],
  extra: ["extra"],
};

/** The AWS alias standardization; keys in no list are dropped, as the backend drops them. */
export function standardizeAwsSecretKeys(
  secret: Record<string, unknown>,
  backendKwargs: Record<string, unknown> = {},
): Record<string, unknown> {
  const words: Record<string, string[]> = Object.fromEntries(Object.entries(AWS_WORDS).map(([k, v]) => [k, [...v]]));
  const extraWords = backendKwargs.extra_conn_words;
  if (extraWords !== undefined && extraWords !== null) {
    if (typeof extraWords !== "object" || Array.isArray(extraWords))
      throw new InvalidValueError("backend_kwargs.extra_conn_words must be an object of lists");
    for (const [rawField, list] of Object.entries(extraWords as Record<string, unknown>)) {
      const field = rawField === "user" ? "login" : rawField; // `user` kept for backwards compatibility
      const target = words[field];
      if (target === undefined) {
        throw new InvalidValueError(
          `backend_kwargs.extra_conn_words.${rawField}: unknown connection field; use one of ${Object.keys(AWS_WORDS).join(", ")} (or user)`,
        );
      }
      if (!Array.isArray(list) || !list.every((w) => typeof w === "string")) {
        throw new InvalidValueError(`backend_kwargs.extra_conn_words.${rawField}: expected a list of strings`);
      }
      target.push(...(list as string[]));
    }
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(secret);
  for (const [field, list] of Object.entries(words)) {
    out[field] = entries.find(([k]) => list.includes(k))?.[1] ?? null;
  }
  return out;
}

// The `engine` values AWS's rotation templates and RDS/Redshift managed secrets write, and the
// Airflow conn_type of the provider that talks to each.
const RDS_ENGINES: Readonly<Record<string, string>> = {
  postgres: "postgres",
  postgresql: "postgres",
  "aurora-postgresql": "postgres",
  mysql: "mysql",
  mariadb: "mysql",
  aurora: "mysql",
  "aurora-mysql": "mysql",
  redshift: "redshift",
  sqlserver: "mssql",
  "sqlserver-ee": "mssql",
  "sqlserver-se": "mssql",
  "sqlserver-ex": "mssql",
  "sqlserver-web": "mssql",
  oracle: "oracle",
  "oracle-ee": "oracle",
  "oracle-se2": "oracle",
  "oracle-se1": "oracle",
  "oracle-se": "oracle",
  db2: "db2",
};

// Keys the rotation functions and RDS-managed secrets write that are not connection fields.
const RDS_IGNORED_KEYS = new Set([
  "dbInstanceIdentifier",
  "dbClusterIdentifier",
  "dbClusterInstanceIdentifier",
  "masterarn",
  "proxies",
  "engineVersion",
  "dbSecurityGroupId",
]);
const RDS_FIELD_KEYS = new Set(["engine", "host", "port", "username", "password", "dbname"]);

/** A rotation-function secret (`engine, host, port, username, password, dbname`) as an Airflow connection. */
export function connectionFromRdsSecret(secret: Record<string, unknown>): Connection {
  for (const key of Object.keys(secret)) {
    if (!RDS_FIELD_KEYS.has(key) && !RDS_IGNORED_KEYS.has(key)) {
      throw new InvalidValueError(
        `rds secret: unexpected key ${quoteReceivedName(key, FIELD_NAME, "'")}; a rotation secret has ${[...RDS_FIELD_KEYS].join(", ")}`,
      );
    }
  }
  const engine = secret.engine;
  if (typeof engine !== "string" || engine === "")
    throw new InvalidValueError("rds secret: 'engine' is missing; it names the database engine (postgres, mysql, redshift…)");
  const connType = RDS_ENGINES[engine.toLowerCase()];
  if (connType === undefined) {
    throw new InvalidValueError(
      `rds secret: engine '${engine}' has no known Airflow connection type; known engines: ${Object.keys(RDS_ENGINES).join(", ")}`,
    );
  }
  const str = (name: string): string | null => {
    const v = secret[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") throw new InvalidValueError(`rds secret: '${name}' must be a string`);
    return v;
  };
  const password = str("password");
  return {
    conn_type: connType,
    host: str("host"),
    login: str("username"),
    password: password === "" ? null : password,
    schema: str("dbname"),
    port: normalizePort(secret.port, "rds secret: "),
    extra: null,
  };
}

/** The Vault backend's KV dict: a truthy `conn_uri` wins; else the newest provider's `from_json(json.dumps(dict))`. */
export function connectionFromVaultSecret(secret: Record<string, unknown>): Connection {
  const uri = secret.conn_uri;
  if (uri !== undefined && uri !== null && uri !== "") {
    if (typeof uri !== "string") throw new InvalidValueError("vault secret: 'conn_uri' must be a string");
    return parseIntendedConnectionUri(uri);
  }
  const { conn_uri: _ignored, ...fields } = secret;
  return connectionFromFields(fields, { where: "vault secret: ", normalizeType: true, parseUri: parseIntendedConnectionUri });
}

/** The AWS Secrets Manager backend's JSON: aliases standardized, re-dumped, then `from_json`. */
export function connectionFromAwsSecret(secret: Record<string, unknown>, backendKwargs: Record<string, unknown> = {}): Connection {
  return connectionFromJson(pythonJsonDumps(standardizeAwsSecretKeys(secret, backendKwargs)));
}

const CONSTRUCTOR_KEYS = new Set<string>(CONNECTION_CONSTRUCTOR_KEYS);
// Alias words that are not constructor keys: only these say "this is an AWS alias secret".
const AWS_ONLY_KEYS = new Set<string>(
  Object.values(AWS_WORDS)
    .flat()
    .filter((w) => !CONSTRUCTOR_KEYS.has(w)),
);

function detectObjectFormat(
  obj: Record<string, unknown>,
  backendKwargs: Record<string, unknown>,
): Exclude<ConnectionFormat, "auto" | "uri"> {
  const keys = Object.keys(obj);
  if ("conn_uri" in obj) return "vault";
  if (keys.every((k) => CONSTRUCTOR_KEYS.has(k))) return "json";
  if ("engine" in obj && !("conn_type" in obj) && keys.every((k) => RDS_FIELD_KEYS.has(k) || RDS_IGNORED_KEYS.has(k))) return "rds";
  const extraWords = backendKwargs.extra_conn_words;
  const custom = extraWords && typeof extraWords === "object" ? Object.values(extraWords as Record<string, unknown>).flat() : [];
  if (keys.some((k) => AWS_ONLY_KEYS.has(k) || custom.includes(k))) return "aws-secrets-manager";
  return "json"; // lets from_json name the unexpected keys
}

/**
 * Parses a connection value. Strings starting with `{` (after trimming) are JSON, anything else
 * a URI, as `BaseSecretsBackend.deserialize_connection` decides; objects are their JSON.
 */
export function parseConnectionValue(value: string | Record<string, unknown>, options: ConnectionValueOptions = {}): Connection {
  const format = options.format ?? "auto";
  const backendKwargs = options.backendKwargs ?? {};
  if (format === "uri") {
    if (typeof value !== "string") throw new InvalidValueError("format uri expects a string");
    return parseIntendedConnectionUri(value.trim());
  }
  let obj: Record<string, unknown>;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (!trimmed.startsWith("{")) {
      if (format !== "auto") throw new InvalidValueError(`format ${format} expects a JSON object, but the value does not start with '{'`);
      return parseIntendedConnectionUri(trimmed);
    }
    obj = parseJsonObject(trimmed, "connection value");
  } else {
    obj = value;
  }
  const chosen = format === "auto" ? detectObjectFormat(obj, backendKwargs) : format;
  switch (chosen) {
    case "json":
      return connectionFromJson(obj);
    case "aws-secrets-manager":
      return connectionFromAwsSecret(obj, backendKwargs);
    case "vault":
      return connectionFromVaultSecret(obj);
    case "rds":
      return connectionFromRdsSecret(obj);
  }
}
