import fc from "fast-check";

/**
 * Planted in generated input wherever a secret value could sit. A rejection message may name a
 * field, a key or a position, never what the input held there. It has a space (no name afsync
 * quotes has one) and no capital (so it reads as no enum word either).
 */
export const SENTINEL = "fz7q-sentinel xv9";

/** The fuzz seed: fixed so a failure replays; `AFSYNC_FUZZ_SEED` replays another one. */
export const FUZZ_SEED = Number(process.env.AFSYNC_FUZZ_SEED ?? 1313);
/** Runs per property: small in `npm test`, `AFSYNC_FUZZ_RUNS` (or `npm run test:fuzz`) for a long run. */
export const FUZZ_RUNS = Number(process.env.AFSYNC_FUZZ_RUNS ?? 150);

export function fuzzParameters(runs = FUZZ_RUNS): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path to a node of `value` (the root is `[]`). */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (at.length > 40) return out; // a planted deep nesting: mutate above it, not inside
  if (Array.isArray(value)) for (const [i, v] of value.entries()) pathsOf(v, [...at, i], out);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) pathsOf(v, [...at, k], out);
  return out;
}

function nest(depth: number, inner: Json): Json {
  let value = inner;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

const oddStrings = fc.constantFrom(
  SENTINEL,
  `x://u:${SENTINEL}@h:99999`,
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "😀".repeat(3),
  "\u202e\u200b",
  "İı",
  "%zz%",
  "__proto__",
  "constructor",
  "arn:aws:secretsmanager:us-east-1:1:secret:",
  "projects//secrets/",
  "https://vault.azure.net/secrets/",
);

/** A value to put in place of a field: every JSON type, odd strings, huge strings, deep nesting. */
export const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, -0),
  oddStrings,
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constant(`${SENTINEL}${"x".repeat(200_000)}`),
  fc.constant([] as Json),
  fc.constant({} as Json),
  fc.constant([SENTINEL, SENTINEL] as Json),
  fc.constant({ value: SENTINEL, SecretString: SENTINEL } as Json),
  fc.integer({ min: 10, max: 2000 }).map((depth) => nest(depth, SENTINEL)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

type Mutation =
  | { kind: "drop" | "duplicate" | "recase"; at: number }
  | { kind: "retype"; at: number; value: Json }
  | { kind: "add"; at: number; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("drop", "duplicate", "recase") as fc.Arbitrary<"drop">, at: fc.nat() }),
  fc.record({ kind: fc.constant("retype" as const), at: fc.nat(), value: replacement }),
  fc.record({
    kind: fc.constant("add" as const),
    at: fc.nat(),
    key: fc.constantFrom("value", "SecretString", "data", "__proto__", "secret", "password", ""),
    value: replacement,
  }),
);

function recase(key: string): string {
  const flipped = key === key.toLowerCase() ? key.toUpperCase() : key.toLowerCase();
  return flipped === key ? `${key}_` : flipped;
}

/** A copy, so no two places share (and later mutate) one node; a planted deep nesting is shared as is. */
function fresh<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

function applyMutation(root: Json, m: Mutation): Json {
  const paths = pathsOf(root);
  const path = paths[m.at % paths.length] as Path;
  if (path.length === 0) {
    if (m.kind === "retype") return fresh(m.value);
    if (m.kind === "duplicate") return [root, root];
    if (m.kind === "add" && root !== null && typeof root === "object" && !Array.isArray(root))
      Object.defineProperty(root, m.key, { value: fresh(m.value), enumerable: true, writable: true, configurable: true });
    return root;
  }
  let parent = root as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  const node = parent[last] as Json;
  switch (m.kind) {
    case "drop":
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case "duplicate":
      if (Array.isArray(parent)) parent.splice(last as number, 0, fresh(node));
      else parent[`${last}`.concat("2")] = fresh(node);
      break;
    case "recase":
      if (!Array.isArray(parent) && typeof last === "string") {
        delete parent[last];
        parent[recase(last)] = node;
      }
      break;
    case "retype":
      parent[last] = fresh(m.value);
      break;
    case "add":
      if (node !== null && typeof node === "object" && !Array.isArray(node))
        Object.defineProperty(node, m.key, { value: fresh(m.value), enumerable: true, writable: true, configurable: true });
      break;
  }
  return root;
}

/** One of `samples`, with 1–4 mutations: dropped, duplicated, retyped, re-cased or added fields. */
export function mutatedSample(samples: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.nat({ max: samples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([i, mutations]) => mutations.reduce(applyMutation, structuredClone(samples[i]) as Json));
}

/** Mutated samples, batches of them, and arbitrary JSON of every shape. */
export function eventInput(samples: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: mutatedSample(samples) },
    { weight: 1, arbitrary: fc.array(mutatedSample(samples), { minLength: 1, maxLength: 3 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: replacement },
  );
}
