import { decodeFanoutRecord, encodeFanoutRecord, type FanoutLedger, type FanoutRecord } from "./FanoutLedger.ts";

/** A ledger in memory (tests, benchmarks): keeps the stored text, so what a cloud would store can be inspected. */
export class MemoryFanoutLedger implements FanoutLedger {
  readonly stored = new Map<string, string>();
  reads = 0;
  writes = 0;

  async read(deployments: readonly string[]): Promise<ReadonlyMap<string, FanoutRecord>> {
    this.reads += 1;
    const found = new Map<string, FanoutRecord>();
    for (const id of deployments) {
      const text = this.stored.get(id);
      const record = text === undefined ? undefined : decodeFanoutRecord(text);
      if (record !== undefined) found.set(id, record);
    }
    return found;
  }

  async write(deployment: string, record: FanoutRecord): Promise<void> {
    this.writes += 1;
    this.stored.set(deployment, encodeFanoutRecord(record));
  }
}
