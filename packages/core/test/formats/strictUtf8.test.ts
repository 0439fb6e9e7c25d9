import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidValueError } from "../../src/errors.ts";
import { decodeStrictUtf8, firstInvalidUtf8Offset } from "../../src/formats/strictUtf8.ts";

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
function decodes(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// Valid text with a few raw bytes spliced in: most cases hold one bad sequence somewhere inside.
const mostlyText = fc
  .tuple(fc.string({ unit: "binary", maxLength: 20 }), fc.uint8Array({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 20 }))
  .map(([a, raw, b]) => new Uint8Array([...Buffer.from(a), ...raw, ...Buffer.from(b)]));

describe("decodeStrictUtf8", () => {
  it("decodes exactly what a strict UTF-8 decoder accepts, and keeps a byte order mark as text (Python's utf-8 codec)", () => {
    assert.equal(decodeStrictUtf8(Buffer.from("\ufeffa=1\r\n")), "\ufeffa=1\r\n");
    assert.equal(decodeStrictUtf8(Buffer.from("héllo 🎉")), "héllo 🎉");
  });

  it("refuses an undecodable file naming the byte offset (as CPython counts it), never the content", () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62, 0xff, 0x63], 2], // invalid start byte
      [[0x61, 0xc3], 1], // unexpected end of data
      [[0x61, 0xe2, 0x82, 0x41], 1], // invalid continuation byte
      [[0xed, 0xa0, 0x80], 0], // a surrogate
      [[0xc0, 0xaf], 0], // overlong
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x80], 6],
    ];
    for (const [bytes, offset] of cases) {
      assert.throws(
        () => decodeStrictUtf8(new Uint8Array(bytes)),
        (e: unknown) => e instanceof InvalidValueError && e.message.includes(`byte offset ${offset} `) && !e.message.includes("secret"),
        JSON.stringify(bytes),
      );
    }
  });

  it("names the first offset where decoding cannot go on (fast-check)", () => {
    fc.assert(
      fc.property(fc.oneof(mostlyText, fc.uint8Array({ maxLength: 12 })), (bytes) => {
        const offset = firstInvalidUtf8Offset(bytes);
        assert.equal(offset === null, decodes(bytes));
        if (offset === null) return;
        // Everything before decodes; no continuation of the sequence starting at `offset` ever does.
        assert.ok(decodes(bytes.subarray(0, offset)));
        for (let end = offset + 1; end <= bytes.length; end++) assert.ok(!decodes(bytes.subarray(0, end)));
      }),
      { numRuns: 2000 },
    );
  });
});
