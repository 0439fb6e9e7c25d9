import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { copyExample, type ServeProcess, startServe } from "./localServeProcess.ts";
import { chromiumOrSkipReason, launchChromium, screenshot, seriousAxeViolations } from "./support/browser.ts";

// The example's password, and the one the rotation writes: neither may ever reach the page.
const ORIGINAL_PASSWORD = "example-Passw0rd-change-me";
const ROTATED_PASSWORD = "s3ntinel-Rotated-Dashboard-Pw";
const chromium = chromiumOrSkipReason();
const CELL = 'tr[data-key="conn:warehouse_db"] td[data-deployment="dev"]';

/** Everything the DOM holds as text and markup, for the sentinel check. */
async function domText(page: Page): Promise<string> {
  return page.evaluate(() => `${document.documentElement.outerHTML}\n${document.body.textContent}`);
}

describe("the serve dashboard in Chromium (example project, local files)", { skip: "skip" in chromium ? chromium.skip : false }, () => {
  let browser: Browser;
  let serve: ServeProcess;
  let example: Awaited<ReturnType<typeof copyExample>>;
  let page: Page;

  before(async () => {
    if ("skip" in chromium) return;
    example = await copyExample();
    serve = await startServe(["--config", "afsync.yaml", "--port", "0"], { cwd: example.dir });
    browser = await launchChromium(chromium.executablePath);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
    await example?.cleanup();
  });

  it("shows the matrix with the winning layer and the version as a date, and no value", async () => {
    await page.goto(`${serve.url}/`);
    await page.waitForSelector(CELL);
    const cell = (await page.locator(CELL).textContent()) ?? "";
    assert.match(cell, /create/);
    assert.match(cell, /read from metadata database/);
    assert.match(cell, /team-files, file saved \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    assert.match(cell, /applied .* after seen/);
    assert.match((await page.locator('th[data-deployment="dev-env"]').textContent()) ?? "", /environment variables/);
    assert.ok(!(await domText(page)).includes(ORIGINAL_PASSWORD), "no value in the DOM");
    await screenshot(page, "dashboard-live.png");
  });

  it("changes the cell without a reload when the secret rotates", async () => {
    // A marker on the window survives only if the page is never reloaded.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const path = join(example.dir, "secrets/connections.yaml");
    await writeFile(path, (await readFile(path, "utf8")).replace(ORIGINAL_PASSWORD, ROTATED_PASSWORD));
    await page.waitForFunction((selector) => document.querySelector(`${selector} .action`)?.textContent === "update", CELL, {
      timeout: 20_000,
    });
    assert.equal(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
      true,
      "the page was not reloaded",
    );
    assert.match((await page.locator("#updated").textContent()) ?? "", /without reloading/);
    const dom = await domText(page);
    assert.ok(!dom.includes(ROTATED_PASSWORD) && !dom.includes(ORIGINAL_PASSWORD), "neither the old nor the new value is in the DOM");
  });

  it("filters by Deployment, status and text, and keeps the filter in the URL", async () => {
    await page.selectOption('select[name="deployment"]', "dev");
    assert.equal(await page.locator('th[data-deployment="dev-env"]').isHidden(), true);
    assert.equal(await page.locator('th[data-deployment="dev"]').isVisible(), true);
    await page.selectOption('select[name="status"]', "update");
    assert.deepEqual(await page.locator("#matrix tbody tr:visible").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key"))), [
      "conn:warehouse_db",
    ]);
    await page.selectOption('select[name="status"]', "");
    await page.fill('input[name="q"]', "var:");
    const keys = await page.locator("#matrix tbody tr:visible").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
    assert.ok(keys.length > 0 && keys.every((k) => k?.startsWith("var:")), String(keys));
    assert.match(page.url(), /\?deployment=dev&q=var%3A$/);
    assert.match((await page.locator("#shown").textContent()) ?? "", new RegExp(`^${keys.length} of \\d+ key\\(s\\) shown$`));
    // Reloading the filtered URL restores the same view.
    await page.reload();
    assert.equal(await page.inputValue('input[name="q"]'), "var:");
    assert.equal(await page.locator('th[data-deployment="dev-env"]').isHidden(), true);
  });

  it("is usable by keyboard: Tab reaches the skip link and the filters", async () => {
    await page.goto(`${serve.url}/`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to the matrix");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "deployment");
  });

  it("follows a key's stable URL to its detail (layer, winner, time to effective) and a Deployment's URL to its own", async () => {
    await page.goto(`${serve.url}/`);
    await page.click('#matrix th[scope="row"] a[href="/keys/conn%3Awarehouse_db"]');
    await page.waitForURL(`${serve.url}/keys/conn%3Awarehouse_db`);
    const detail = (await page.locator("section.detail").textContent()) ?? "";
    assert.match(detail, /Key conn:warehouse_db/);
    assert.match(detail, /Airflow reads it from\s*metadata database/);
    assert.match(detail, /Time to effective/);
    assert.match(detail, /seconds \+ an Airflow restart/);
    assert.equal(await page.locator("#matrix tbody tr").count(), 1, "the key's page shows its own row only");
    await page.goto(`${serve.url}/deployments/dev-env`);
    assert.match((await page.locator("section.detail h2").textContent()) ?? "", /Deployment dev-env/);
    assert.ok(!(await domText(page)).includes(ROTATED_PASSWORD));
  });

  it("has no serious or critical accessibility violations, in light and dark mode", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await page.goto(`${serve.url}/`);
      await page.waitForSelector(CELL);
      const violations = await seriousAxeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}: ${JSON.stringify(violations, null, 2)}`);
      if (colorScheme === "dark") await screenshot(page, "dashboard-live-dark.png");
    }
  });
});
