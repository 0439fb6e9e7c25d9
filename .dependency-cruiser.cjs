/**
 * The dependency rule (ARCHITECTURE.md): `functions/* → packages/runtime → packages/<provider|target>
 * → packages/core`, and `cli → runtime`. Nothing imports `cli` or `functions/*`; providers never
 * import targets. Checked over the shipped sources (`src/`): tests and benchmarks may reach
 * anything they exercise. `npm run lint` runs it; a violation names the rule and both files.
 */
const SRC = "^(packages|functions)/[^/]+/src/";
const PROVIDERS = "^packages/(aws|azure|gcp|vault|local)/src/";
const TARGET_PACKAGES = "^packages/(airflow-api|astro)/";
// `local` holds both the local source and the local targets: it is a provider package that may use its own targets.

module.exports = {
  forbidden: [
    {
      name: "nothing-imports-cli",
      comment: "The CLI is a shell over the runtime: nothing else may depend on it.",
      severity: "error",
      from: { path: SRC, pathNot: "^packages/cli/" },
      to: { path: "^packages/cli/" },
    },
    {
      name: "nothing-imports-functions",
      comment: "Each cloud's functions are a composition root: no package may depend on them.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^functions/" },
    },
    {
      name: "no-cloud-imports-another",
      comment: "One cloud's functions never reach into another's: what they share lives in the runtime.",
      severity: "error",
      from: { path: "^functions/([^/]+)/" },
      to: { path: "^functions/", pathNot: "^functions/$1/" },
    },
    {
      name: "only-entry-points-use-runtime",
      comment: "The runtime sits above providers and targets: only functions/* and cli build on it.",
      severity: "error",
      from: { path: SRC, pathNot: "^(functions/[^/]+|packages/(cli|runtime))/" },
      to: { path: "^packages/runtime/" },
    },
    {
      name: "providers-never-import-targets",
      comment: "A secrets-manager source never knows where its values are pushed.",
      severity: "error",
      from: { path: PROVIDERS },
      to: { path: TARGET_PACKAGES },
    },
    {
      name: "targets-never-import-providers",
      comment: "A target never knows which secrets manager a value came from.",
      severity: "error",
      from: { path: "^packages/(airflow-api|astro)/src/" },
      to: { path: "^packages/(aws|azure|gcp|vault|local)/" },
    },
    {
      name: "core-imports-only-core",
      comment: "packages/core is the pure domain at the bottom: it imports no other afsync package.",
      severity: "error",
      from: { path: "^packages/core/src/" },
      to: { path: "^(packages/(?!core/)[^/]+|functions)/" },
    },
    {
      name: "no-circular",
      comment: "A cycle between modules makes the layering meaningless.",
      severity: "error",
      from: { path: SRC },
      // Type-only imports vanish at run time (backendNaming's types are declared beside their rules).
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|generated|\\.serverless|\\.esbuild)/" },
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
