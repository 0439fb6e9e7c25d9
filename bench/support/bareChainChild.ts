/**
 * The baseline of `full-reconcile`: the critical path's calls, made by a client that does nothing
 * else. The same SDK client for Secrets Manager, and for Airflow plain `fetch` and, for list
 * pages, the transport afsync reads them with (`createNodeHttpGet`, ADR 013), the same requests
 * (same paging, same bulk bodies) in the order and with the concurrency the bench's bound counts
 * (see the header of full-reconcile.bench.ts), and no engine: no planning, no hashing, no state.
 * Its wall time is what any engine would pay on this machine for the round trips plus what the
 * bound leaves out (the emulators' time to answer, the transport, the SDK's parsing), so
 * afsync's wall time over it is afsync's own share. It runs as a child bundled like the engine's,
 * for the same reason (the emulators answer from the parent's event loop). One JSON line out.
 */
import { performance } from "node:perf_hooks";
import { createNodeHttpGet } from "@afsync/http/nodeHttpGet";
import { BatchGetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export interface BareChainInput {
  readonly phase: "first" | "noop";
  readonly awsUrl: string;
  readonly airflowUrls: readonly string[];
  readonly airflowPassword: string;
  /** The bound's parameters, as the engine's constants set them. */
  readonly targetLoadsAtOnce: number;
  readonly deploymentsAtOnce: number;
  readonly listPagesAtOnce: number;
  /** No-op: targets read in the fold and kept; the others are read again once planned. */
  readonly targetsKept: number;
}

const PREFIXES = ["airflow/connections/", "airflow/variables/"] as const;

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_CHILD ?? "{}") as BareChainInput;
  const sm = new SecretsManagerClient({
    endpoint: input.awsUrl,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
  });
  const start = performance.now();
  if (input.phase === "first") await first(input, sm);
  else await noop(input, sm);
  const ms = performance.now() - start;
  sm.destroy();
  process.stdout.write(`${JSON.stringify({ ms: Math.round(ms) })}\n`);
}

/** Reads every value (two BatchGetSecretValue chains) while the targets are read, then writes each Deployment, one bulk call at a time. */
async function first(input: BareChainInput, sm: SecretsManagerClient): Promise<void> {
  const [values, tokens] = await Promise.all([
    Promise.all(PREFIXES.map((prefix) => readAll(sm, prefix))),
    inWaves(input.airflowUrls, input.targetLoadsAtOnce, async (url) => {
      const token = await tokenOf(url, input.airflowPassword);
      await Promise.all(["connections", "variables"].map((list) => getPage(url, token, list, 0)));
      return token;
    }),
  ]);
  const [connections = [], variables = []] = values;
  const connectionBodies = connections.map(([name, value]) => connectionBody(name.slice(PREFIXES[0].length), value));
  const variableBodies = variables.map(([name, value]) => ({ key: name.slice(PREFIXES[1].length), value }));
  await inWaves(
    input.airflowUrls.map((url, i) => ({ url, token: tokens[i] as string })),
    input.deploymentsAtOnce,
    async ({ url, token }) => {
      for (let i = 0; i < connectionBodies.length; i += 100) await bulk(url, token, "connections", connectionBodies.slice(i, i + 100));
      for (let i = 0; i < variableBodies.length; i += 100) await bulk(url, token, "variables", variableBodies.slice(i, i + 100));
    },
  );
}

/**
 * Lists both prefixes while the targets are folded (token and both lists, L at once); targets not
 * kept are read again, the first wave once the fold is done, each later one once the listing
 * and the wave before it are (a slot frees when its Deployment is planned, which needs the listing).
 */
async function noop(input: BareChainInput, sm: SecretsManagerClient): Promise<void> {
  const listing = Promise.all(PREFIXES.map((prefix) => listAll(sm, prefix)));
  const tokens = await inWaves(input.airflowUrls, input.targetLoadsAtOnce, async (url) => {
    const token = await tokenOf(url, input.airflowPassword);
    await readTarget(url, token, input.listPagesAtOnce);
    return token;
  });
  const reread = input.airflowUrls.slice(input.targetsKept).map((url, i) => ({ url, token: tokens[input.targetsKept + i] as string }));
  for (let wave = 0; wave * input.deploymentsAtOnce < reread.length; wave++) {
    if (wave > 0) await listing;
    const slice = reread.slice(wave * input.deploymentsAtOnce, (wave + 1) * input.deploymentsAtOnce);
    await Promise.all(slice.map(({ url, token }) => readTarget(url, token, input.listPagesAtOnce)));
  }
  await listing;
}

async function readAll(sm: SecretsManagerClient, prefix: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  let token: string | undefined;
  do {
    const page = await sm.send(
      new BatchGetSecretValueCommand({ Filters: [{ Key: "name", Values: [prefix] }], MaxResults: 20, NextToken: token }),
    );
    for (const v of page.SecretValues ?? []) out.push([v.Name ?? "", v.SecretString ?? ""]);
    token = page.NextToken;
  } while (token !== undefined);
  return out;
}

async function listAll(sm: SecretsManagerClient, prefix: string): Promise<number> {
  let seen = 0;
  let token: string | undefined;
  do {
    const page = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: [prefix] }], MaxResults: 100, NextToken: token }));
    seen += page.SecretList?.length ?? 0;
    token = page.NextToken;
  } while (token !== undefined);
  return seen;
}

async function tokenOf(url: string, password: string): Promise<string> {
  const body = await call(url, "POST", "/auth/token", undefined, { username: "bench", password });
  return (body as { access_token: string }).access_token;
}

/** Both lists: page 1 for the total, then the rest K pages at once, as afsync's reader asks them. */
async function readTarget(url: string, token: string, pagesAtOnce: number): Promise<void> {
  await Promise.all(
    ["connections", "variables"].map(async (list) => {
      const { total_entries: total } = (await getPage(url, token, list, 0)) as { total_entries: number };
      const offsets: number[] = [];
      for (let offset = 100; offset < total; offset += 100) offsets.push(offset);
      await inWaves(offsets, pagesAtOnce, (offset) => getPage(url, token, list, offset));
    }),
  );
}

const get = createNodeHttpGet();

async function getPage(url: string, token: string, list: string, offset: number): Promise<unknown> {
  const path = `/api/v2/${list}?limit=100&offset=${offset}`;
  const answer = await get(`${url}${path}`, { authorization: `Bearer ${token}`, accept: "application/json" });
  if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
  return JSON.parse(answer.text);
}

function bulk(url: string, token: string, list: string, entities: readonly unknown[]): Promise<unknown> {
  return call(url, "PATCH", `/api/v2/${list}`, token, {
    actions: [{ action: "create", action_on_existence: "overwrite", entities }],
  });
}

async function call(url: string, method: string, path: string, token?: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
  return response.json();
}

/** The seeded connection URIs as the Airflow 3 body afsync sends for them (every field). */
function connectionBody(id: string, uri: string) {
  const u = new URL(uri);
  const extra = Object.fromEntries(u.searchParams);
  return {
    connection_id: id,
    conn_type: u.protocol.replace(/:$/, ""),
    description: null,
    host: u.hostname,
    login: decodeURIComponent(u.username),
    schema: u.pathname.replace(/^\//, ""),
    port: u.port === "" ? null : Number(u.port),
    password: decodeURIComponent(u.password),
    extra: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
  };
}

/** `work` over `items`, `size` at a time, each wave after the one before; the answers in order. */
async function inWaves<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return out;
}

await main();
