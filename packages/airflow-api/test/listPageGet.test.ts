import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GetText } from "@afsync/http/GetText";
import { listAllPages } from "../src/listAllPages.ts";
import { listPageGet } from "../src/listPageGet.ts";

/** A `GetText` that answers `status` and `text` and records the URLs and headers it was asked for. */
function answering(status: number, text: string) {
  const asked: { url: string; headers: Readonly<Record<string, string>> }[] = [];
  const get: GetText = async (url, headers) => {
    asked.push({ url, headers });
    return { status, header: () => null, text };
  };
  return { get, asked };
}

describe("listPageGet", () => {
  it("asks for one page as the typed client spelled it and parses a 2xx body", async () => {
    const t = answering(200, '{"connections":[{"connection_id":"a"}],"total_entries":1}');
    const answer = await listPageGet(t.get, "http://af", 100)<{ total_entries: number }>("/api/v2/connections", 200);
    assert.deepEqual(answer, { status: 200, data: { connections: [{ connection_id: "a" }], total_entries: 1 } });
    assert.deepEqual(t.asked, [{ url: "http://af/api/v2/connections?limit=100&offset=200", headers: { accept: "application/json" } }]);
  });

  it("gives the server's error body, parsed where it is JSON, with the status", async () => {
    const json = await listPageGet(answering(403, '{"detail":"Forbidden"}').get, "http://af", 100)("/api/v2/variables", 0);
    assert.deepEqual(json, { status: 403, error: { detail: "Forbidden" } });
    const html = await listPageGet(answering(502, "<html>bad gateway</html>").get, "http://af", 100)("/api/v2/variables", 0);
    assert.deepEqual(html, { status: 502, error: "<html>bad gateway</html>" });
  });

  it("makes an error status with an empty body a failed read, never an empty last page", async () => {
    const listPage = listPageGet(answering(500, "").get, "http://af", 100);
    await assert.rejects(
      listAllPages("/api/v2/connections", async (offset) => {
        const { status, error } = await listPage("/api/v2/connections", offset);
        return { items: [], total: 0, status, error };
      }),
      /GET \/api\/v2\/connections failed: 500/,
    );
  });

  it("rejects a 2xx body that is not JSON, as the typed client's response.json() did", async () => {
    await assert.rejects(listPageGet(answering(200, "<html>").get, "http://af", 100)("/api/v2/connections", 0), SyntaxError);
  });
});
