import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { secretIdForKey } from "../../src/formats/backendNaming.ts";
import { connectionFromJson, connectionToJson } from "../../src/formats/connectionJson.ts";
import { connectionToUri, parseConnectionUri } from "../../src/formats/connectionUri.ts";
import { parsePythonJson, pythonJsonDumps } from "../../src/formats/pythonJson.ts";
import type { Connection } from "../../src/model/Connection.ts";
import { type Answer, askAirflow } from "./askAirflow.ts";
import { type ConnCase, type OracleCase, oracleCases } from "./oracleCases.ts";

/**
 * The Airflow differential: every seeded case goes to Airflow's semantics run on CPython
 * (airflow_oracle.py, one python3 process for the whole batch) and to afsync's formats, and the
 * answers must agree. Where afsync deliberately answers otherwise, the case is counted under a
 * named class that docs/reference/differences-from-airflow.md explains; anything else fails.
 *
 * Replay: AFSYNC_ORACLE_SEED=<seed> node scripts/run-tests.mjs airflowDifferential
 * (AFSYNC_ORACLE_SHOW=<n> lists more than the first 8 differing cases; AFSYNC_ORACLE_REPORT=<file>
 * writes all of them to a file).
 */
const DEFAULT_SEED = 20261130;
const seed = process.env.AFSYNC_ORACLE_SEED === undefined ? DEFAULT_SEED : Number(process.env.AFSYNC_ORACLE_SEED);

function afsyncFields(conn: Connection): Record<string, unknown> {
  return {
    conn_type: conn.conn_type,
    description: conn.description ?? null,
    host: conn.host,
    login: conn.login,
    password: conn.password,
    schema: conn.schema,
    port: conn.port,
    extra: conn.extra === null ? null : pythonJsonDumps(conn.extra),
  };
}

const URI_FIELDS = ["conn_type", "host", "login", "password", "schema", "port", "extra"] as const;
const JSON_FIELDS = ["conn_type", "description", ...URI_FIELDS.slice(1)] as const;

function pick(fields: Record<string, unknown>, names: readonly string[]): string {
  return JSON.stringify(names.map((n) => fields[n] ?? null));
}

// JavaScript objects list integer-like keys ("1", "10") first, Python dicts keep insertion order.
function sameUpToIntegerKeyOrder(a: string | null, b: string | null): boolean {
  if (a === null || b === null || a === b) return a === b;
  const sorted = (text: string) => {
    const sort = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sort)
        : v !== null && typeof v === "object" && !(v.constructor?.name === "PythonFloat")
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
            )
          : v;
    return pythonJsonDumps(sort(parsePythonJson(text)));
  };
  return /"-?\d+"\s*:/.test(a) && sorted(a) === sorted(b);
}

function sameQueryUpToIntegerKeyOrder(a: string, b: string): boolean {
  const [pathA = "", queryA = ""] = a.split("?", 2);
  const [pathB = "", queryB = ""] = b.split("?", 2);
  const pairs = (q: string) => q.split("&").sort().join("&");
  return pathA === pathB && /(^|&)-?\d+=/.test(queryA) && pairs(queryA) === pairs(queryB);
}

/** A ConnCase as afsync's model holds it (extra read by afsync's json.loads). */
function toConnection(c: ConnCase): Connection {
  return {
    conn_type: c.conn_type,
    host: c.host,
    login: c.login,
    password: c.password,
    schema: c.schema,
    port: c.port,
    extra: c.extra_text === null ? null : (parsePythonJson(c.extra_text) as Record<string, unknown>),
  };
}

/** What Airflow must read back from what afsync writes: the intended connection, port 0 being no port. */
function intended(c: ConnCase, form: "uri" | "json"): Record<string, unknown> {
  const extra = c.extra_text === null ? null : pythonJsonDumps(parsePythonJson(c.extra_text));
  return {
    conn_type: form === "json" && c.conn_type === "" ? null : c.conn_type,
    description: null,
    host: c.host,
    login: c.login,
    password: c.password,
    schema: c.schema,
    port: c.port === 0 ? null : c.port,
    extra: extra === "{}" && form === "json" ? null : extra,
  };
}

// afsync refuses some inputs Airflow takes, each for a documented reason (named by its message).
const DOCUMENTED_REFUSALS: [string, RegExp][] = [
  ["empty-uri", /connection URI is empty/],
  ["port-fraction", /port: .* is not a whole number/],
  ["port-boolean", /port: expected an integer, got a boolean/],
  ["integer-beyond-2^53", /beyond 2\^53/],
  ["non-string-field", /: expected a string or null, got/],
  ["team-name-field", /unexpected key 'team_name'/],
];

type Verdict = "agree" | `documented:${string}` | `mismatch:${string}`;

function refusalClass(e: unknown): Verdict {
  const message = e instanceof Error ? e.message : String(e);
  const known = DOCUMENTED_REFUSALS.find(([, re]) => re.test(message));
  return known ? `documented:${known[0]}` : `mismatch:afsync refuses (${message.slice(0, 120)})`;
}

function compareParsed(got: () => Connection, answer: Answer, fields: readonly string[]): Verdict {
  let conn: Connection;
  try {
    conn = got();
  } catch (e) {
    return answer.ok ? refusalClass(e) : "agree";
  }
  if (!answer.ok) return `mismatch:afsync accepts what Airflow refuses (${answer.error})`;
  const ours = afsyncFields(conn);
  const theirs = answer.c ?? {};
  if ((theirs.team_name ?? null) !== null) return "mismatch:afsync accepts a team_name";
  if (pick(ours, fields) === pick(theirs, fields)) return "agree";
  const others = fields.filter((f) => f !== "extra");
  if (pick(ours, others) === pick(theirs, others) && sameUpToIntegerKeyOrder(ours.extra as string | null, theirs.extra as string | null)) {
    return "documented:integer-key-order";
  }
  return `mismatch:ours ${pick(ours, fields)} airflow ${pick(theirs, fields)}`;
}

function hasTypedExtra(c: ConnCase): boolean {
  if (c.extra_text === null) return false;
  return Object.values(parsePythonJson(c.extra_text) as Record<string, unknown>).some((v) => typeof v !== "string");
}

// The newest core's get_extra_dejson re-reads every string value that is JSON text (`"\"x\""`, `"1e5"`).
function hasJsonLookingString(c: ConnCase): boolean {
  if (c.extra_text === null) return false;
  return Object.values(parsePythonJson(c.extra_text) as Record<string, unknown>).some((v) => {
    if (typeof v !== "string") return false;
    try {
      parsePythonJson(v);
      return true;
    } catch {
      return false;
    }
  });
}

describe("afsync agrees with Airflow's semantics run on CPython (seeded differential)", () => {
  it("answers every seeded case as Airflow does, or differs only for a documented reason", (t) => {
    t.diagnostic(`seed ${seed} (replay with AFSYNC_ORACLE_SEED=${seed})`);
    const cases = oracleCases(seed);
    assert.ok(cases.length >= 5000);

    // What afsync writes goes back to Airflow too: its URIs and its JSON must read back as intended.
    const writeErrors = new Map<number, unknown>();
    const written = cases.map((c, i) => {
      try {
        if (c.op === "get_uri") return { op: "parse_uri", uri: connectionToUri(toConnection(c.conn)) } as OracleCase;
        if (c.op === "as_json") return { op: "from_json", text: connectionToJson(toConnection(c.conn)) } as OracleCase;
      } catch (e) {
        writeErrors.set(i, e);
      }
      return null;
    });
    const readBack = written.filter((w): w is OracleCase => w !== null);
    const answers = askAirflow([...cases, ...readBack]);
    const readBackAnswers = answers.slice(cases.length);
    let next = 0;

    const tally = new Map<string, number>();
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const answer = answers[i] as Answer;
      const back = written[i] === null ? null : (readBackAnswers[next++] as Answer);
      let verdict: Verdict;
      switch (c.op) {
        case "parse_uri":
          verdict = compareParsed(() => parseConnectionUri(c.uri), answer, URI_FIELDS);
          break;
        case "from_json":
          verdict = compareParsed(() => connectionFromJson(c.text), answer, JSON_FIELDS);
          break;
        case "get_uri": {
          if (writeErrors.has(i)) {
            verdict = refusalClass(writeErrors.get(i));
            break;
          }
          if (back?.ok && !answer.ok && pick(back.c ?? {}, URI_FIELDS) === pick(intended(c.conn, "uri"), URI_FIELDS)) {
            verdict = "documented:airflow-get_uri-raises";
            break;
          }
          if (back === null || !back.ok || !answer.ok) {
            verdict = `mismatch:writing or reading back failed (airflow ${answer.ok ? "ok" : answer.error}, read back ${back?.ok ?? "not written"})`;
            break;
          }
          const want = intended(c.conn, "uri");
          if (pick(back.c ?? {}, URI_FIELDS) !== pick(want, URI_FIELDS)) {
            verdict = `mismatch:afsync's URI reads back as ${pick(back.c ?? {}, URI_FIELDS)}, not ${pick(want, URI_FIELDS)}`;
            break;
          }
          const ours = (written[i] as { uri: string }).uri;
          verdict =
            ours === answer.uri
              ? "agree"
              : (c.conn.host ?? "").includes("://")
                ? "documented:protocol-in-host"
                : hasTypedExtra(c.conn)
                  ? "documented:typed-extra-as-__extra__"
                  : sameQueryUpToIntegerKeyOrder(ours, answer.uri ?? "")
                    ? "documented:integer-key-order"
                    : hasJsonLookingString(c.conn)
                      ? "documented:newest-rereads-string-extras"
                      : `mismatch:afsync writes ${ours}, airflow ${answer.uri}`;
          break;
        }
        case "as_json": {
          if (writeErrors.has(i)) {
            verdict = refusalClass(writeErrors.get(i));
            break;
          }
          if (back === null || !back.ok || !answer.ok) {
            verdict = `mismatch:writing or reading back failed (airflow ${answer.ok ? "ok" : answer.error}, read back ${back?.ok ?? "not written"})`;
            break;
          }
          const want = intended(c.conn, "json");
          if (pick(back.c ?? {}, JSON_FIELDS) !== pick(want, JSON_FIELDS)) {
            verdict = `mismatch:afsync's JSON reads back as ${pick(back.c ?? {}, JSON_FIELDS)}, not ${pick(want, JSON_FIELDS)}`;
            break;
          }
          const ours = (written[i] as { text: string }).text;
          verdict =
            ours === answer.plain
              ? answer.newest === ours
                ? "agree"
                : "documented:newest-rereads-string-extras"
              : sameUpToIntegerKeyOrder(ours, answer.plain ?? null)
                ? "documented:integer-key-order"
                : `mismatch:afsync writes ${ours}, airflow ${answer.plain}`;
          break;
        }
        case "name": {
          const r = secretIdForKey(c.backend as Parameters<typeof secretIdForKey>[0], c.kind, c.key, c.kwargs);
          const ours = JSON.stringify(r.ok ? (r.lookupOrder ?? [r.secretId]) : []);
          const theirs = JSON.stringify(answer.ok ? answer.ids : []);
          verdict =
            ours === theirs
              ? "agree"
              : !r.ok && c.backend === "env" && /team namespace/.test(r.reason)
                ? "documented:env-team-namespace"
                : `mismatch:afsync ${ours}${r.ok ? "" : ` (${r.reason})`}, airflow ${theirs}`;
          break;
        }
      }
      const label = verdict.startsWith("mismatch:") ? `mismatch ${c.op}` : `${verdict} ${c.op}`;
      tally.set(label, (tally.get(label) ?? 0) + 1);
      if (verdict.startsWith("mismatch:")) mismatches.push(`#${i} ${JSON.stringify(c)}\n    ${verdict.slice(9)}`);
    });
    for (const [label, n] of [...tally].sort()) t.diagnostic(`${label}: ${n}`);
    if (process.env.AFSYNC_ORACLE_REPORT) writeFileSync(process.env.AFSYNC_ORACLE_REPORT, mismatches.join("\n"));
    assert.deepEqual(
      mismatches.slice(0, Number(process.env.AFSYNC_ORACLE_SHOW ?? 8)),
      [],
      `${mismatches.length} of ${cases.length} cases differ (seed ${seed})`,
    );
  });
});
