import { InvalidValueError } from "../errors.ts";

/**
 * Bytes to text as Airflow's LocalFilesystemBackend reads its files: `open(path)` in text mode,
 * whose encoding is UTF-8 under the UTF-8 locales Airflow runs in (and in the C locale, which
 * Python coerces to UTF-8, PEP 538/540): strict UTF-8 (no replacement characters), a leading
 * byte order mark kept as U+FEFF (the `utf-8` codec, unlike `utf-8-sig`, does not drop it).
 * Universal newlines, the other half of Python's text mode, are `parseLocalFilesystemFile`'s.
 */

// WHATWG's fatal decoder refuses exactly what CPython's utf-8 codec refuses: overlong forms,
// surrogates (ED A0..BF), code points above U+10FFFF, truncated sequences, stray continuations.
const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The byte offset (from 0) where the first invalid UTF-8 sequence starts, or null when all of it decodes. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number | null {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the range its first continuation byte must fall in (RFC 3629).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (c < min || c > max) return i;
    }
    i += length;
  }
  return null;
}

/** Decodes a file's bytes as Airflow reads them; InvalidValueError names the byte offset, never the content. */
export function decodeStrictUtf8(bytes: Uint8Array): string {
  try {
    return STRICT.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes) ?? 0;
    throw new InvalidValueError(
      `not valid UTF-8: the byte at byte offset ${offset} (counting from 0) starts no valid UTF-8 sequence; Airflow reads the file as UTF-8 and refuses it. Save the file as UTF-8`,
    );
  }
}
