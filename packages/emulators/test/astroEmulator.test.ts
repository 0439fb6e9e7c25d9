import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AstroEmulator, startAstroEmulator } from "../src/astro/startAstroEmulator.ts";

const TOKEN = "emulator-token";
const ORG = "org-1";

async function call(astro: AstroEmulator, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${astro.platformUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

function updateBody(deployment: Record<string, unknown>, environmentVariables: unknown[]): Record<string, unknown> {
  const pick = (k: string) => deployment[k];
  return {
    type: pick("type"),
    name: pick("name"),
    workspaceId: pick("workspaceId"),
    executor: pick("executor"),
    isCicdEnforced: pick("isCicdEnforced"),
    isDagDeployEnabled: pick("isDagDeployEnabled"),
    isHighAvailability: pick("isHighAvailability"),
    schedulerSize: pick("schedulerSize"),
    defaultTaskPodCpu: pick("defaultTaskPodCpu"),
    defaultTaskPodMemory: pick("defaultTaskPodMemory"),
    resourceQuotaCpu: pick("resourceQuotaCpu"),
    resourceQuotaMemory: pick("resourceQuotaMemory"),
    environmentVariables,
  };
}

describe("Astro emulator: Deployments", () => {
  let astro: AstroEmulator;
  before(async () => {
    astro = await startAstroEmulator({ token: TOKEN });
  });
  after(() => astro.close());

  it("omits secret values on read and keeps a secret sent back without a value", async () => {
    astro.seedDeployment({
      id: "dep-a",
      organizationId: ORG,
      environmentVariables: [
        { key: "PLAIN", value: "visible" },
        { key: "TOKEN", value: "s3cr3t-value", isSecret: true },
      ],
    });
    const read = await call(astro, "GET", `/organizations/${ORG}/deployments/dep-a`);
    assert.equal(read.status, 200);
    const vars = (read.body?.environmentVariables ?? []) as { key: string; value?: string }[];
    assert.deepEqual(
      vars.map((v) => [v.key, v.value]),
      [
        ["PLAIN", "visible"],
        ["TOKEN", undefined],
      ],
    );
    assert.ok(!JSON.stringify(read.body).includes("s3cr3t-value"));

    const update = await call(
      astro,
      "POST",
      `/organizations/${ORG}/deployments/dep-a`,
      updateBody(read.body ?? {}, [
        { key: "TOKEN", isSecret: true },
        { key: "NEW", value: "n", isSecret: false },
      ]),
    );
    assert.equal(update.status, 200);
    const stored = astro.deployment(ORG, "dep-a");
    assert.deepEqual(
      stored?.environmentVariables.map((v) => [v.key, v.value]),
      [
        ["TOKEN", "s3cr3t-value"],
        ["NEW", "n"],
      ],
      "whole list replaced: PLAIN is gone, TOKEN kept its value",
    );
    assert.equal(stored?.restarts, 1);
  });

  it("counts an unchanged update without a restart", async () => {
    astro.seedDeployment({ id: "dep-b", organizationId: ORG, environmentVariables: [{ key: "A", value: "1" }] });
    const read = await call(astro, "GET", `/organizations/${ORG}/deployments/dep-b`);
    const res = await call(
      astro,
      "POST",
      `/organizations/${ORG}/deployments/dep-b`,
      updateBody(read.body ?? {}, [{ key: "A", value: "1", isSecret: false }]),
    );
    assert.equal(res.status, 200);
    assert.equal(astro.deployment(ORG, "dep-b")?.updates, 1);
    assert.equal(astro.deployment(ORG, "dep-b")?.restarts, 0);
  });

  it("answers 400 with fieldErrors and no echoed value when a required field is missing", async () => {
    astro.seedDeployment({ id: "dep-c", organizationId: ORG });
    const read = await call(astro, "GET", `/organizations/${ORG}/deployments/dep-c`);
    const body = updateBody(read.body ?? {}, [{ key: "X", value: "leak-me-not", isSecret: "yes" }]);
    delete body.defaultTaskPodCpu;
    const res = await call(astro, "POST", `/organizations/${ORG}/deployments/dep-c`, body);
    assert.equal(res.status, 400);
    assert.equal(res.body?.statusCode, 400);
    assert.match(String(res.body?.message), /defaultTaskPodCpu/);
    assert.match(String(res.body?.message), /environmentVariables\.0\.isSecret/);
    assert.ok(!JSON.stringify(res.body).includes("leak-me-not"));
    assert.equal(astro.deployment(ORG, "dep-c")?.updates, 0);
  });

  it("rejects a missing or wrong token with 401", async () => {
    const res = await call(astro, "GET", `/organizations/${ORG}/deployments/dep-c`, undefined, "wrong");
    assert.equal(res.status, 401);
  });

  it("injects 429 with Retry-After, then serves normally, and counts both calls", async () => {
    astro.resetCalls();
    astro.inject({ status: 429, retryAfterSeconds: 3, operationId: "GetDeployment" });
    const first = await call(astro, "GET", `/organizations/${ORG}/deployments/dep-c`);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get("retry-after"), "3");
    assert.equal(first.body?.statusCode, 429);
    const second = await call(astro, "GET", `/organizations/${ORG}/deployments/dep-c`);
    assert.equal(second.status, 200);
    assert.equal(astro.calls().GetDeployment, 2);
    assert.equal(astro.writeCalls(), 0);
  });

  it("holds calls at a barrier until all parties arrived", { timeout: 60_000 }, async () => {
    astro.inject({ barrier: 2, operationId: "GetDeployment" });
    const order: string[] = [];
    const a = call(astro, "GET", `/organizations/${ORG}/deployments/dep-c`).then(() => order.push("a"));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(order.length, 0, "the first call waits for the second");
    const b = call(astro, "GET", `/organizations/${ORG}/deployments/dep-c`).then(() => order.push("b"));
    await Promise.all([a, b]);
    assert.equal(order.length, 2);
  });
});

describe("Astro emulator: environment objects", () => {
  let astro: AstroEmulator;
  const base = `/organizations/${ORG}/environment-objects`;
  before(async () => {
    astro = await startAstroEmulator({ token: TOKEN });
  });
  after(() => astro.close());

  it("creates, refuses a duplicate with 409, and masks secrets on list", async () => {
    const created = await call(astro, "POST", base, {
      objectKey: "my_var",
      objectType: "AIRFLOW_VARIABLE",
      scope: "WORKSPACE",
      scopeEntityId: "ws-1",
      airflowVariable: { value: "hidden-value", isSecret: true },
      links: [{ scope: "DEPLOYMENT", scopeEntityId: "dep-1" }],
    });
    assert.equal(created.status, 200);
    assert.equal(typeof created.body?.id, "string");
    const dup = await call(astro, "POST", base, {
      objectKey: "my_var",
      objectType: "AIRFLOW_VARIABLE",
      scope: "WORKSPACE",
      scopeEntityId: "ws-1",
      airflowVariable: { value: "x", isSecret: true },
    });
    assert.equal(dup.status, 409);
    const list = await call(astro, "GET", `${base}?workspaceId=ws-1&objectKey=my_var`);
    assert.equal(list.body?.totalCount, 1);
    assert.ok(!JSON.stringify(list.body).includes("hidden-value"));
  });

  it("drops links on an update that omits them, and refuses to change isSecret", async () => {
    const [object] = astro.environmentObjects();
    assert.ok(object);
    const res = await call(astro, "POST", `${base}/${object.id}`, { airflowVariable: { value: "" } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body?.links, []);
    assert.equal(object.value?.value, "hidden-value", "the redacted empty value counts as no change");
    const flip = await call(astro, "POST", `${base}/${object.id}`, { airflowVariable: { value: "v", isSecret: false } });
    assert.equal(flip.status, 400);
  });

  it("answers 400 naming the field when a body breaks the (reconstructed) spec", async () => {
    const res = await call(astro, "POST", base, {
      objectKey: "c",
      objectType: "CONNECTION",
      scope: "WORKSPACE",
      scopeEntityId: "ws-1",
      connection: { host: "h", password: "do-not-echo", port: "5432" },
    });
    assert.equal(res.status, 400);
    assert.match(String(res.body?.message), /connection\.type/);
    assert.match(String(res.body?.message), /connection\.port/);
    assert.ok(!JSON.stringify(res.body).includes("do-not-echo"));
  });

  it("refuses showSecrets unless the organization allows it", async () => {
    const res = await call(astro, "GET", `${base}?showSecrets=true`);
    assert.equal(res.status, 403);
    assert.match(String(res.body?.message), /showSecrets.*not allowed/);
  });

  it("pages with offset and limit", async () => {
    for (let i = 0; i < 3; i++) {
      astro.seedEnvironmentObject(ORG, {
        objectKey: `k${i}`,
        objectType: "AIRFLOW_VARIABLE",
        scope: "WORKSPACE",
        scopeEntityId: "ws-2",
        airflowVariable: { value: String(i), isSecret: false },
      });
    }
    const page = await call(astro, "GET", `${base}?workspaceId=ws-2&limit=2&offset=2`);
    assert.equal(page.body?.totalCount, 3);
    assert.deepEqual(
      ((page.body?.environmentObjects ?? []) as { objectKey: string }[]).map((o) => o.objectKey),
      ["k2"],
    );
  });
});

describe("Astro emulator: UpdateDeployment is validated against the spec of the version it was sent to", () => {
  let astro: AstroEmulator;
  before(async () => {
    astro = await startAstroEmulator({ token: TOKEN });
    astro.seedDeployment({ id: "dep-v", organizationId: ORG, workspaceId: "ws-1" });
  });
  after(() => astro.close());

  const post = async (base: string, body: Record<string, unknown>) => {
    const res = await fetch(`${base}/organizations/${ORG}/deployments/dep-v`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { message?: string; fieldErrors?: string[] } };
  };
  const current = () => {
    const d = astro.deployment(ORG, "dep-v");
    assert.ok(d !== undefined);
    return { ...d.fields, type: d.type, workspaceId: d.workspaceId };
  };

  it("v1 accepts a hosted update without the task-pod sizes (optional since v1), which v1beta1 requires", async () => {
    const {
      defaultTaskPodCpu: _cpu,
      defaultTaskPodMemory: _memory,
      resourceQuotaCpu: _qc,
      resourceQuotaMemory: _qm,
      ...rest
    } = updateBody(current(), [{ key: "A", value: "1", isSecret: false }]);
    const v1 = await post(astro.v1Url, rest);
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    const v1beta1 = await post(astro.platformUrl, rest);
    assert.equal(v1beta1.status, 400);
    assert.match(v1beta1.body.message ?? "", /defaultTaskPodCpu: is required/);
  });

  it("v1 refuses an update without environmentVariables (a required array that replaces the whole list)", async () => {
    const { environmentVariables: _omitted, ...rest } = updateBody(current(), []);
    const v1 = await post(astro.v1Url, rest);
    assert.equal(v1.status, 400);
    assert.match(v1.body.message ?? "", /environmentVariables: is required/);
  });

  it("v1 refuses a worker queue machine outside its enum, naming the field and not the value", async () => {
    const body = {
      ...updateBody(current(), []),
      workerQueues: [
        { name: "default", isDefault: true, astroMachine: "A999", maxWorkerCount: 1, minWorkerCount: 0, workerConcurrency: 5 },
      ],
    };
    const v1 = await post(astro.v1Url, body);
    assert.equal(v1.status, 400);
    assert.match(v1.body.message ?? "", /workerQueues\.0\.astroMachine/);
    assert.ok(!(v1.body.message ?? "").includes("A999"));
  });
});
