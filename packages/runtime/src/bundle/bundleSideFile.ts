import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Plugin } from "esbuild";

export interface SideFile {
  /** The module that becomes the side file's entry: every import of it resolves to the side file. */
  readonly entry: string;
  /** The side file's name, written beside each bundle (`./<file>` is what the bundle requires). */
  readonly file: string;
}

/**
 * An esbuild plugin for the function bundles: `entry` (and what only it imports) leaves the
 * bundle for a file of its own beside it, built with the same options, which the bundle
 * `require()`s only when it imports `entry` (always dynamically: the code paths that need it).
 *
 * Why: V8 pre-parses the whole of a CommonJS bundle when it is loaded, so code that never runs
 * still costs a cold start (about 3 ms per 100 KB); esbuild splits code only in ESM output, which
 * measured slower (every chunk pays the ESM loader). The side file is a bundle of its own: an
 * error class it throws is its own copy of that class, so an entry hands back plain values or
 * errors its callers do not test with `instanceof` (or re-raises them, as `strictConfig.ts`).
 * Written to disk beside every output when the build writes, else added to `outputFiles` for the
 * caller to ship (the Azure zip).
 */
export function bundleSideFile(side: SideFile): Plugin {
  const filter = new RegExp(`[/\\\\]${escapeRegExp(side.entry.replace(/^.*[/\\]/, "").replace(/\.ts$/, ""))}(\\.ts)?$`);
  return {
    name: `afsync-side-file:${side.file}`,
    setup(build) {
      const options = build.initialOptions;
      options.metafile = true;
      let imported = false;
      build.onResolve({ filter }, () => {
        imported = true;
        return { path: `./${side.file}`, external: true };
      });
      build.onEnd(async (result) => {
        if (!imported || result.errors.length > 0 || result.metafile === undefined) return;
        const cwd = options.absWorkingDir ?? process.cwd();
        const dirs = new Set(
          Object.entries(result.metafile.outputs)
            .filter(([, output]) => output.entryPoint !== undefined)
            .map(([path]) => dirname(resolve(cwd, path))),
        );
        const { plugins: _plugins, entryPoints: _entryPoints, stdin: _stdin, outdir: _outdir, metafile: _metafile, ...same } = options;
        for (const dir of dirs) {
          const built = await build.esbuild.build({ ...same, entryPoints: [side.entry], outfile: join(dir, side.file), write: false });
          for (const file of built.outputFiles) {
            if (options.write === false) result.outputFiles?.push(file);
            else writeFileSync(file.path, file.contents);
          }
        }
      });
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
