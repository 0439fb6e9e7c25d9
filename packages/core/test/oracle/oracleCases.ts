import fc from "fast-check";

/**
 * The seeded cases of the Airflow differential: adversarial URIs, JSON connections, connections
 * to write as URI and JSON, and secret-naming inputs for every backend. One seed gives one list,
 * so a failure is replayed exactly with AFSYNC_ORACLE_SEED.
 */

export type OracleCase =
  | { op: "parse_uri"; uri: string }
  | { op: "from_json"; text: string }
  | { op: "get_uri"; conn: ConnCase }
  | { op: "as_json"; conn: ConnCase }
  | { op: "name"; backend: string; kind: "connection" | "variable" | "config"; key: string; kwargs: Record<string, unknown> };

/** A connection as both sides build it: `extra_text` is JSON text, read by each side's own json.loads. */
export interface ConnCase {
  conn_type: string | null;
  host: string | null;
  login: string | null;
  password: string | null;
  schema: string | null;
  port: number | null;
  extra_text: string | null;
}

// ------------------------------------------------------------------ URIs

const uriPieces = fc.constantFrom(
  ..."aZ09:/@?#&=%+-_.[]~ !*'(),;\u00e9\u2460\t".split(""),
  "%2F",
  "%3A",
  "%40",
  "%zz",
  "%",
  "://",
  "%E9",
  "%C3%A9",
  "%F0%9F%98%80",
  "%ED%A0%80",
  "http",
  "__extra__=",
  "__extra__=%7B%22a%22%3A+1e20%7D",
  "__extra__=%7B%22f%22%3A+-0.0%2C+%22n%22%3A+NaN%7D",
  "__extra__=%5B1%5D",
  "__extra__=null",
  "%7B%7D",
  "[::1]",
  "[::1]:0",
  "[v1.x]",
  "[1.2.3.4]",
  "[fe80::1%25eth0]",
  ":0",
  ":00",
  ":8080",
  ":65535",
  ":65536",
  ":-1",
  ":+1",
  ": 1",
  ":\u0661",
  "\uFF03",
  "\u2100",
  "\uD83D\uDE00",
  "\r\n",
  "+",
  "&&",
  ";",
  "a=1",
  "a=",
  "=b",
  "a=1&a=2",
);
const uriPrefixes = fc.constantFrom(
  "x://",
  "postgresql://",
  "postgres-ql://",
  "HTTP://",
  "//",
  "a-b://",
  "a_b://",
  "",
  "spark://k8s://",
  "http://http://",
  "x://HTTPS://",
  "x://u:p@",
  "x://@",
  "x://:p@",
  "x://u@",
  "x://%75:%70@",
  "x://u:p:q@",
  "x://a@b@",
);

const uris = fc.tuple(uriPrefixes, fc.array(uriPieces, { maxLength: 14 })).map(([p, a]) => p + a.join(""));

// ------------------------------------------------------------------ JSON connections

const oddText = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("", " ", "postgresql", "google-cloud-platform", "a_b", "\u00e9", "\uD83D\uDE00", "k8s://h", "http://h"),
);
const oddPort = fc.oneof(
  fc.integer({ min: -70000, max: 140000 }),
  fc.constantFrom(
    "0",
    "00",
    "-0",
    "0",
    0,
    "",
    " 5432 ",
    "+5432",
    "5_432",
    "5__432",
    "\u0665\u0664\u0663\u0662",
    "\uff15",
    "54.0",
    "1e3",
    "abc",
    "\u00a05432\u2003",
    "\u001c1\u001f",
    "\ufeff1",
    "0x10",
    "99999999999999999999",
  ),
  fc.constantFrom("5432.0", "1.5", "-1.0", "0.0", "-0.0", "1e3", "70000", "true", "false", "[]", "{}", "[1]", "null", "NaN"),
);
const jsonNumberText = fc.constantFrom(
  "1e20",
  "1E20",
  "1e-7",
  "1.5",
  "-0.0",
  "0.0",
  "1.0",
  "100000000000000000000",
  "9007199254740993",
  "123456789012345678",
  "1e400",
  "-1e400",
  "NaN",
  "Infinity",
  "-Infinity",
  "0.1",
  "2.5e-5",
  "1e16",
  "1e15",
  "12345.678",
  "5e-324",
  "1.7976931348623157e308",
  "-0",
  "0",
  "7",
);
const jsonScalarText = fc.oneof(
  jsonNumberText,
  fc.constantFrom("null", "true", "false", '""', '"1"', '"true"', '"{\\"a\\": 1}"', '"\\u00e9"', '"\\ud800"'),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
);
const jsonKeyText = fc.oneof(
  fc.constantFrom('"a"', '"b"', '"1"', '"0"', '"10"', '"-1"', '"__extra__"', '"__proto__"', '"a"', '""', '"\\u00e9"'),
  fc.string({ maxLength: 4 }).map((s) => JSON.stringify(s)),
);
const jsonValueText: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    jsonScalarText,
    fc.array(tie("v"), { maxLength: 3 }).map((a) => `[${a.join(", ")}]`),
    fc.array(fc.tuple(jsonKeyText, tie("v")), { maxLength: 3 }).map((kv) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
  ),
})).v;
const extraText = fc.oneof(
  fc.array(fc.tuple(jsonKeyText, jsonValueText), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `${k}:${v}`).join(",")}}`),
  fc.constantFrom(
    "null",
    '""',
    "0",
    "0.0",
    "[]",
    "{}",
    "false",
    "[1]",
    "1",
    '"{}"',
    '"{\\"a\\": 1e20}"',
    '"[1]"',
    '"x"',
    '"{\\"a\\": NaN}"',
  ),
);

const jsonField = (name: string, value: fc.Arbitrary<string>) =>
  fc.option(
    value.map((v) => `"${name}": ${v}`),
    { nil: null, freq: 2 },
  );
const textValue = fc.oneof({ weight: 6, arbitrary: oddText.map((s) => JSON.stringify(s)) }, { weight: 1, arbitrary: jsonScalarText });
const jsonConnections = fc
  .tuple(
    jsonField("conn_type", textValue),
    jsonField("description", textValue),
    jsonField("host", textValue),
    jsonField("login", textValue),
    jsonField("password", textValue),
    jsonField("schema", textValue),
    jsonField(
      "port",
      oddPort.map((p) =>
        typeof p === "number"
          ? String(p)
          : p.startsWith('"')
            ? p
            : /^[-\d.eE+]+$|^(true|false|null|NaN|\[\]|\{\}|\[1\])$/.test(p)
              ? p
              : JSON.stringify(p),
      ),
    ),
    jsonField("extra", extraText),
    fc.option(fc.constantFrom('"uri": "x://h"', '"uri": ""', '"team_name": "t"', '"usr": "a"', '"conn_id": "c"', '"port": 1'), {
      nil: null,
      freq: 6,
    }),
  )
  .map((fields) => `{${fields.filter((f) => f !== null).join(", ")}}`);
const jsonTexts = fc.oneof(
  { weight: 20, arbitrary: jsonConnections },
  { weight: 1, arbitrary: fc.constantFrom("[]", "null", "1", '"x"', "{", "{}", "NaN") },
);

// ------------------------------------------------------------------ connections to write

const lowerDomain = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,14}[a-z0-9])?$/);
const anyText = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 });
// Python-json-safe extras: a dict of strings (the query form) or of typed values.
const stringExtraText = fc
  .array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 3 })
  .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}`);
const typedExtraText = fc
  .array(fc.tuple(fc.constantFrom('"a"', '"b"', '"c"', '"timeout"'), jsonValueText), { minLength: 1, maxLength: 3 })
  .map((kv) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(", ")}}`);

/** Connections in the URI form's domain (what a URI can carry: see roundtrip.property.test.ts). */
const uriConnections: fc.Arbitrary<ConnCase> = fc
  .record({
    conn_type: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/).filter((t) => t !== "postgresql"),
    host: fc.oneof(
      fc.constant(""),
      lowerDomain,
      fc.stringMatching(/^\/[A-Za-z0-9_./:-]{1,16}$/),
      fc.tuple(fc.constantFrom("http", "https", "k8s", "x", "HTTP", "a-b"), lowerDomain).map(([p, h]) => `${p}://${h}`),
    ),
    login: fc.option(anyText, { nil: null }),
    password: fc.option(anyText, { nil: null }),
    schema: fc.oneof(fc.constant(""), anyText),
    port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }),
    extra_text: fc.oneof(fc.constant(null), stringExtraText, typedExtraText),
  })
  .map((c) => ({
    ...c,
    password: c.login === null ? null : c.password,
    port: c.host === "" && c.login === null ? null : c.port,
  }));

/** Connections in the JSON form's domain: any text fields, any integer port. */
const jsonDomainConnections: fc.Arbitrary<ConnCase> = fc.record({
  conn_type: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), { nil: null }),
  host: fc.option(anyText, { nil: null }),
  login: fc.option(anyText, { nil: null }),
  password: fc.option(anyText, { nil: null }),
  schema: fc.option(anyText, { nil: null }),
  port: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), { nil: null }),
  extra_text: fc.oneof(fc.constant(null), stringExtraText, typedExtraText),
});

// ------------------------------------------------------------------ naming

const keyPieces = fc.constantFrom(
  ..."abz09_-./:".split(""),
  "--",
  "---",
  "_",
  "__",
  "___",
  "/",
  "//",
  "db",
  "prod",
  "team_a",
  "\u017f",
  "\u212a",
  "\u00df",
  "\u00e9",
  "\u0130",
  "\u0131",
  "\ufb01",
  " ",
  "\n",
  "\r",
);
const keys = fc.array(keyPieces, { minLength: 1, maxLength: 6 }).map((a) => a.join(""));
const kinds = fc.constantFrom("connection" as const, "variable" as const, "config" as const);

const prefixValue = fc.constantFrom(undefined, "", null, "x", "x/", "x//", "a-b-", "a_b", "/", "-", "airflow", "p:q");
const sepValue = fc.constantFrom(undefined, "/", "-", "_", ":", "--", ".");
const lookupPattern = fc.constantFrom(undefined, null, "", "prod", "^db", "(?P<env>prod|db)_", "[a-c]+", "s", "k", "i", "\\w+$", "a.b");

function withPrefixes(k: Record<string, unknown>, p: (string | null | undefined)[]): Record<string, unknown> {
  const [c, v, g] = p;
  const out = { ...k };
  if (c !== undefined) out.connections_prefix = c;
  if (v !== undefined) out.variables_prefix = v;
  if (g !== undefined) out.config_prefix = g;
  return Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined));
}

const prefixes = fc.tuple(prefixValue, prefixValue, prefixValue);
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const awsSmKwargs = fc
  .tuple(prefixes, sepValue, lookupPattern, lookupPattern)
  .map(([p, sep, cp, vp]) => withPrefixes(clean({ sep, connections_lookup_pattern: cp, variables_lookup_pattern: vp }), p));
const ssmKwargs = fc
  .tuple(prefixes, lookupPattern, lookupPattern)
  .map(([p, cp, vp]) => withPrefixes(clean({ connections_lookup_pattern: cp, variables_lookup_pattern: vp }), p));
const gcpKwargs = fc.tuple(prefixes, sepValue).map(([p, sep]) => withPrefixes(clean({ sep }), p));
const teamKwargs = fc.record(
  {
    multi_team: fc.constantFrom(true, false),
    team_name: fc.constantFrom("team_a", "t", "", "a-b", null),
  },
  { requiredKeys: [] },
);
const azureKwargs = fc
  .tuple(prefixes, fc.constantFrom(undefined, "-", "_", ":", "--", "."), teamKwargs)
  .map(([p, sep, t]) => withPrefixes(clean({ sep, ...t }), p));
const pathValue = fc.constantFrom(undefined, "", null, "connections", "a/b/", "a//", "/", "x");
const vaultKwargs = fc
  .record(
    {
      mount_point: fc.constantFrom("secret", null, "", "kv"),
      connections_path: pathValue,
      variables_path: pathValue,
      config_path: pathValue,
      global_secrets_path: fc.constantFrom("global", "", "g/", null),
      use_team_secrets_path: fc.constantFrom(true, false),
      kv_engine_version: fc.constantFrom(1, 2),
    },
    { requiredKeys: [] },
  )
  .chain((k) => teamKwargs.map((t) => clean({ ...k, ...t })));

const names = fc.oneof(
  fc.record({ backend: fc.constant("aws-secrets-manager"), kind: kinds, key: keys, kwargs: awsSmKwargs }),
  fc.record({ backend: fc.constant("aws-ssm"), kind: kinds, key: keys, kwargs: ssmKwargs }),
  fc.record({ backend: fc.constant("gcp-secret-manager"), kind: kinds, key: keys, kwargs: gcpKwargs }),
  fc.record({ backend: fc.constant("azure-key-vault"), kind: kinds, key: keys, kwargs: azureKwargs }),
  fc.record({ backend: fc.constant("vault"), kind: kinds, key: keys, kwargs: vaultKwargs }),
  fc.record({ backend: fc.constant("env"), kind: kinds, key: keys, kwargs: fc.constant({}) }),
  fc.record({ backend: fc.constant("local"), kind: kinds, key: keys, kwargs: fc.constant({}) }),
);

/** How many cases of each op one run makes: 5,600 in all. */
export const CASE_COUNTS = { parse_uri: 1600, from_json: 1500, get_uri: 700, as_json: 400, name: 1400 } as const;

/** Every case of one seeded run, in a fixed order. */
export function oracleCases(seed: number): OracleCase[] {
  const sample = <T>(arb: fc.Arbitrary<T>, n: number, salt: number) => fc.sample(arb, { numRuns: n, seed: seed + salt });
  return [
    ...sample(uris, CASE_COUNTS.parse_uri, 1).map((uri): OracleCase => ({ op: "parse_uri", uri })),
    ...sample(jsonTexts, CASE_COUNTS.from_json, 2).map((text): OracleCase => ({ op: "from_json", text })),
    ...sample(uriConnections, CASE_COUNTS.get_uri, 3).map((conn): OracleCase => ({ op: "get_uri", conn })),
    ...sample(jsonDomainConnections, CASE_COUNTS.as_json, 4).map((conn): OracleCase => ({ op: "as_json", conn })),
    ...sample(names, CASE_COUNTS.name, 5).map((n): OracleCase => ({ op: "name", ...n })),
  ];
}
