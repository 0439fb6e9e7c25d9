/**
 * How an error message shows a name received from outside (an event type, an event source):
 * quoted when it has the shape of the names the provider uses (`shape`), else only described
 * ("a 200016-character string"). A message never echoes an arbitrary string it was sent: that
 * could be anything, a pasted secret included, and as long as the sender liked. `quote` is the
 * mark the surrounding message uses (`"` JSON-escapes; `'` and `` are put around as they are).
 */
export function quoteReceivedName(value: unknown, shape: RegExp, quote: '"' | "'" | "" = '"'): string {
  if (typeof value === "string" && value.length <= 128 && shape.test(value))
    return quote === '"' ? JSON.stringify(value) : `${quote}${value}${quote}`;
  if (typeof value === "string") return `a ${value.length}-character string not shaped like a name`;
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
