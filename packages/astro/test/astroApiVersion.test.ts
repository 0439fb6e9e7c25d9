import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Logger } from "@afsync/core";
import { ASTRO_API_URLS } from "../src/AstroDeploymentApi.ts";
import { astroEnvVarsOptionsSchema, astroEnvVarsTargetFactory } from "../src/astroEnvVarsTargetFactory.ts";

// Its own file (so its own process): the v1beta1 warning is once per process.
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, log: (level, message) => (level === "warn" ? warnings.push(message) : undefined) };
}

const ctx = (logger: Logger) => ({ id: "prod", env: { ASTRO_API_TOKEN: "t" }, logger });

describe("astro-env-vars api_version", () => {
  it("defaults to Astro API v1 at https://api.astronomer.io/v1", () => {
    const options = astroEnvVarsOptionsSchema.parse({ organization_id: "o", deployment_id: "d" });
    assert.equal(options.api_version, "v1");
    assert.equal(ASTRO_API_URLS[options.api_version], "https://api.astronomer.io/v1");
    const logger = recordingLogger();
    const target = astroEnvVarsTargetFactory.create({ organization_id: "o", deployment_id: "d" }, ctx(logger));
    assert.match(target.describe, /at api\.astronomer\.io$/);
    assert.deepEqual(logger.warnings, []);
  });

  it("keeps v1beta1 selectable, warning once per process that it reaches end of support in January 2027", () => {
    const logger = recordingLogger();
    for (const deployment_id of ["d1", "d2"]) {
      astroEnvVarsTargetFactory.create({ organization_id: "o", deployment_id, api_version: "v1beta1" }, ctx(logger));
    }
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0] ?? "", /v1beta1 .* end of support in January 2027; set api_version: v1/);
    assert.equal(ASTRO_API_URLS.v1beta1, "https://api.astronomer.io/platform/v1beta1");
  });

  it("refuses an api_url pinned to the v1beta1 Platform API while api_version is v1, naming the option", () => {
    const result = astroEnvVarsOptionsSchema.safeParse({
      organization_id: "o",
      deployment_id: "d",
      api_url: "https://api.astronomer.io/platform/v1beta1",
    });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0]?.path, ["api_url"]);
    assert.match(result.error?.issues[0]?.message ?? "", /api_version: v1beta1/);
    const pinned = {
      organization_id: "o",
      deployment_id: "d",
      api_url: "https://api.astronomer.io/platform/v1beta1",
      api_version: "v1beta1",
    };
    assert.equal(astroEnvVarsOptionsSchema.safeParse(pinned).success, true);
  });

  it("refuses an unknown api_version", () => {
    assert.throws(() => astroEnvVarsOptionsSchema.parse({ organization_id: "o", deployment_id: "d", api_version: "v2" }));
  });
});
