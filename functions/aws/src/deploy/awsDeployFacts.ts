import { secretsManagerSourceOptionsSchema, ssmSourceOptionsSchema } from "@afsync/aws/awsSourceOptions";
import { backendKwargsOf } from "@afsync/aws/backendKwargsOf";
import { BackendSecretNaming } from "@afsync/core/source/BackendSecretNaming";
import { adapterOmissionDefines } from "@afsync/runtime/compose/bundleOmission";
import { bundledConfigDefine, readBytes } from "@afsync/runtime/config/bundledConfigDefine";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { DEFAULT_WEBHOOK_SECRET_ENV } from "../runtime/coldStart.ts";

/** One AWS source as the deployment must see it: what it lists and reads, and in which region. */
export interface AwsSourceScope {
  readonly id: string;
  readonly type: "aws-secrets-manager" | "aws-ssm";
  /** The source's `region_name`, when the config pins one (else the stack's region). */
  readonly region: string | undefined;
  /** The id prefixes it reads, each with its trailing separator (`airflow/connections/`, `/airflow/variables/`). */
  readonly prefixes: readonly string[];
}

/** What serverless.yml derives from the bundled config (functions/aws/iam-from-config.cjs turns it into IAM and rules). */
export interface AwsDeployFacts {
  readonly awsSources: readonly AwsSourceScope[];
  readonly reconcileEveryMs: number;
  /** The env var holding the webhook's signing secret: the one deploy-time secret the webhook reads. */
  readonly webhookSecretEnv: string;
  /** The env var holding the HMAC key (`state.hmac_key_env`), when state lives in the targets: the reconcile's one secret. */
  readonly hmacKeyEnv: string | undefined;
  /**
   * esbuild `define`s that leave out of the bundles every source and target type the config does
   * not name (`adapterOmissionDefines`): most of a bundle's bytes, and so of its cold start; and
   * that embed the config validated here (`BundledConfig`), so a cold start neither parses YAML
   * nor runs the schemas for the file it was built with.
   */
  readonly esbuildDefine: Readonly<Record<string, string>>;
}

/**
 * Reads the config the functions will load at cold start with the same parser (so a config the
 * functions would reject fails the deploy, naming the file and key), and takes each AWS source's
 * prefixes from its own option schema (Airflow's defaults) and naming rules (`listingPrefix`): the
 * IAM scope and EventBridge filters are exactly what the sources will read.
 */
export async function awsDeployFacts(configPath: string): Promise<AwsDeployFacts> {
  const before = readBytes(configPath);
  const config = await loadConfigFile(configPath);
  const awsSources: AwsSourceScope[] = [];
  for (const source of config.sources) {
    if (source.type !== "aws-secrets-manager" && source.type !== "aws-ssm") continue;
    const options =
      source.type === "aws-secrets-manager"
        ? secretsManagerSourceOptionsSchema.parse(source.options)
        : ssmSourceOptionsSchema.parse(source.options);
    const naming = new BackendSecretNaming(source.type, backendKwargsOf(options));
    const prefixes = (["connection", "variable"] as const).flatMap((kind) => naming.listingPrefix(kind) ?? []);
    awsSources.push({ id: source.id, type: source.type, region: options.region_name, prefixes: [...new Set(prefixes)] });
  }
  return {
    awsSources,
    reconcileEveryMs: config.serve.reconcileEveryMs,
    webhookSecretEnv: config.serve.webhookSecretEnv ?? DEFAULT_WEBHOOK_SECRET_ENV,
    hmacKeyEnv: config.state.type === "target" ? config.state.hmacKeyEnv : undefined,
    esbuildDefine: { ...adapterOmissionDefines(config), ...bundledConfigDefine(configPath, before, config) },
  };
}
