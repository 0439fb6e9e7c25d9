import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "../localServeProcess.ts";

/** Screenshots the browser tests keep, git-ignored; CI can upload the folder. */
export const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");

/**
 * Runs the project's own setup step, scripts/ensure-chromium.mjs (installs Debian's chromium with
 * apt-get where it can), and answers the browser's path, or why the browser tests must be skipped.
 */
export function chromiumOrSkipReason(): { executablePath: string } | { skip: string } {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, "scripts/ensure-chromium.mjs")], { encoding: "utf8" });
  if (run.status === 0) return { executablePath: run.stdout.trim() };
  return { skip: `browser tests skipped: ${run.stderr.trim() || "scripts/ensure-chromium.mjs failed"}` };
}

/**
 * Debian's Chromium, headless, driven over a pipe (no debugging port). Root needs --no-sandbox;
 * background networking is off so the browser itself reaches nothing but loopback pages.
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * Runs axe-core in the page and returns its serious and critical violations. The source is
 * evaluated over the DevTools protocol, which a page's CSP (no inline script) does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
