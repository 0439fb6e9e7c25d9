import type { FanoutLedger } from "@afsync/runtime/fanout/FanoutLedger";
import { FANOUT_PATH_ENV } from "./SsmFanoutLedger.ts";

/**
 * The ledger serverless.yml points the reconcile and worker functions at (AFSYNC_FANOUT_PARAMETER_PATH),
 * or undefined without one: the reconcile then enqueues every Deployment and the worker confirms
 * nothing, as before. The SSM SDK is imported only when a path is set.
 */
export async function fanoutLedgerFromEnv(env: NodeJS.ProcessEnv): Promise<FanoutLedger | undefined> {
  const path = env[FANOUT_PATH_ENV];
  if (path === undefined || path === "") return undefined;
  const [{ SSMClient }, { awsClientConfig }, { SsmFanoutLedger }] = await Promise.all([
    import("@aws-sdk/client-ssm"),
    import("@afsync/aws/awsClientConfig"),
    import("./SsmFanoutLedger.ts"),
  ]);
  return new SsmFanoutLedger(new SSMClient(awsClientConfig({}, env, "SSM")), path);
}
