import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

/** The file beside each function bundle that holds the strict config path (`strictConfig.ts`). */
export const STRICT_CONFIG_SIDE_FILE = "afsync-strict-config.cjs";

const ENTRY = fileURLToPath(new URL("./strictConfigEntry.ts", import.meta.url));

/**
 * An esbuild plugin for the function bundles: the strict config path (`strictConfigEntry.ts`, the
 * YAML parser and every schema) leaves the bundle for a file of its own beside it, built with the
 * same options, and the bundle `require()`s that file only when a config is not the embedded one.
 *
 * Why: V8 pre-parses the whole of a CommonJS bundle when it is loaded, so code that never runs
 * still costs a cold start (about 3 ms per 100 KB); esbuild splits code only in ESM output, which
 * measured slower (every chunk pays the ESM loader). Written to disk beside every output when the
 * build writes, else added to `outputFiles` for the caller to ship (the Azure zip).
 */
export function strictConfigSideFile(): Plugin {
  return {
    name: "afsync-strict-config-side-file",
    setup(build) {
      const options = build.initialOptions;
      options.metafile = true;
      let imported = false;
      build.onResolve({ filter: /[/\\]strictConfigEntry(\.ts)?$/ }, () => {
        imported = true;
        return { path: `./${STRICT_CONFIG_SIDE_FILE}`, external: true };
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
          const side = await build.esbuild.build({
            ...same,
            entryPoints: [ENTRY],
            outfile: join(dir, STRICT_CONFIG_SIDE_FILE),
            write: false,
          });
          for (const file of side.outputFiles) {
            if (options.write === false) result.outputFiles?.push(file);
            else writeFileSync(file.path, file.contents);
          }
        }
      });
    },
  };
}
