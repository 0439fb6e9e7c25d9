/**
 * Renders a Vega-Lite chart to PNG (and SVG) for the benchmark docs, with no browser and no
 * binary download: Vega renders the SVG headless, resvg (its platform build is an npm package)
 * rasterizes it. Charts go to bench/out/ (git-ignored); a benchmark may copy one into docs/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export const CHART_DIR = fileURLToPath(new URL("../out/", import.meta.url));

/** Writes `<name>.svg` and `<name>.png` under bench/out/ and returns the PNG's path. */
export async function writeChart(name: string, spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, background: "white", font: { loadSystemFonts: true } }).render().asPng();
  mkdirSync(CHART_DIR, { recursive: true });
  writeFileSync(join(CHART_DIR, `${name}.svg`), svg);
  const path = join(CHART_DIR, `${name}.png`);
  writeFileSync(path, png);
  return path;
}
