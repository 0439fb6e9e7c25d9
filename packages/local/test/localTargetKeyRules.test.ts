import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type AirflowKey, connectionKey, variableKey } from "@afsync/core";
import { AirflowSettingsTarget } from "../src/targets/AirflowSettingsTarget.ts";
import { EnvFileTarget } from "../src/targets/EnvFileTarget.ts";
import { LocalFilesystemTarget } from "../src/targets/LocalFilesystemTarget.ts";

// Issue 8, findings 1 and 2: the classes found, per local target. Pure: no file is touched.
const CLASSES: AirflowKey[] = [
  variableKey("x\nAIRFLOW__CORE__LOAD_EXAMPLES"),
  variableKey("cr\rkey"),
  variableKey("with-dash"),
  connectionKey("dotted.id"),
  variableKey("Colon:id"),
  variableKey("sp ace"),
  variableKey("var=eq"),
  variableKey("hash#key"),
  variableKey("üml"),
  variableKey("_team___key"),
  variableKey("MixedCase"),
  variableKey("mixedcase"),
  variableKey("plain_key"),
];

const verdicts = (problems: { key: string; collidesWith?: readonly string[] }[]) =>
  Object.fromEntries(problems.map((p) => [p.key, p.collidesWith === undefined ? "invalid" : "conflict"]));

describe("what each local target can hold (checkKeys)", () => {
  it("env-file: names Compose's env_file and dotenv read back as written, one key per name", () => {
    const target = new EnvFileTarget(join("/nonexistent", ".env"));
    assert.deepEqual(verdicts(target.checkKeys(CLASSES)), {
      "var:x\nAIRFLOW__CORE__LOAD_EXAMPLES": "invalid",
      "var:cr\rkey": "invalid",
      "var:Colon:id": "invalid",
      "var:sp ace": "invalid",
      "var:var=eq": "invalid",
      "var:hash#key": "invalid",
      "var:üml": "invalid",
      "var:_team___key": "invalid",
      "var:MixedCase": "conflict",
      "var:mixedcase": "conflict",
    });
    const [reason] = target.checkKeys([variableKey("var=eq")]).map((p) => p.reason);
    assert.match(reason ?? "", /^var:var=eq: AIRFLOW_VAR_VAR=EQ is not a name Docker Compose's env_file and dotenv readers/);
  });

  it("airflow-settings and local-filesystem: any key but one with a control character", () => {
    for (const target of [
      new AirflowSettingsTarget("/nonexistent/airflow_settings.yaml"),
      new LocalFilesystemTarget({ connectionsFilePath: "/nonexistent/c.json", variablesFilePath: "/nonexistent/v.json" }),
    ]) {
      assert.deepEqual(verdicts(target.checkKeys(CLASSES)), {
        "var:x\nAIRFLOW__CORE__LOAD_EXAMPLES": "invalid",
        "var:cr\rkey": "invalid",
      });
    }
  });
});
