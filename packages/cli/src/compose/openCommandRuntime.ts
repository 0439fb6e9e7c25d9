import { dirname, resolve } from "node:path";
import { ConfigError, type Logger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { buildRuntime, type Runtime, type RuntimeContext } from "@afsync/runtime/compose/buildRuntime";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";

export const DEFAULT_CONFIG_FILE = "afsync.yaml";

/** The options every command that opens the runtime takes: `--config`, `--deployment` (repeatable). */
export const RUNTIME_OPTIONS = {
  config: { type: "string", short: "c" },
  deployment: { type: "string", short: "d", multiple: true },
} as const;

/**
 * What plan, sync and explain share: load `--config` (default ./afsync.yaml, relative to the
 * working directory), build the runtime, and narrow it to the `--deployment`s asked for.
 */
export async function openCommandRuntime(options: {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly configFile?: string | undefined;
  readonly deployments?: readonly string[] | undefined;
  readonly readOnly: boolean;
  readonly runLock?: RuntimeContext["runLock"];
}): Promise<{ runtime: Runtime; bindings: DeploymentBinding[] }> {
  const configPath = resolve(options.cwd, options.configFile ?? DEFAULT_CONFIG_FILE);
  const config = await loadConfigFile(configPath, options.env);
  const wanted = options.deployments ?? [];
  const known = config.deployments.map((d) => d.id);
  for (const id of wanted) {
    if (!known.includes(id)) throw new ConfigError("--deployment", `no Deployment '${id}' in ${configPath}; defined: ${known.join(", ")}`);
  }
  const runtime = await buildRuntime(config, {
    env: options.env,
    configDir: dirname(configPath),
    logger: options.logger,
    readOnly: options.readOnly,
    ...(options.runLock === undefined ? {} : { runLock: options.runLock }),
  });
  const bindings = wanted.length === 0 ? runtime.bindings : runtime.bindings.filter((b) => wanted.includes(b.id));
  return { runtime, bindings };
}
