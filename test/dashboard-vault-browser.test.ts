/**
 * The dashboard over a real wire protocol: `afsync serve` (the binary) reads the Vault emulator
 * and subscribes to its event notifications; a KV v2 write made through Vault's HTTP API reaches
 * the page in Chromium as a changed cell, without a reload, and no value reaches the DOM.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import type { Browser, Page } from "playwright-core";
import { type ServeProcess, startServe, waitUntil } from "./localServeProcess.ts";
import { chromiumOrSkipReason, launchChromium, screenshot } from "./support/browser.ts";

const DB_PASSWORD = "vault-dash-db-Pa55-4e1a";
const DB_ROTATED = "vault-dash-db-rotated-9c3f";
const chromium = chromiumOrSkipReason();
const CELL = 'tr[data-key="conn:warehouse_db"] td[data-deployment="dev"]';

describe("the serve dashboard over the Vault emulator, in Chromium", { skip: "skip" in chromium ? chromium.skip : false }, () => {
  let emu: VaultEmulator;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let dir: string;

  before(async () => {
    if ("skip" in chromium) return;
    emu = await startVaultEmulator();
    emu.seed("secret/airflow/connections/warehouse_db", { conn_uri: `postgres://etl:${DB_PASSWORD}@warehouse.internal:5432/dwh` });
    emu.seed("secret/airflow/variables/environment", { value: "production" });
    dir = mkdtempSync(join(tmpdir(), "afsync-vault-dashboard-"));
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        "  vault-prod:",
        "    type: vault",
        "    connections_path: airflow/connections",
        "    variables_path: airflow/variables",
        "    events: websocket",
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [vault-prod]",
        "    deletion: delete",
        "state: { type: sqlite, path: state.db }",
        "serve: { host: 127.0.0.1, port: 0, reconcile_every: 15m }",
        "",
      ].join("\n"),
    );
    serve = await startServe(["--config", "afsync.yaml"], {
      cwd: dir,
      env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, VAULT_NAMESPACE: "" },
    });
    browser = await launchChromium(chromium.executablePath);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
    await emu?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("shows Vault's event coverage and version, then a KV v2 write as an updated cell without a reload", async () => {
    await waitUntil(
      async () =>
        ((await (await fetch(`${serve.url}/status.json`)).json()) as { eventFeeds: { state: string }[] }).eventFeeds[0]?.state === "live",
      "the Vault event stream to be live",
    );
    await page.goto(`${serve.url}/`);
    assert.match((await page.locator(CELL).textContent()) ?? "", /create.*read from environment variables.*vault-prod, version 1/s);
    assert.match((await page.locator('tr[data-coverage-source="vault-prod"]').textContent()) ?? "", /WebSocket/);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const put = await fetch(`${emu.url}/v1/secret/data/airflow/connections/warehouse_db`, {
      method: "POST",
      headers: { "X-Vault-Token": emu.rootToken },
      body: JSON.stringify({ data: { conn_uri: `postgres://etl:${DB_ROTATED}@warehouse.internal:5432/dwh` } }),
    });
    assert.equal(put.status, 200);
    await page.waitForFunction((selector) => document.querySelector(`${selector} .action`)?.textContent === "update", CELL, {
      timeout: 20_000,
    });
    assert.match((await page.locator(CELL).textContent()) ?? "", /vault-prod, version 2/);
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
    const dom = await page.evaluate(() => document.documentElement.outerHTML);
    assert.ok(!dom.includes(DB_PASSWORD) && !dom.includes(DB_ROTATED), "no value in the DOM");
    await screenshot(page, "dashboard-vault.png");
  });
});
