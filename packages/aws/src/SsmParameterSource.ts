import type { AirflowKey, AirflowValue } from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import type { ListedVersion, SecretIdMapping, SecretSource, SourceCapabilities, SourceRead } from "@afsync/core/ports/SecretSource";
import type { BackendSecretNaming } from "@afsync/core/source/BackendSecretNaming";
import { chunk, mapWithConcurrency } from "@afsync/core/source/mapWithConcurrency";
import { readRawValue } from "@afsync/core/source/readRawValue";
import {
  GetParameterCommand,
  GetParametersCommand,
  type Parameter,
  paginateDescribeParameters,
  paginateGetParametersByPath,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { awsCallError, describeAwsError } from "./awsCallFailure.ts";
import { ssmKeysFor } from "./awsSourceNaming.ts";

const NAMES_PER_CALL = 10; // GetParameters' maximum
const DESCRIBE_PAGE = 50; // DescribeParameters' maximum
const CONCURRENCY = 4;

/**
 * SSM Parameter Store read the way Airflow's `SystemsManagerParameterStoreBackend` reads it:
 * names are `/prefix/key`, SecureStrings decrypted, values a URI or Airflow's JSON form (no alias
 * standardisation, unlike Secrets Manager). Full reconciliation walks each prefix with
 * `GetParametersByPath` (recursive, paged until no NextToken, even after empty pages); targeted
 * reads use `GetParameters`, 10 names a call. `listVersions()` lists with `DescribeParameters`
 * (50 a page, no value). The version id is `<Version>@<LastModifiedDate ms>`: the number alone
 * restarts at 1 when a parameter is deleted and created again, and would hide that new value.
 */
export class SsmParameterSource implements SecretSource {
  readonly id: string;
  readonly provider = "aws-ssm";
  // Parameter Store events carry no version, so reads always take the latest one.
  readonly capabilities: SourceCapabilities = { batchSize: NAMES_PER_CALL, orderedVersions: true, listsVersions: true };
  readonly #client: SSMClient;
  readonly #naming: BackendSecretNaming;

  constructor(id: string, client: SSMClient, naming: BackendSecretNaming) {
    this.id = id;
    this.#client = client;
    this.#naming = naming;
  }

  secretIdFor(key: AirflowKey): string | null {
    return this.#naming.secretIdFor(key);
  }

  keysFor(secretId: string): SecretIdMapping {
    return ssmKeysFor(this.#naming, secretId);
  }

  async readAll(): Promise<SourceRead[]> {
    // The two prefixes are walked side by side; each walk is sequential (NextToken paging).
    const walks = (["connection", "variable"] as const).map((kind) => this.#walk(kind));
    return (await Promise.all(walks)).flat();
  }

  async #walk(kind: AirflowKey["kind"]): Promise<SourceRead[]> {
    const prefix = this.#naming.listingPrefix(kind);
    if (prefix === null) return [];
    const out = new Map<string, SourceRead>();
    try {
      const pages = paginateGetParametersByPath(
        { client: this.#client },
        { Path: prefix.slice(0, -1) || "/", Recursive: true, WithDecryption: true },
      );
      for await (const page of pages) {
        for (const p of page.Parameters ?? []) {
          if (!p.Name) continue;
          for (const key of this.#naming.keysFor(p.Name).keys) {
            if (key.kind === kind && this.#naming.secretIdFor(key) === p.Name) out.set(p.Name, this.#toRead(key, p.Name, p));
          }
        }
      }
    } catch (err) {
      // A failed walk must not look like "everything was deleted": fail the whole read.
      throw awsCallError(`GetParametersByPath '${prefix}' (source ${this.id})`, err);
    }
    return [...out.values()];
  }

  async listVersions(): Promise<ListedVersion[]> {
    const listings = await Promise.all((["connection", "variable"] as const).map((kind) => this.#describe(kind)));
    return listings.flat();
  }

  async #describe(kind: AirflowKey["kind"]): Promise<ListedVersion[]> {
    const prefix = this.#naming.listingPrefix(kind);
    if (prefix === null) return [];
    const out = new Map<string, ListedVersion>();
    try {
      const pages = paginateDescribeParameters(
        { client: this.#client, pageSize: DESCRIBE_PAGE },
        { ParameterFilters: [{ Key: "Path", Option: "Recursive", Values: [prefix.slice(0, -1) || "/"] }] },
      );
      for await (const page of pages) {
        for (const p of page.Parameters ?? []) {
          const version = versionOf(p.Version, p.LastModifiedDate);
          if (!p.Name || version === undefined) continue;
          for (const key of this.#naming.keysFor(p.Name).keys) {
            if (key.kind === kind && this.#naming.secretIdFor(key) === p.Name) out.set(p.Name, { key, secretId: p.Name, version });
          }
        }
      }
    } catch (err) {
      // A failed listing must not look like "everything was deleted": fail the whole read.
      throw awsCallError(`DescribeParameters '${prefix}' (source ${this.id})`, err);
    }
    return [...out.values()];
  }

  async read(keys: readonly AirflowKey[]): Promise<SourceRead[]> {
    const out: SourceRead[] = [];
    const wanted: { key: AirflowKey; name: string }[] = [];
    for (const key of keys) {
      const name = this.#naming.secretIdFor(key);
      if (name === null) out.push({ status: "missing", key, secretId: "" });
      else wanted.push({ key, name });
    }
    const batches = await mapWithConcurrency(chunk(wanted, NAMES_PER_CALL), CONCURRENCY, async (batch): Promise<SourceRead[]> => {
      try {
        const res = await this.#client.send(
          new GetParametersCommand({ Names: [...new Set(batch.map((w) => w.name))], WithDecryption: true }),
        );
        const byName = new Map((res.Parameters ?? []).map((p) => [p.Name ?? "", p]));
        return batch.map(({ key, name }): SourceRead => {
          const p = byName.get(name);
          return p ? this.#toRead(key, name, p) : { status: "missing", key, secretId: name };
        });
      } catch (err) {
        const { name, status } = describeAwsError(err);
        const reason = `GetParameters failed after retries: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}`;
        return batch.map((w): SourceRead => ({ status: "error", key: w.key, secretId: w.name, reason }));
      }
    });
    out.push(...batches.flat());
    return out;
  }

  /**
   * `afsync rollback`: the parameter at an older version with SSM's `name:N` selector. The
   * version may be written `N`, `name:N` or as afsync records it (`N@<modified ms>`).
   */
  async readVersion(key: AirflowKey, version: string): Promise<SourceRead> {
    const name = this.#naming.secretIdFor(key);
    if (name === null) return { status: "missing", key, secretId: "" };
    const number = /^(?:.*:)?(\d+)(?:@\d+)?$/.exec(version)?.[1];
    if (number === undefined)
      return { status: "error", key, secretId: name, reason: `'${version}' is not an SSM parameter version (write N or name:N)` };
    try {
      const res = await this.#client.send(new GetParameterCommand({ Name: `${name}:${number}`, WithDecryption: true }));
      return res.Parameter ? this.#toRead(key, name, res.Parameter) : { status: "missing", key, secretId: name };
    } catch (err) {
      const { name: code } = describeAwsError(err);
      if (code === "ParameterNotFound" || code === "ParameterVersionNotFound") return { status: "missing", key, secretId: name };
      return { status: "error", key, secretId: name, reason: `GetParameter of version ${number} failed: ${code}` };
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #toRead(key: AirflowKey, name: string, p: Parameter): SourceRead {
    const version = versionOf(p.Version, p.LastModifiedDate);
    const raw = p.Value;
    if (raw === undefined)
      return { status: "invalid", key, secretId: name, reason: "the parameter has no value", ...(version ? { version } : {}) };
    return readRawValue(key, name, () => parse(key, raw), version);
  }
}

/**
 * Ordered by LastModifiedDate, not Version: SSM numbers versions from 1 again after
 * DeleteParameter + PutParameter, so a recreated parameter's value would look older than the one
 * afsync applied before the delete and be kept out for ever (found by the fault storm). The id
 * carries the time for the same reason: a listing compared on the number alone would miss it.
 */
function versionOf(number: number | undefined, modified: Date | undefined): { id: string; order: number } | undefined {
  if (number === undefined) return undefined;
  return modified === undefined
    ? { id: String(number), order: number }
    : { id: `${number}@${modified.getTime()}`, order: modified.getTime() };
}

/** Airflow's `deserialize_connection`: JSON when it starts with `{` after stripping, else a URI. */
function parse(key: AirflowKey, raw: string): AirflowValue {
  if (key.kind === "variable") return { kind: "variable", value: raw };
  const trimmed = raw.trim();
  return { kind: "connection", connection: parseConnectionValue(trimmed, { format: trimmed.startsWith("{") ? "json" : "uri" }) };
}
