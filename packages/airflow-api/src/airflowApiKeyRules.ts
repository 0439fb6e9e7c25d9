import type { AirflowKey } from "@afsync/core";
import { keyString } from "@afsync/core";
import type { TargetKeyRules } from "@afsync/core/formats/targetKeyRules";
import { isManifestVariable } from "./manifestLog.ts";

// `connection_id`: v1 checks it with `airflow.utils.helpers.validate_key(max_length=200)`, v2's
// `ConnectionBody` has `pattern: ^[\w.-]+$, maxLength: 200`. `\w` is Unicode in Python but ASCII
// in ECMAScript validators of the published spec (and gateways built on them), so only the
// ASCII reading, which every validator accepts, is written.
const REST_CONNECTION_ID = /^[A-Za-z0-9_.-]+$/;
const REST_CONNECTION_ID_MAX = 200;
// `VariableBody.key` (v2) and the `variable.key` column (v1): 250 characters.
const REST_VARIABLE_KEY_MAX = 250;

/**
 * What the Airflow REST API can hold so that afsync can read, update and delete it again. Ids
 * travel in URL paths (`/connections/{id}`, `/variables/{key}`): a key that is a dot segment is
 * normalized away by URL parsers, and a variable key with a leading, trailing or doubled `/`
 * cannot be reached once created (apache/airflow#25103, #50796, #68065: proxies and FastAPI's
 * slash redirect rewrite such paths).
 */
export function airflowApiKeyRules(manifestVariable: string | null): TargetKeyRules {
  return {
    target: "airflow-api",
    nameOf: keyString,
    refuse(key: AirflowKey): string | undefined {
      if (key.id === "." || key.id === "..")
        return `'${key.id}' is a URL dot segment, which HTTP clients and servers normalize away, so the REST API cannot address it`;
      if (key.kind === "connection") {
        if (key.id.length > REST_CONNECTION_ID_MAX)
          return `the Airflow REST API accepts connection_id up to ${REST_CONNECTION_ID_MAX} characters; this one has ${key.id.length}`;
        if (!REST_CONNECTION_ID.test(key.id))
          return "the airflow-api target writes connection_id of ASCII letters, digits, '_', '.' and '-' only (the REST API's pattern ^[\\w.-]+$)";
        return undefined;
      }
      if (key.id.length > REST_VARIABLE_KEY_MAX)
        return `the Airflow REST API accepts variable keys up to ${REST_VARIABLE_KEY_MAX} characters; this one has ${key.id.length}`;
      if (key.id.startsWith("/") || key.id.endsWith("/") || key.id.includes("//"))
        return "a variable key that starts or ends with '/' or holds '//' cannot be read, updated or deleted through the REST API once written (apache/airflow#68065)";
      if (manifestVariable !== null && isManifestVariable(manifestVariable, key.id))
        return `'${key.id}' is a variable afsync keeps its manifest in; rename the key or set manifest_variable`;
      return undefined;
    },
  };
}
