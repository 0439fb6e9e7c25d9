// The Astro API targets. Import by subpath in new code (`@afsync/astro/astroEnvVarsTargetFactory`);
// this index lists what the package offers.
export { AstroEnvironmentTarget, type AstroEnvironmentTargetOptions } from "./AstroEnvironmentTarget.ts";
export { AstroEnvVarsTarget, type AstroEnvVarsTargetOptions } from "./AstroEnvVarsTarget.ts";
export { astroEnvironmentTargetFactory } from "./astroEnvironmentTargetFactory.ts";
export { astroEnvVarsTargetFactory } from "./astroEnvVarsTargetFactory.ts";
export { KeyedMutex } from "./KeyedMutex.ts";
