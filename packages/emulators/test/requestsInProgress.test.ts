import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "../src/airflow/startAirflowEmulator.ts";
import { type AstroEmulator, startAstroEmulator } from "../src/astro/startAstroEmulator.ts";

/** Sends a request and abandons it at once, as a killed client does; resolves when it is on the wire. */
function sendAndAbandon(url: string, path: string, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers } });
    req.on("error", () => {});
    req.end(body, () => {
      // Give the server time to take it in, then drop our end of the connection.
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 20);
    });
  });
}

describe("receivedRequestsAnswered: a held request lands after its client died", () => {
  let airflow: AirflowEmulator;
  let astro: AstroEmulator;
  before(async () => {
    airflow = await startAirflowEmulator({ apiVersion: 1, users: { admin: "pw" } });
    astro = await startAstroEmulator({ token: "t" });
  });
  after(async () => {
    await airflow.close();
    await astro.close();
  });

  it("Airflow: resolves only once the held write is carried out, and at once when nothing is in flight", async () => {
    await airflow.receivedRequestsAnswered(100);
    airflow.inject({ latencyMs: 300, times: 1 });
    const basic = `Basic ${Buffer.from("admin:pw").toString("base64")}`;
    const started = Date.now();
    await sendAndAbandon(airflow.url, "/api/v1/variables", { authorization: basic }, JSON.stringify({ key: "late", value: "v" }));
    assert.equal(airflow.state.variables.has("late"), false, "the write is still held");
    await airflow.receivedRequestsAnswered(5_000);
    assert.ok(Date.now() - started >= 250, "waited for the hold");
    assert.equal(airflow.state.variables.has("late"), true, "the dead client's write landed");
  });

  it("Astro: rejects with a clear error when a request is held longer than the limit", async () => {
    astro.inject({ latencyMs: 500, times: 1 });
    await sendAndAbandon(astro.url, "/platform/v1beta1/organizations/o/deployments/d", { authorization: "Bearer t" }, "{}");
    await assert.rejects(astro.receivedRequestsAnswered(50), /1 request\(s\) still unanswered after 50 ms/);
    await astro.receivedRequestsAnswered(5_000);
  });
});
