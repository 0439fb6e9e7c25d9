/**
 * The dependency rule (ARCHITECTURE.md): `functions/* → packages/runtime → packages/<provider|target>
 * → packages/core`, and `cli → runtime`. Nothing imports `cli` or `functions/*`; providers never
 * import targets. Checked over the shipped sources (`src/`): tests and benchmarks may reach
 * anything they exercise. `npm run lint` runs it; a violation names the rule and both files.
 */
const SRC = "^(packages|functions)/[^/]+/src/";
// `local` holds both the local source and the local targets: a provider package that may use its own targets.
const PROVIDERS = "^packages/(aws|azure|gcp|vault|local)/";
const TARGETS = "^packages/(airflow-api|astro)/";

/** One forbidden edge: imports from `from` (a path regex, or { path, pathNot }) to `to`. */
const forbid = (name, comment, from, to) => ({
  name,
  comment,
  severity: "error",
  from: typeof from === "string" ? { path: from } : from,
  to: typeof to === "string" ? { path: to } : to,
});

module.exports = {
  forbidden: [
    forbid(
      "nothing-imports-cli",
      "The CLI is a shell over the runtime: nothing else may depend on it.",
      {
        path: SRC,
        pathNot: "^packages/cli/",
      },
      "^packages/cli/",
    ),
    forbid(
      "nothing-imports-functions",
      "Each cloud's functions are a composition root: no package may depend on them.",
      "^packages/",
      "^functions/",
    ),
    forbid(
      "no-cloud-imports-another",
      "One cloud's functions never reach into another's: what they share lives in the runtime.",
      "^functions/([^/]+)/",
      { path: "^functions/", pathNot: "^functions/$1/" },
    ),
    forbid(
      "only-entry-points-use-runtime",
      "The runtime sits above providers and targets: only functions/* and cli build on it.",
      { path: SRC, pathNot: "^(functions/[^/]+|packages/(cli|runtime))/" },
      "^packages/runtime/",
    ),
    forbid(
      "providers-never-import-targets",
      "A secrets-manager source never knows where its values are pushed.",
      `${PROVIDERS}src/`,
      TARGETS,
    ),
    forbid("targets-never-import-providers", "A target never knows which secrets manager a value came from.", `${TARGETS}src/`, PROVIDERS),
    forbid(
      "core-imports-only-core",
      "packages/core is the pure domain at the bottom: it imports no other afsync package.",
      "^packages/core/src/",
      "^(packages/(?!core/)[^/]+|functions)/",
    ),
    // Type-only imports vanish at run time (backendNaming's types are declared beside their rules).
    forbid("no-circular", "A cycle between modules makes the layering meaningless.", SRC, {
      circular: true,
      viaOnly: { dependencyTypesNot: ["type-only"] },
    }),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|generated|dist|\\.serverless|\\.esbuild)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
