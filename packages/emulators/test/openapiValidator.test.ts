import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createOpenApiValidator } from "../src/openapi/createOpenApiValidator.ts";

const spec = (name: string) => fileURLToPath(new URL(`../specs/${name}`, import.meta.url));
const json = { "content-type": "application/json" };

describe("createOpenApiValidator on the Airflow v1 spec (OpenAPI 3.0, connexion)", () => {
  const v1 = createOpenApiValidator(spec("airflow-rest-api-v1.yaml"));

  it("routes a request to its operation under the servers base path and decodes path params", () => {
    const r = v1.validate({
      method: "PATCH",
      path: "/api/v1/connections/my%20conn",
      query: "update_mask=host,port",
      headers: json,
      body: '{"connection_id":"my conn","conn_type":"http","port":null}',
    });
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.operationId, "patch_connection");
    assert.deepEqual(r.pathParams, { connection_id: "my conn" });
    assert.deepEqual(r.query.update_mask, ["host", "port"]);
  });

  it("prefers literal segments over parameters", () => {
    const r = v1.validate({
      method: "POST",
      path: "/api/v1/connections/test",
      headers: json,
      body: '{"connection_id":"x","conn_type":"http"}',
    });
    assert.equal(r.ok && r.operationId, "test_connection");
  });

  it("lets a format: path parameter span slashes", () => {
    const r = v1.validate({ method: "GET", path: "/api/v1/variables/team/a/key" });
    assert.equal(r.ok, true);
    assert.deepEqual(r.ok && r.pathParams, { variable_key: "team/a/key" });
  });

  it("answers 400 with an RFC 7807 problem on a wrong type in the body", () => {
    const r = v1.validate({ method: "POST", path: "/api/v1/connections", headers: json, body: '{"connection_id":"x","port":"eighty"}' });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.status, 400);
    const body = r.body as { title: string; status: number; detail: string };
    assert.equal(body.title, "Bad Request");
    assert.match(body.detail, /integer.*port/);
  });

  it("rejects a non-integer query parameter and accepts a numeric one", () => {
    assert.equal(v1.validate({ method: "GET", path: "/api/v1/connections", query: "limit=abc" }).ok, false);
    const ok = v1.validate({ method: "GET", path: "/api/v1/connections", query: "limit=10&offset=0&unknown=1" });
    assert.equal(ok.ok && ok.query.limit, 10);
  });

  it("answers 404 on an unknown path and 405 on a known path with another method", () => {
    const nf = v1.validate({ method: "GET", path: "/api/v1/nope" });
    assert.equal(!nf.ok && nf.status, 404);
    const na = v1.validate({ method: "PUT", path: "/api/v1/connections" });
    assert.equal(!na.ok && na.status, 405);
  });

  it("reports malformed JSON as a validation error", () => {
    const r = v1.validate({ method: "POST", path: "/api/v1/variables", headers: json, body: "{not json" });
    assert.equal(!r.ok && r.status, 400);
  });
});

describe("createOpenApiValidator on the Airflow v2 spec (OpenAPI 3.1, FastAPI)", () => {
  const v2 = createOpenApiValidator(spec("airflow-rest-api-v2.yaml"));

  it("accepts a bulk body with anyOf/null fields and $refs to components", () => {
    const body = {
      actions: [
        {
          action: "create",
          action_on_existence: "overwrite",
          entities: [{ connection_id: "a", conn_type: "http", host: null, port: 8080 }],
        },
        { action: "delete", entities: ["b"] },
      ],
    };
    const r = v2.validate({ method: "PATCH", path: "/api/v2/connections", headers: json, body: JSON.stringify(body) });
    assert.equal(r.ok && r.operationId, "bulk_connections");
  });

  it("answers 422 HTTPValidationError listing every violation with its location", () => {
    const body = { actions: [{ action: "create", entities: [{ connection_id: "bad id!", conn_type: "http", bogus: 1 }] }] };
    const r = v2.validate({ method: "PATCH", path: "/api/v2/connections", headers: json, body: JSON.stringify(body) });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.status, 422);
    const detail = (r.body as { detail: { type: string; loc: unknown[]; msg: string }[] }).detail;
    assert.ok(detail.some((d) => d.type === "string_pattern_mismatch" && d.loc.join(".") === "body.actions.0.entities.0.connection_id"));
    assert.ok(detail.some((d) => d.type === "extra_forbidden" && d.loc.at(-1) === "bogus"));
  });

  it("requires the body fields the schema requires", () => {
    const r = v2.validate({ method: "POST", path: "/api/v2/variables", headers: json, body: '{"key":"k"}' });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && (r.body as { detail: { type: string }[] }).detail.some((d) => d.type === "missing"));
  });

  it("accepts form-encoded login on the auth manager spec", () => {
    const auth = createOpenApiValidator(spec("airflow-simple-auth-manager-v2.yaml"));
    const r = auth.validate({
      method: "POST",
      path: "/auth/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=a&password=b",
    });
    assert.deepEqual(r.ok && r.body, { username: "a", password: "b" });
    const bad = auth.validate({ method: "POST", path: "/auth/token", headers: json, body: '{"username":"a"}' });
    assert.equal(!bad.ok && bad.status, 422);
  });
});
