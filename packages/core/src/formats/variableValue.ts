import { InvalidValueError } from "../errors.ts";
import { pythonJsonDumps } from "./pythonJson.ts";

/**
 * A variable's value as Airflow hands it out: a string. Backends return strings verbatim (JSON
 * values stay JSON text; `Variable.get(deserialize_json=True)` decodes them later); a non-string
 * (a YAML/JSON file value, a REST body) becomes its JSON text, as Airflow 3's REST API does. The
 * Vault backend stores `{"value": ...}` and returns nothing when the key is missing.
 */
export type VariableFormat = "plain" | "vault";

export function parseVariableValue(value: unknown, options: { format?: VariableFormat } = {}): string {
  if (options.format === "vault") {
    let dict = value;
    if (typeof value === "string") {
      try {
        dict = JSON.parse(value);
      } catch {
        throw new InvalidValueError('vault variable: the secret must be a JSON object with a "value" key');
      }
    }
    if (dict === null || typeof dict !== "object" || Array.isArray(dict)) {
      throw new InvalidValueError('vault variable: the secret must be an object with a "value" key');
    }
    if (!Object.hasOwn(dict, "value")) {
      throw new InvalidValueError(
        'vault variable: the secret does not have the required key "value"; Airflow treats the variable as not defined',
      );
    }
    const inner = (dict as Record<string, unknown>).value;
    if (inner === null) throw new InvalidValueError('vault variable: "value" is null; Airflow treats the variable as not defined');
    return parseVariableValue(inner);
  }
  if (typeof value === "string") return value;
  if (value === undefined) throw new InvalidValueError("variable: no value");
  try {
    return pythonJsonDumps(value);
  } catch (e) {
    throw new InvalidValueError(`variable: the value cannot be written as JSON (${e instanceof Error ? e.message : "unknown type"})`);
  }
}
