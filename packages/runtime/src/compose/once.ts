/**
 * The once-per-cold-start loader every cloud's handlers share: runs `build` once per instance and
 * shares the result. A failed build is forgotten, so the next invocation of a warm instance tries
 * again (a throttled secret read or a storage hiccup at cold start must not poison it for good).
 * Handlers take such a loader rather than the value so a module-level `handler` can start the
 * build on its first invocation (CommonJS bundles have no top-level await).
 */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
