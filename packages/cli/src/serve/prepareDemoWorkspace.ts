import { cp, mkdir, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Where `--demo` runs: inside the example's own `.afsync/`, which .gitignore covers. */
export function demoWorkspaceFor(configPath: string): string {
  return join(dirname(configPath), ".afsync", "demo");
}

/**
 * Copies the example next to `configPath` into its git-ignored `.afsync/demo/` on first use and
 * returns the copy's config path. Later runs reuse the copy, so edits made while exploring the
 * demo survive a restart; deleting the directory starts over. The tracked example is only read.
 */
export async function prepareDemoWorkspace(configPath: string): Promise<{ configPath: string; workspace: string; created: boolean }> {
  const source = dirname(configPath);
  const workspace = demoWorkspaceFor(configPath);
  const copiedConfig = join(workspace, basename(configPath));
  if (await exists(copiedConfig)) return { configPath: copiedConfig, workspace, created: false };
  if (!(await exists(configPath))) throw new Error(`config file ${configPath} not found`);
  await mkdir(workspace, { recursive: true });
  // Entry by entry, skipping afsync's own directory: the copy lives inside it, and state from a
  // run on the original must not leak into the demo.
  for (const entry of await readdir(source)) {
    if (entry === ".afsync") continue;
    await cp(join(source, entry), join(workspace, entry), { recursive: true });
  }
  return { configPath: copiedConfig, workspace, created: true };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
