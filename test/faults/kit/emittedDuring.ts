/**
 * The events (or notifications) an emulator emits while `action` runs: the SDK calls of one
 * change and what the provider announces for them.
 */
export async function emittedDuring<E>(
  subscribe: (listener: (event: E) => void) => () => void,
  action: () => Promise<unknown>,
): Promise<E[]> {
  const seen: E[] = [];
  const stop = subscribe((e) => seen.push(e));
  try {
    await action();
  } finally {
    stop();
  }
  return seen;
}
