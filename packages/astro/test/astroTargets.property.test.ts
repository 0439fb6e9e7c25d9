import { after } from "node:test";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { runTargetIdempotencyProperty } from "@afsync/testing";
import { AstroEnvironmentTarget } from "../src/AstroEnvironmentTarget.ts";
import { AstroEnvVarsTarget } from "../src/AstroEnvVarsTarget.ts";

const TOKEN = "astro-property-token";
const ORG = "org-property";
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };
let counter = 0;

// One emulator for every generated case; each case gets its own Deployment or Workspace.
let emulator: Promise<AstroEmulator> | undefined;
const astro = () => {
  emulator ??= startAstroEmulator({ token: TOKEN });
  return emulator;
};
after(async () => (await emulator)?.close());

// Issue 8: a second sync writes nothing, for any keys and values, in both Astro targets.
runTargetIdempotencyProperty(
  "astro-env-vars on the Astro emulator",
  async () => {
    const server = await astro();
    const deploymentId = `dep-${++counter}`;
    server.seedDeployment({ id: deploymentId, organizationId: ORG, workspaceId: "ws-1", environmentVariables: [] });
    const target = new AstroEnvVarsTarget({
      organizationId: ORG,
      deploymentId,
      apiUrl: server.platformUrl,
      token: TOKEN,
      retry: FAST_RETRY,
    });
    return { target };
  },
  { numRuns: 25 },
);

runTargetIdempotencyProperty(
  "astro-environment on the Astro emulator",
  async () => {
    const server = await astro();
    const target = new AstroEnvironmentTarget({
      organizationId: ORG,
      scope: { scope: "WORKSPACE", scopeEntityId: `ws-${++counter}` },
      links: { linkDeployments: ["dep-property"] },
      apiUrl: server.v1Url,
      token: TOKEN,
      retry: FAST_RETRY,
    });
    return { target };
  },
  { numRuns: 25 },
);
