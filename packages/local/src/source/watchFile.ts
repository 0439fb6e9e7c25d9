import { createHash } from "node:crypto";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` after the content of `path` changes. It watches the directory, not the file:
 * editors save by writing a new file and renaming it over the old one, which a watch on the old
 * inode never sees. Bursts of events (one save is often several) are debounced, and a run is
 * only started when the bytes actually differ from the last ones seen (a digest kept in memory).
 */
export function watchFile(
  path: string,
  onChange: () => void | Promise<void>,
  options?: { debounceMs?: number; initialDigest?: string },
): FileWatch {
  const debounceMs = options?.debounceMs ?? 75;
  const name = basename(path);
  let lastDigest = options?.initialDigest ?? digestOf(readSync(path));
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const check = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const digest = digestOf(await readAsync(path));
        if (digest !== lastDigest && !closed) {
          lastDigest = digest;
          await onChange();
        }
      } while (again && !closed);
    } finally {
      running = false;
    }
  };

  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check().catch(() => {
        // onChange reports its own failures; a read race here is retried on the next event.
      });
    }, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: true }, (_event, filename) => {
      if (closed || (filename !== null && filename !== name)) return;
      schedule();
    });
    watcher.on("error", () => {
      // The directory went away; nothing more to watch until serve restarts.
    });
  } catch {
    watcher = undefined;
  }

  // Given the digest of an earlier read, an edit made since then (before the watch started) has
  // sent no event; one check now catches it.
  if (options?.initialDigest !== undefined) schedule();

  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watcher?.close();
    },
  };
}

// Bytes, not text: two saves that differ only in bytes that do not decode must still differ.
function readSync(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

async function readAsync(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

/** The digest `watchFile` compares; callers that read the file themselves pass it as `initialDigest`. */
export function digestOf(content: string | Uint8Array | null): string {
  return content === null ? "absent" : createHash("sha256").update(content).digest("hex");
}
