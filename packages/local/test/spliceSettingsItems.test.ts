import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AirflowKey, type AirflowValue, type ApplyRequest, connectionKey, variableKey } from "@afsync/core";
import fc from "fast-check";
import { parseDocument } from "yaml";
import { applyToSettingsDocument, YAML_OPTIONS } from "../src/targets/settingsDocument.ts";
import { settingsLayoutOf } from "../src/targets/settingsLayout.ts";
import { spliceSettingsItems } from "../src/targets/spliceSettingsItems.ts";

// Layouts a line edit can be proven on from the items it writes alone.
const LOCAL_FILES = {
  template: `# astro dev init
airflow:
  connections:
    - conn_id: hand_made
      conn_type: http
      conn_port: 443
      conn_extra:
        example_extra_field: example-value
    - conn_id:
      conn_type:
  pools:
    - pool_name: etl
      pool_slot: 5
  variables:
    - variable_name: hand_var
      variable_value: 42
`,
  styles: `airflow:
  connections:
    # hand made, with the user's own styles
    - conn_id: theirs   # trailing comment
      conn_type: http
      conn_port: 0x1BB
      conn_extra: {a: 1, b: [x, y]}
  pools:
    - {pool_name: p, pool_slot: 1_000}
  variables:
    - variable_name: theirs
      variable_value: >
        folded
        text
`,
  itemsAtKeyColumn:
    "airflow:\n  connections:\n  - conn_id: a\n    conn_type: http\n  variables:\n  - variable_name: b\n    variable_value: x\n",
  noFinalNewline: 'airflow:\n  variables:\n    - variable_name: a\n      variable_value: "1"',
  commentsAndBlanks:
    "airflow:\n  variables:\n    - variable_name: a\n      variable_value: 1\n      # inside a\n\n    # between\n    - variable_name: b\n      variable_value: 2\n\n# end\n",
  crlf: "airflow:\r\n  connections:\r\n    - conn_id: a\r\n      conn_type: http\r\n  variables:\r\n    - variable_name: a\r\n      variable_value: x\r\n",
  duplicates:
    "airflow:\n  variables:\n    - variable_name: a\n      variable_value: first\n    - variable_name: b\n      variable_value: b\n    - variable_name: a\n      variable_value: second\n",
  spacesAfterDash: "airflow:\n  variables:\n    -   variable_name: a\n        variable_value: x\n",
  documentMarkers: "---\nairflow:\n  variables:\n    - variable_name: a\n      variable_value: x\n...\n",
};

// Layouts where what a splice removes or writes could mean something else in context: never proven locally.
const NOT_LOCAL_FILES = {
  anchor:
    "airflow:\n  variables:\n    - variable_name: a\n      variable_value: &shared x\n    - variable_name: hand\n      variable_value: *shared\n",
  yaml12: "%YAML 1.2\n---\nairflow:\n  variables:\n    - variable_name: a\n      variable_value: x\n",
  mergeKey: "airflow:\n  variables:\n    - <<: {variable_name: a}\n      variable_value: x\n",
  idTwice: "airflow:\n  variables:\n    - variable_name: a\n      variable_name: b\n      variable_value: x\n",
};

const value = fc.constantFrom("v", "yes", "0x1F", "", " lead", "line1\nline2", "a: b", "- x", "#c", "'q'", "<<", "~");
const id = fc.constantFrom("a", "b", "c", "hand_made", "hand_var", "theirs");
const upsert = fc.oneof(
  fc.record({ kind: fc.constant("variable" as const), id, value }),
  fc.record({ kind: fc.constant("connection" as const), id, value, extraKey: fc.constantFrom("sslmode", "<<", "a: b") }),
);
const request = fc.record({
  upserts: fc.uniqueArray(upsert, { maxLength: 4, selector: (u) => `${u.kind}:${u.id}` }),
  deletes: fc.array(fc.record({ kind: fc.constantFrom("variable" as const, "connection" as const), id }), { maxLength: 2 }),
});

function keyOf(u: { kind: "variable" | "connection"; id: string }): AirflowKey {
  return u.kind === "variable" ? variableKey(u.id) : connectionKey(u.id);
}

type RequestShape = typeof request extends fc.Arbitrary<infer T> ? T : never;

function applyRequestOf(r: RequestShape): ApplyRequest {
  return {
    upserts: r.upserts.map((u) => {
      const v: AirflowValue =
        u.kind === "variable"
          ? { kind: "variable", value: u.value }
          : {
              kind: "connection",
              connection: {
                conn_type: "postgres",
                host: "h",
                login: null,
                password: u.value,
                schema: null,
                port: 5432,
                extra: { [u.extraKey]: u.value },
              },
            };
      return { key: keyOf(u), value: v };
    }),
    deletes: r.deletes.map(keyOf),
    manifest: [],
  };
}

/** What the full-document path writes: the request applied to the parsed document, as plain data. */
function reRendered(text: string, req: ApplyRequest): unknown {
  const doc = parseDocument(text, YAML_OPTIONS);
  applyToSettingsDocument(doc, req, "airflow_settings.yaml");
  return doc.toJS();
}

describe("spliceSettingsItems", () => {
  it("a splice proven from the items it writes means what re-rendering the whole document means, and knows its own layout", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(LOCAL_FILES)),
        fc.array(request, { minLength: 1, maxLength: 3 }),
        (original, requests) => {
          let text = original;
          let layout = settingsLayoutOf(text, parseDocument(text, YAML_OPTIONS));
          // Chained: each splice starts from the layout the previous one derived, as serve does.
          for (const r of requests) {
            const req = applyRequestOf(r);
            const spliced = spliceSettingsItems(text, layout, req);
            if (spliced?.proven == null) return;
            const check = parseDocument(spliced.text, YAML_OPTIONS);
            assert.deepEqual(check.errors, []);
            assert.deepEqual(check.toJS(), reRendered(text, req));
            assert.deepEqual(spliced.proven.layout, settingsLayoutOf(spliced.text, check));
            text = spliced.text;
            layout = spliced.proven.layout;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("proves an update, an append and a delete in every layout it handles (the property above is not vacuous)", () => {
    for (const [name, text] of Object.entries(LOCAL_FILES)) {
      const layout = settingsLayoutOf(text, parseDocument(text, YAML_OPTIONS));
      const existing = layout.variable?.find((r) => typeof r.id === "string")?.id as string;
      const req: ApplyRequest = {
        upserts: [
          { key: variableKey(existing), value: { kind: "variable", value: "updated" } },
          { key: variableKey("appended"), value: { kind: "variable", value: "new" } },
        ],
        deletes: (layout.variable?.length ?? 0) > 1 ? [variableKey("b")] : [],
        manifest: [],
      };
      const spliced = spliceSettingsItems(text, layout, req);
      assert.notEqual(spliced?.proven ?? null, null, name);
      assert.deepEqual(parseDocument(spliced?.text ?? "", YAML_OPTIONS).toJS(), reRendered(text, req), name);
    }
  });

  it("proves nothing where a removed or written item could mean something else in context", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(NOT_LOCAL_FILES)), request, (text, r) => {
        const layout = settingsLayoutOf(text, parseDocument(text, YAML_OPTIONS));
        assert.equal(layout.local, false);
        assert.equal(spliceSettingsItems(text, layout, applyRequestOf(r))?.proven ?? null, null);
      }),
      { numRuns: 50 },
    );
  });

  it("writes a `<<` key in conn_extra as a string, not a merge key (proven by the full check: it carries a tag)", () => {
    const text = LOCAL_FILES.template;
    const layout = settingsLayoutOf(text, parseDocument(text, YAML_OPTIONS));
    const merge: AirflowValue = {
      kind: "connection",
      connection: { conn_type: "http", host: null, login: null, password: null, schema: null, port: null, extra: { "<<": { a: 1 } } },
    };
    const spliced = spliceSettingsItems(text, layout, { upserts: [{ key: connectionKey("m"), value: merge }], deletes: [], manifest: [] });
    assert.equal(spliced?.proven, null);
    const written = parseDocument(spliced?.text ?? "", YAML_OPTIONS)
      .toJS()
      .airflow.connections.at(-1);
    assert.deepEqual(written, { conn_id: "m", conn_type: "http", conn_extra: { "<<": { a: 1 } } });
  });

  it("leaves to the re-render a request that would empty a section, or names a key twice", () => {
    const text = LOCAL_FILES.duplicates;
    const layout = settingsLayoutOf(text, parseDocument(text, YAML_OPTIONS));
    const x: AirflowValue = { kind: "variable", value: "x" };
    assert.equal(spliceSettingsItems(text, layout, { upserts: [], deletes: [variableKey("a"), variableKey("b")], manifest: [] }), null);
    assert.equal(
      spliceSettingsItems(text, layout, {
        upserts: [
          { key: variableKey("c"), value: x },
          { key: variableKey("c"), value: x },
        ],
        deletes: [],
        manifest: [],
      }),
      null,
    );
    assert.equal(
      spliceSettingsItems(text, layout, { upserts: [{ key: variableKey("c"), value: x }], deletes: [variableKey("c")], manifest: [] }),
      null,
    );
  });
});
