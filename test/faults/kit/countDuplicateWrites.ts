/**
 * Duplicate writes: a stored entry replaced by an identical one. Wraps the emulators' stores
 * (Airflow's connection and variable tables); `value` counts from then on.
 */
export function countDuplicateWrites(stores: readonly Map<string, unknown>[]): { readonly value: number } {
  const counter = { value: 0 };
  for (const map of stores) {
    const set = map.set.bind(map);
    map.set = (key: string, value: unknown) => {
      if (map.has(key) && JSON.stringify(map.get(key)) === JSON.stringify(value)) counter.value += 1;
      return set(key, value);
    };
  }
  return counter;
}
