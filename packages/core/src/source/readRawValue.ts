import { InvalidValueError } from "../errors.ts";
import type { AirflowKey } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { SourceVersion } from "../model/SourceVersion.ts";
import type { SourceRead } from "../ports/SecretSource.ts";

/**
 * A raw value as a source read it → `found` with the parsed Airflow value, or `invalid` with the
 * parser's reason (which names the field or rule, never the value) when it does not parse as
 * what Airflow would read. Anything else the parser throws is a bug and propagates.
 */
export function readRawValue(
  key: AirflowKey,
  secretId: string,
  parse: () => AirflowValue,
  version: SourceVersion | undefined,
): Extract<SourceRead, { status: "found" | "invalid" }> {
  const withVersion = version === undefined ? {} : { version };
  try {
    return { status: "found", key, secretId, value: parse(), ...withVersion };
  } catch (err) {
    if (!(err instanceof InvalidValueError)) throw err;
    return { status: "invalid", key, secretId, reason: err.message, ...withVersion };
  }
}
