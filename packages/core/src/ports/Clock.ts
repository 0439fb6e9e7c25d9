/** Time comes in through a port so the engine is deterministic under test. */
export interface Clock {
  now(): Date;
}
