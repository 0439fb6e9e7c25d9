import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AirflowKey, type KeyProblem, variableKey } from "@afsync/core";
import { runHasFailures } from "@afsync/core/engine/RunReport";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { envVarNameFor } from "@afsync/core/formats/envVars";
import { checkTargetKeys, controlCharacterIn, displayKeyString } from "@afsync/core/formats/targetKeyRules";
import { InMemoryDeploymentTarget } from "@afsync/testing";
import { actions, pg, setup } from "./engineFixture.ts";

/** A target whose readers upper-case names (like env vars) and refuse '-': what env-file does. */
class UpperCasingTarget extends InMemoryDeploymentTarget {
  override checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, {
      target: "upper",
      nameOf: envVarNameFor,
      refuse: (key) => (key.id.includes("-") ? "the upper target refuses '-'" : undefined),
    });
  }
}

describe("checkTargetKeys", () => {
  it("refuses control and line-break characters anywhere in a key, naming the code point, not a value", () => {
    const problems = checkTargetKeys(
      [
        variableKey("x\nAIRFLOW__CORE__LOAD_EXAMPLES"),
        variableKey("a\rb"),
        variableKey("nel\u0085"),
        variableKey("ls\u2028"),
        variableKey("ok"),
      ],
      { target: "t", nameOf: (k) => k.id },
    );
    assert.deepEqual(
      problems.map((p) => p.reason),
      [
        '"var:x\\nAIRFLOW__CORE__LOAD_EXAMPLES": the key contains a control or line-break character (U+000A at position 2); the t target refuses it',
        '"var:a\\rb": the key contains a control or line-break character (U+000D at position 2); the t target refuses it',
        '"var:nel\u0085": the key contains a control or line-break character (U+0085 at position 4); the t target refuses it',
        '"var:ls\u2028": the key contains a control or line-break character (U+2028 at position 3); the t target refuses it',
      ],
    );
  });

  it("reports every key of a collision, each naming the others and the shared name", () => {
    const problems = checkTargetKeys([variableKey("MixedCase"), variableKey("mixedcase"), variableKey("MIXEDCASE"), variableKey("other")], {
      target: "env-file",
      nameOf: envVarNameFor,
    });
    assert.deepEqual(
      problems.map((p) => [p.key, p.collidesWith]),
      [
        ["var:MIXEDCASE", ["var:MixedCase", "var:mixedcase"]],
        ["var:MixedCase", ["var:MIXEDCASE", "var:mixedcase"]],
        ["var:mixedcase", ["var:MIXEDCASE", "var:MixedCase"]],
      ],
    );
    assert.match(problems[0]?.reason ?? "", /become the same name "AIRFLOW_VAR_MIXEDCASE" in the env-file target; none of them is written/);
  });

  it("shows a key on one line whatever it holds", () => {
    assert.equal(displayKeyString("var:plain"), "var:plain");
    assert.equal(displayKeyString("var:a\nb"), '"var:a\\nb"');
    assert.equal(controlCharacterIn("tab\there"), "U+0009 at position 4");
  });
});

describe("SyncEngine with a target's key rules", () => {
  it("plans refused keys as invalid and colliding keys as conflicts for both, applies everything else and fails the run", async () => {
    const { source, engine, binding, target } = setup({}, new UpperCasingTarget());
    source
      .setVariable("x\nAIRFLOW__CORE__LOAD_EXAMPLES", "True")
      .setVariable("MixedCase", "a")
      .setVariable("mixedcase", "b")
      .setVariable("with-dash", "c")
      .setVariable("fine", "d")
      .setConnection("db", pg());
    const plan = await engine.plan([binding], FULL_RECONCILIATION);
    const expected = {
      "conn:db": "create",
      "var:MixedCase": "conflict",
      "var:fine": "create",
      "var:mixedcase": "conflict",
      "var:with-dash": "invalid",
      "var:x\nAIRFLOW__CORE__LOAD_EXAMPLES": "invalid",
    };
    assert.deepEqual(actions(plan), expected, "plan shows it before anything is written");
    assert.ok(runHasFailures(plan));

    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(report), expected);
    assert.deepEqual([...target.values.keys()].sort(), ["conn:db", "var:fine"]);
    assert.equal(report.summary.create, 2);
    assert.equal(report.summary.conflict, 2);
    assert.equal(report.summary.invalid, 2);
    assert.ok(runHasFailures(report), "the sync exits 1");
    const conflict = report.deployments[0]?.changes.find((c) => c.key === "var:MixedCase");
    assert.deepEqual(conflict?.collidesWith, ["var:mixedcase"]);
  });

  it("makes a new key that lands on an existing key's name a conflict, leaving the existing one alone", async () => {
    const target = new UpperCasingTarget().seed("var:region", { kind: "variable", value: "theirs" });
    const { source, engine, binding } = setup({}, target);
    source.setVariable("REGION", "ours");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(report), { "var:REGION": "conflict" });
    assert.deepEqual(target.values.get("var:region"), { kind: "variable", value: "theirs" });
    assert.equal(target.values.has("var:REGION"), false);
  });

  it("does not count a write whose call threw, nor the changes it carried", async () => {
    const target = new InMemoryDeploymentTarget().failNextApply("EACCES (open)");
    const { source, engine, binding } = setup({}, target);
    source.setVariable("a", "1").setVariable("b", "2");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(report.summary.writes, 0, "no write was confirmed");
    assert.equal(report.summary.create, 0, "nothing was created");
    assert.equal(report.summary.failed, 1);
    assert.ok(report.deployments[0]?.changes.every((c) => c.error !== undefined));
    assert.ok(runHasFailures(report));
  });
});
