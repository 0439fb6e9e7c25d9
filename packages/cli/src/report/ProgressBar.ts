import cliProgress from "cli-progress";

type TtyStream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * A one-line progress bar (cli-progress), drawn only on a terminal and only when there is enough
 * to do for it to help; elsewhere (pipes, CI, `--json`) it stays silent so output remains
 * parseable. It draws on stderr, and only when stdout is a terminal too: `afsync sync > out.txt`
 * on a terminal leaves the report alone and shows no bar either.
 */
export class ProgressBar {
  private readonly stream: TtyStream;
  private readonly enabled: boolean;
  private bar: cliProgress.SingleBar | undefined;

  constructor(stream: TtyStream, options: { enabled: boolean; alsoTerminal?: TtyStream }) {
    this.stream = stream;
    this.enabled = options.enabled && stream.isTTY === true && (options.alsoTerminal === undefined || options.alsoTerminal.isTTY === true);
  }

  /** Minimum number of writes before a bar is worth drawing. */
  static readonly THRESHOLD = 20;

  update(done: number, total: number): void {
    if (!this.enabled || total < ProgressBar.THRESHOLD) return;
    if (this.bar === undefined) {
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        format: "[{bar}] {value}/{total} changes written",
        barCompleteChar: "#",
        barIncompleteChar: ".",
        barsize: 30,
        hideCursor: false,
        clearOnComplete: true,
        // Redraw on each update, not on a timer: a run of fast writes stays cheap (10 fps at most).
        fps: 10,
      });
      this.bar.start(total, done);
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(done);
  }

  finish(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
