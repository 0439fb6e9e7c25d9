import { InvalidValueError } from "@afsync/core";
import { decodeStrictUtf8 } from "@afsync/core/formats/strictUtf8";
import type { CliIO } from "../CliIO.ts";

/** Everything on stdin, as strict UTF-8 text: a byte that does not decode is an error, never a U+FFFD. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  try {
    return decodeStrictUtf8(Buffer.concat(chunks));
  } catch (e) {
    if (e instanceof InvalidValueError) throw new InvalidValueError(`stdin: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The command's input: the argument itself, or stdin when it is `-` or missing. One trailing
 * newline from stdin is dropped (echo and heredocs add it; it is never part of a value).
 */
export async function readInput(arg: string | undefined, io: CliIO): Promise<string> {
  if (arg !== undefined && arg !== "-") return arg;
  const text = await readAll(io.stdin);
  return text.replace(/\r?\n$/, "");
}
