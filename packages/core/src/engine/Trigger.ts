import type { ChangeHint } from "../model/ChangeHint.ts";

/**
 * What starts a run. `full` is a reconciliation over every key of every source (it also finds
 * deletions that no event announced); `hints` re-reads only the keys the hints name. Either way
 * the engine re-reads the sources: a hint never carries a value.
 */
export type Trigger = { readonly kind: "full" } | { readonly kind: "hints"; readonly hints: readonly ChangeHint[] };

export const FULL_RECONCILIATION: Trigger = { kind: "full" };
