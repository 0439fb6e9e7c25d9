import { realpath } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * The real path of a file that may not exist yet (a target before its first sync): symlinks in
 * the part that exists are resolved, the rest is appended as written. Two spellings of one file
 * (`./a/../b.yaml`, a symlink to it) give the same answer.
 */
export async function canonicalPath(absolutePath: string): Promise<string> {
  try {
    return await realpath(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const parent = dirname(absolutePath);
    // ENOENT: not there yet. ENOTDIR/ELOOP and the like: compare it as written, the run reports them.
    if (code !== "ENOENT" || parent === absolutePath) return absolutePath;
    return join(await canonicalPath(parent), basename(absolutePath));
  }
}
