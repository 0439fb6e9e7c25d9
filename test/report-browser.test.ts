import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { copyExample, runAfsync } from "./localServeProcess.ts";
import { chromiumOrSkipReason, launchChromium, screenshot, seriousAxeViolations } from "./support/browser.ts";

const EXAMPLE_PASSWORD = "example-Passw0rd-change-me";
const EXAMPLE_TOKEN = "example-token-123";
const chromium = chromiumOrSkipReason();

describe("afsync report --html opened offline in Chromium", { skip: "skip" in chromium ? chromium.skip : false }, () => {
  let browser: Browser;
  let example: Awaited<ReturnType<typeof copyExample>>;
  let page: Page;
  let reportUrl: string;
  const requested: string[] = [];

  before(async () => {
    if ("skip" in chromium) return;
    example = await copyExample();
    assert.equal((await runAfsync(["sync", "--deployment", "dev"], { cwd: example.dir })).code, 0);
    const report = await runAfsync(["report", "--html", "report.html"], { cwd: example.dir });
    assert.equal(report.code, 0, report.stderr);
    reportUrl = pathToFileURL(join(example.dir, "report.html")).href;
    browser = await launchChromium(chromium.executablePath);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (request) => requested.push(request.url()));
  });
  after(async () => {
    await browser?.close();
    await example?.cleanup();
  });

  it("shows the same matrix from the file alone, fetching nothing, with no value in it", async () => {
    await page.goto(reportUrl);
    const dev = (await page.locator('tr[data-key="conn:warehouse_db"] td[data-deployment="dev"]').textContent()) ?? "";
    assert.match(dev, /unchanged/);
    assert.match(dev, /read from metadata database/);
    const devEnv = (await page.locator('tr[data-key="conn:warehouse_db"] td[data-deployment="dev-env"]').textContent()) ?? "";
    assert.match(devEnv, /create/);
    assert.match(devEnv, /read from environment variables/);
    assert.deepEqual(
      requested.filter((url) => !url.startsWith("file:")),
      [],
      "the report loads nothing but itself",
    );
    const dom = await page.evaluate(() => document.documentElement.outerHTML);
    assert.ok(!dom.includes(EXAMPLE_PASSWORD) && !dom.includes(EXAMPLE_TOKEN), "no value in the report");
    await screenshot(page, "report-static.png");
  });

  it("filters offline and opens a key's section from its anchor", async () => {
    await page.goto(reportUrl);
    await page.selectOption('select[name="status"]', "create");
    const keys = await page.locator("#matrix tbody tr:visible").count();
    assert.ok(keys > 0);
    await page.selectOption('select[name="deployment"]', "dev");
    assert.equal(await page.locator("#matrix tbody tr:visible").count(), 0, "dev was synced: nothing to create there");
    await page.selectOption('select[name="deployment"]', "");
    await page.selectOption('select[name="status"]', "");
    const section = page.locator("#key-conn_3a_warehouse_5f_db");
    assert.equal(await section.isVisible(), false, "details stay folded until linked");
    await page.click('#matrix th[scope="row"] a[href="#key-conn_3a_warehouse_5f_db"]');
    await section.waitFor({ state: "visible" });
    assert.match((await section.textContent()) ?? "", /In dev.*Airflow reads it from\s*metadata database/s);
    await screenshot(page, "report-static-key.png");
  });

  it("has no serious or critical accessibility violations", async () => {
    await page.goto(reportUrl);
    assert.deepEqual(await seriousAxeViolations(page), []);
  });
});
