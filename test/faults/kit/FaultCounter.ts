/** Every fault a storm injected, by kind, for the report. */
export class FaultCounter {
  readonly byKind: Record<string, number> = {};

  /** Bound, so it can be handed around as `count`. */
  readonly count = (kind: string): void => {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  };
}
