/**
 * Keeps runs on one config from overlapping: a sync holds the lock from before it reads its
 * sources until its state is recorded, so no other run can plan against state or targets that
 * this one is about to change (finding 7 of issue 8: overlapping runs lost ownership).
 *
 * The adapter decides what is locked (the state store, each local target file) and how long to
 * wait for another run; `acquire` either returns holding every lock or throws `RunLockedError`
 * holding none.
 */
export interface RunLock {
  acquire(): Promise<RunLockRelease>;
}

/** Gives the lock back; safe to call once the run is over, whatever its outcome. */
export type RunLockRelease = () => Promise<void>;

/** Who holds a lock, as the lock records it (shown to the run that finds it taken). */
export interface RunLockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
  /** The command line that took it, e.g. `afsync sync` or `afsync serve`. */
  readonly command: string;
}
