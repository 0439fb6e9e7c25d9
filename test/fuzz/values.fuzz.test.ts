import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { CONNECTION_FORMATS, parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { type LocalFileKind, type LocalFileType, parseLocalFilesystemFile } from "@afsync/core/formats/localFilesystemFile";
import { parseVariableValue } from "@afsync/core/formats/variableValue";
import { optionsRegistry } from "@afsync/runtime/compose/optionsRegistry";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { parseWebhookBody } from "@afsync/runtime/webhook/parseWebhookBody";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import fc from "fast-check";
import { stringify } from "yaml";
import { expectClassifiedOrAccepted } from "./classifiedRejection.ts";
import { FUZZ_SEED, fuzzParameters, mutatedSample, replacement, SENTINEL } from "./fuzzInputs.ts";

// Real shapes to mutate: the connection forms Airflow's backends store, a LocalFilesystemBackend
// file's entries, a webhook body and the example afsync.yaml (copied here, not read from disk).
const connectionObjects: Record<string, unknown>[] = [
  { conn_type: "postgres", host: "db.internal", login: "etl", password: SENTINEL, port: 5432, schema: "a", extra: { sslmode: "require" } },
  { conn_type: "aws", extra: `{"region_name": "eu-west-1", "token": "${SENTINEL}"}` },
  { engine: "postgres", host: "h", username: "u", password: SENTINEL, dbname: "d", port: "5432" },
  { conn_uri: `http://u:${SENTINEL}@h:443/p?a=1` },
  { user: "u", pass: SENTINEL, server: "h", port: 1, extra: { k: SENTINEL } },
];
const connectionUris = [
  `postgresql://etl:${SENTINEL}@db.internal:5432/analytics?sslmode=require`,
  `http://svc:${SENTINEL}@api.example.com:443/v1?timeout=30&__extra__=%7B%22k%22%3A%22${SENTINEL}%22%7D`,
  `aws://?region_name=eu-west-1&aws_secret_access_key=${SENTINEL}`,
];
const localFileSamples: unknown[] = [
  {
    warehouse_db: { conn_type: "postgres", host: "h", password: SENTINEL, port: 5432, extra_dejson: { sslmode: "require" } },
    orders_api: `http://svc:${SENTINEL}@api.example.com:443/v1`,
    many: [`http://u:${SENTINEL}@h`, { conn_type: "x" }],
    a_variable: SENTINEL,
  },
];
const webhookBodies: unknown[] = [{ source: "team-files", keys: ["conn:warehouse_db", "var:a"] }, { source: "s" }];
const exampleConfig = {
  sources: { "team-files": { type: "local", connections_file_path: "secrets/connections.yaml", variables_file_path: "v.yaml" } },
  deployments: {
    dev: {
      target: { type: "airflow-settings", path: "astro-project/airflow_settings.yaml" },
      sources: ["team-files"],
      deletion: "retain",
      adopt: false,
      include: ["*"],
      exclude: [],
    },
    "dev-env": { target: { type: "env-file", path: "astro-project/.env" }, sources: ["team-files"], deletion: "delete" },
  },
  state: { type: "sqlite", path: ".afsync/state.db" },
  serve: { host: "127.0.0.1", port: 8080, reconcile_every: "15m", webhook_secret_env: "AFSYNC_WEBHOOK_SECRET" },
};

/** A string with characters dropped, repeated or replaced at random places, and the sentinel planted. */
const INSERTS = ["", ":", "@", "/", "%", "%zz", "[", "]", "?", "#", "{", "\u0000", "😀"];
const mutatedText = (samples: readonly string[], inserts: readonly string[] = [...INSERTS, SENTINEL]): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...inserts)), {
        maxLength: 4,
      }),
    )
    .map(([text, edits]) =>
      edits.reduce((t, [at, drop, insert]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + insert + t.slice(i + drop);
      }, text),
    );

const anyString = fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.constant(`${SENTINEL}${"x".repeat(100_000)}`));
// A rejection of a value names the field, the format or the rule it broke.
const NAMES_VALUE_PROBLEM =
  /\b(conn_type|conn_uri|host|login|password|schema|port|extra|extra_dejson|JSON|json|URI|uri|format|value|key|connection|Connection|scheme|type|netloc|expected|Expecting|engine|secret)\b/;

describe(`value, file, webhook and config parsers under fuzzed input (seed ${FUZZ_SEED})`, () => {
  it("connection values in every format: classified refusals naming the problem, never a value", () => {
    const value = fc.oneof(
      mutatedText(connectionUris),
      mutatedText(connectionObjects.map((o) => JSON.stringify(o))),
      mutatedSample(connectionObjects).filter((v) => v !== null && typeof v === "object" && !Array.isArray(v)),
      anyString,
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    ) as fc.Arbitrary<string | Record<string, unknown>>;
    fc.assert(
      fc.property(value, fc.constantFrom(...CONNECTION_FORMATS), (v, format) => {
        expectClassifiedOrAccepted(() => parseConnectionValue(v, { format }), NAMES_VALUE_PROBLEM);
      }),
      fuzzParameters(),
    );
  });

  it("variable values, plain and Vault's {value: …}", () => {
    fc.assert(
      fc.property(
        fc.oneof(replacement, mutatedSample([{ value: SENTINEL }])),
        fc.constantFrom("plain", "vault") as fc.Arbitrary<"plain">,
        (v, format) => {
          expectClassifiedOrAccepted(() => parseVariableValue(v, { format }), NAMES_VALUE_PROBLEM);
        },
      ),
      fuzzParameters(),
    );
  });

  it("LocalFilesystemBackend files (JSON, YAML, .env): never a throw; every problem names a key or a line, never a value", () => {
    const toText: Record<LocalFileType, (doc: unknown) => string> = {
      json: (doc) => JSON.stringify(doc, null, 1),
      yaml: (doc) => stringify(doc),
      env: (doc) =>
        doc !== null && typeof doc === "object"
          ? Object.entries(doc)
              .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
              .join("\n")
          : String(doc),
    };
    const text = fc.oneof(
      fc.tuple(mutatedSample(localFileSamples), fc.constantFrom<LocalFileType>("json", "yaml", "env")).chain(([doc, type]) => {
        let rendered: string;
        try {
          rendered = toText[type](doc);
        } catch {
          rendered = String(doc);
        }
        return fc.tuple(mutatedText([rendered]), fc.constant(type));
      }),
      fc.tuple(anyString, fc.constantFrom<LocalFileType>("json", "yaml", "env")),
    );
    fc.assert(
      fc.property(text, fc.constantFrom<LocalFileKind>("connection", "variable"), ([body, type], kind) => {
        const result = parseLocalFilesystemFile(body, type, kind, { fileName: "connections.json" });
        for (const problem of result.problems) {
          assert.ok(problem.message.trim().length > 0);
          assert.ok(
            problem.key !== undefined || problem.line !== undefined,
            `a problem with no key or line: ${problem.message.slice(0, 200)}`,
          );
        }
        assertNoSecretLeak(
          result.problems.map((p) => `${p.message}`),
          [SENTINEL],
        );
      }),
      fuzzParameters(),
    );
  });

  it("webhook bodies: never a throw; a refusal names the field, never a value", () => {
    const body = fc.oneof(
      mutatedSample(webhookBodies).map((b) => JSON.stringify(b)),
      mutatedText(webhookBodies.map((b) => JSON.stringify(b))),
      anyString,
      fc.integer({ min: 1, max: 100_000 }).map((depth) => `${"[".repeat(depth)}"${SENTINEL}"${"]".repeat(depth)}`),
    );
    fc.assert(
      fc.property(body, (raw) => {
        const parsed = parseWebhookBody(raw);
        if (parsed.ok) return;
        assert.match(parsed.error, /^(body|source|keys)\b/);
        assertNoSecretLeak([parsed.error], [SENTINEL]);
      }),
      fuzzParameters(),
    );
  });

  it("config objects: a ConfigError naming the path, never a value", () => {
    const registry = optionsRegistry();
    fc.assert(
      fc.property(mutatedSample([exampleConfig]), (input) => {
        expectClassifiedOrAccepted(
          () => parseConfig(input, registry),
          /\b(sources|deployments|state|serve|config|target|type|path)\b|^[\w.[\]-]+:/,
        );
      }),
      fuzzParameters(),
    );
  });

  it("config files: YAML of every shape, alias bombs and deep nesting refused as ConfigError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-fuzz-config-"));
    const file = join(dir, "afsync.yaml");
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join("\n");
    const texts = fc.sample(
      fc.oneof(
        mutatedSample([exampleConfig]).map((doc) => {
          try {
            return stringify(doc);
          } catch {
            return String(doc);
          }
        }),
        // The sentinel goes in values only: an unknown key's name is rightly shown.
        mutatedText([stringify(exampleConfig)], INSERTS),
        fc.constant(bomb),
        fc.constant(`sources: ${"[".repeat(5000)}${"]".repeat(5000)}`),
        fc.constant(`password: ${SENTINEL}\n${"  ".repeat(3)}: : :`),
      ),
      { seed: FUZZ_SEED, numRuns: Math.ceil(fuzzParameters().numRuns ?? 100) / 3 },
    );
    for (const text of texts) {
      writeFileSync(file, text);
      let message: string | undefined;
      await loadConfigFile(file).catch((error: unknown) => {
        message = expectClassifiedOrAccepted(() => {
          throw error;
        }, /afsync\.yaml/);
      });
      if (message !== undefined) assertNoSecretLeak([message], [SENTINEL]);
    }
  });
});
