import type { Clock } from "@afsync/core";

/** A clock that stands still until told to move, so state records and reports are deterministic. */
export class FixedClock implements Clock {
  private ms: number;

  constructor(start: Date | string = "2026-01-01T00:00:00.000Z") {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
