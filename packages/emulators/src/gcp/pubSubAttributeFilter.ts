/**
 * A subscription filter → a predicate over a message's attributes. Pub/Sub's filter language,
 * the part afsync's Terraform writes: `attributes.KEY = "value"`, `attributes.KEY != "value"` and
 * `attributes:KEY`, joined by AND. A key of letters, digits, `-` and `_` is written bare, any other
 * as a string literal. Anything else is refused, so a filter the emulator cannot honour fails
 * loudly instead of delivering everything. Empty: every message.
 */
export function parseAttributeFilter(filter: string): (attributes: Readonly<Record<string, string>>) => boolean {
  if (filter.trim() === "") return () => true;
  if (Buffer.byteLength(filter) > 256) throw new Error("a subscription filter is at most 256 bytes");
  const conditions = filter.split(/\s+AND\s+/).map((part) => parseCondition(part.trim(), filter));
  return (attributes) => conditions.every((matches) => matches(attributes));
}

const KEY = String.raw`(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)")`;
const COMPARISON = new RegExp(String.raw`^attributes\.${KEY}\s*(=|!=)\s*"((?:[^"\\]|\\.)*)"$`);
const PRESENCE = new RegExp(`^attributes:${KEY}$`);

function parseCondition(condition: string, filter: string): (attributes: Readonly<Record<string, string>>) => boolean {
  const comparison = COMPARISON.exec(condition);
  if (comparison !== null) {
    const key = comparison[1] ?? unquoteLiteral(comparison[2] ?? "");
    const value = unquoteLiteral(comparison[4] ?? "");
    return comparison[3] === "=" ? (a) => a[key] === value : (a) => a[key] !== value;
  }
  const presence = PRESENCE.exec(condition);
  if (presence !== null) {
    const key = presence[1] ?? unquoteLiteral(presence[2] ?? "");
    return (a) => key in a;
  }
  throw new Error(`unsupported subscription filter condition ${JSON.stringify(condition)} in ${JSON.stringify(filter)}`);
}

function unquoteLiteral(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}
