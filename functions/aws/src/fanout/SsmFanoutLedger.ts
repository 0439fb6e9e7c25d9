import { createHash } from "node:crypto";
import { RemoteCallError } from "@afsync/core";
import { decodeFanoutRecord, encodeFanoutRecord, type FanoutLedger, type FanoutRecord } from "@afsync/runtime/fanout/FanoutLedger";
import {
  GetParametersByPathCommand,
  type GetParametersByPathCommandOutput,
  PutParameterCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";

/** The env var naming the ledger's parameter path (serverless.yml: `/afsync/<service>-<stage>/fanout/`). */
export const FANOUT_PATH_ENV = "AFSYNC_FANOUT_PARAMETER_PATH";

/**
 * The reconcile fan-out's ledger on AWS: one standard String parameter per Deployment under a
 * path of the stack's own (no charge for standard parameters, no table or bucket to deploy). The
 * reconcile reads them all with GetParametersByPath (10 a page: the service's maximum), the worker
 * overwrites its Deployment's with PutParameter; the record holds a keyed hash, never a value.
 * The IAM roles grant exactly these two calls on this path (functions/aws/iam-from-config.cjs).
 */
export class SsmFanoutLedger implements FanoutLedger {
  readonly #client: SSMClient;
  readonly #path: string;

  constructor(client: SSMClient, path: string) {
    if (!/^\/[A-Za-z0-9_.\-/]*\/$/.test(path))
      throw new RangeError(`${FANOUT_PATH_ENV} must be a parameter path like /afsync/stack/fanout/`);
    this.#client = client;
    this.#path = path;
  }

  async read(deployments: readonly string[]): Promise<ReadonlyMap<string, FanoutRecord>> {
    const byName = new Map(deployments.map((id) => [this.#nameFor(id), id]));
    const found = new Map<string, FanoutRecord>();
    let token: string | undefined;
    do {
      let page: GetParametersByPathCommandOutput;
      try {
        page = await this.#client.send(
          new GetParametersByPathCommand({ Path: this.#path.slice(0, -1), Recursive: false, MaxResults: 10, NextToken: token }),
        );
      } catch (error) {
        throw new RemoteCallError(`reading the fan-out ledger under ${this.#path} failed: ${nameOf(error)}`, { cause: error });
      }
      for (const parameter of page.Parameters ?? []) {
        const id = parameter.Name === undefined ? undefined : byName.get(parameter.Name);
        const record = id === undefined || parameter.Value === undefined ? undefined : decodeFanoutRecord(parameter.Value);
        if (id !== undefined && record !== undefined) found.set(id, record);
      }
      token = page.NextToken;
    } while (token !== undefined);
    return found;
  }

  async write(deployment: string, record: FanoutRecord): Promise<void> {
    try {
      await this.#client.send(
        new PutParameterCommand({ Name: this.#nameFor(deployment), Value: encodeFanoutRecord(record), Type: "String", Overwrite: true }),
      );
    } catch (error) {
      throw new RemoteCallError(`writing the fan-out record of ${deployment} failed: ${nameOf(error)}`, { cause: error });
    }
  }

  /** A hash keeps any Deployment id a valid parameter name (letters, digits, `_.-/` only). */
  #nameFor(deployment: string): string {
    return `${this.#path}${createHash("sha256").update(deployment).digest("hex")}`;
  }
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}
