/**
 * A one-line progress bar, drawn only on a terminal and only when there is enough to do for it
 * to help; elsewhere (pipes, CI, `--json`) it stays silent so output remains parseable.
 */
export class ProgressBar {
  private readonly stream: NodeJS.WritableStream;
  private readonly enabled: boolean;
  private drawn = false;

  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }, options: { enabled: boolean; width?: number }) {
    this.stream = stream;
    this.enabled = options.enabled && stream.isTTY === true;
  }

  /** Minimum number of writes before a bar is worth drawing. */
  static readonly THRESHOLD = 20;

  update(done: number, total: number): void {
    if (!this.enabled || total < ProgressBar.THRESHOLD) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    this.stream.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} changes written`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
  }
}
