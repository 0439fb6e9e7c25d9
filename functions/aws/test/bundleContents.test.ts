import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build } from "esbuild";
import { parse as parseYaml } from "yaml";
import { awsDeployFacts } from "../src/deploy/awsDeployFacts.ts";

// What each function's bundle holds, built as `serverless package` builds it (serverless.yml's
// custom.esbuild, its define from the bundled config): the producers route with the sources'
// naming rules, so neither source SDK nor source client may creep back into their bundles (each
// 100 KB a bundle carries costs its cold start about 3 ms of parsing, run or not).
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

async function bundledInputs(handler: string): Promise<string[]> {
  const doc = parseYaml(readFileSync(join(repoRoot, "serverless.yml"), "utf8")) as { custom: { esbuild: Record<string, unknown> } };
  const { exclude, packager: _p, outputFileExtension: _o, define: _d, ...options } = doc.custom.esbuild;
  const facts = await awsDeployFacts(join(repoRoot, "functions", "aws", "afsync.config.yaml"));
  const result = await build({
    ...(options as BuildOptions),
    define: { ...facts.esbuildDefine },
    external: (exclude as string[] | undefined) ?? [],
    entryPoints: [join(repoRoot, "functions", "aws", "src", "handlers", `${handler}.ts`)],
    write: false,
    outfile: join(repoRoot, ".esbuild", `${handler}.cjs`),
    metafile: true,
    logLevel: "silent",
  });
  // The output's inputs, not the metafile's: esbuild lists every file it scanned there, including
  // those tree shaking left out.
  return Object.values(result.metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

const holds = (inputs: readonly string[], part: string) => inputs.some((i) => i.includes(part));

describe("the Lambda bundles", () => {
  for (const handler of ["events", "webhook", "coalesce"]) {
    // The target's factory module stays (its option schema validates a config that is not the
    // embedded one; about 26 KB), but nothing builds a target here.
    it(`${handler}: SQS and the sources' naming rules; no source SDK, source client or engine`, async () => {
      const inputs = await bundledInputs(handler);
      assert.ok(holds(inputs, "@aws-sdk/client-sqs/"), "the SQS client it sends with");
      assert.ok(holds(inputs, "packages/aws/src/awsSourceNaming.ts"), "the AWS sources' naming rules");
      for (const part of [
        "@aws-sdk/client-ssm/",
        "packages/aws/src/SecretsManagerSource.ts",
        "packages/aws/src/SsmParameterSource.ts",
        "packages/aws/src/createAwsClient.ts",
        "packages/core/src/engine/SyncEngine.ts",
        "packages/runtime/src/compose/buildRuntime.ts",
      ])
        assert.ok(!holds(inputs, part), `${part} is not in the ${handler} bundle`);
    });
  }

  it("reconcile: SQS, the sources (to list their versions) and the SSM ledger; no engine, no target", async () => {
    const inputs = await bundledInputs("reconcile");
    for (const part of [
      "@aws-sdk/client-sqs/",
      "@aws-sdk/client-ssm/",
      "packages/aws/src/SecretsManagerSource.ts",
      "functions/aws/src/fanout/SsmFanoutLedger.ts",
    ])
      assert.ok(holds(inputs, part), part);
    // The adapter loaders it builds the sources with also reach the target modules (bundled, never built).
    for (const part of ["packages/core/src/engine/SyncEngine.ts", "packages/runtime/src/compose/buildRuntime.ts"])
      assert.ok(!holds(inputs, part), `${part} is not in the reconcile bundle`);
  });

  it("worker: the sources' SDKs and the target, which it calls", async () => {
    const inputs = await bundledInputs("worker");
    for (const part of ["@aws-sdk/client-ssm/", "@aws-sdk/client-secrets-manager/", "packages/airflow-api/src/AirflowApiTarget.ts"])
      assert.ok(holds(inputs, part), part);
  });
});
