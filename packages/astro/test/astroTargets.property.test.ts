import { startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { runTargetIdempotencyProperty } from "@afsync/testing";
import { AstroEnvironmentTarget } from "../src/AstroEnvironmentTarget.ts";
import { AstroEnvVarsTarget } from "../src/AstroEnvVarsTarget.ts";

const TOKEN = "astro-property-token";
const ORG = "org-property";
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };
let counter = 0;

// Issue 8: a second sync writes nothing, for any keys and values, in both Astro targets.
runTargetIdempotencyProperty(
  "astro-env-vars on the Astro emulator",
  async () => {
    const astro = await startAstroEmulator({ token: TOKEN });
    const deploymentId = `dep-${++counter}`;
    astro.seedDeployment({ id: deploymentId, organizationId: ORG, workspaceId: "ws-1", environmentVariables: [] });
    const target = new AstroEnvVarsTarget({
      organizationId: ORG,
      deploymentId,
      apiUrl: astro.platformUrl,
      token: TOKEN,
      retry: FAST_RETRY,
    });
    return { target, cleanup: () => astro.close() };
  },
  { numRuns: 25 },
);

runTargetIdempotencyProperty(
  "astro-environment on the Astro emulator",
  async () => {
    const astro = await startAstroEmulator({ token: TOKEN });
    const target = new AstroEnvironmentTarget({
      organizationId: ORG,
      scope: { scope: "WORKSPACE", scopeEntityId: `ws-${++counter}` },
      links: { linkDeployments: ["dep-property"] },
      apiUrl: astro.v1Url,
      token: TOKEN,
      retry: FAST_RETRY,
    });
    return { target, cleanup: () => astro.close() };
  },
  { numRuns: 25 },
);
