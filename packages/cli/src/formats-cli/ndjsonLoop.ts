import { createInterface } from "node:readline";
import type { CliIO } from "../CliIO.ts";
import { EXIT_INVALID, EXIT_OK } from "../CliIO.ts";

export type NdjsonResult = { ok: true } & Record<string, unknown>;

const FLUSH_AT = 64 * 1024;

/**
 * Batch mode: one input per stdin line, one JSON result per stdout line, in order. A bad line
 * gets `{"ok":false,"error":…}` and the loop goes on. Output is written in ~64 KiB chunks,
 * waiting for `drain`, so a slow reader does not make us buffer a whole export. Exit 1 when any
 * line failed.
 */
export async function ndjsonLoop(io: CliIO, handle: (line: string) => NdjsonResult): Promise<number> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let buffer = "";
  let failed = 0;
  const flush = async () => {
    if (buffer === "") return;
    const chunk = buffer;
    buffer = "";
    if (!io.stdout.write(chunk)) await new Promise<void>((resolve) => io.stdout.once("drain", () => resolve()));
  };
  for await (const line of lines) {
    let result: Record<string, unknown>;
    try {
      result = handle(line);
    } catch (e) {
      failed++;
      result = { ok: false, error: e instanceof Error ? e.message : "invalid input" };
    }
    buffer += `${JSON.stringify(result)}\n`;
    if (buffer.length >= FLUSH_AT) await flush();
  }
  await flush();
  return failed > 0 ? EXIT_INVALID : EXIT_OK;
}
