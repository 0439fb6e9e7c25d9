import { InvalidValueError } from "../errors.ts";
import type { Connection } from "../model/Connection.ts";
import { parseConnectionUri } from "./connectionUri.ts";

/**
 * A connection URI as a source value: Airflow's parser (`parseConnectionUri`, exact) behind a
 * check that the value is a URI at all. `Connection(uri=...)` accepts any string: a password
 * pasted as the whole value (`hunter2`) parses to conn_type "" with the text minus its first
 * character as `schema`, and "" gives a connection with no fields. Neither is what anyone meant,
 * and showing the parsed fields would show the secret in part, so such values are refused here
 * (a deliberate difference from Airflow, which would hold a useless connection). Messages never
 * quote the value.
 */

// urllib's urlsplit first strips leading C0 controls and spaces and drops every tab, CR and LF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters urllib strips
const URLLIB_STRIPPED = /^[\x00-\x20]+|[\t\r\n]/g;
// `type://…`, with a scheme urllib recognizes, or the typeless `//…` that get_uri writes.
const URI_START = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//;

/** Throws InvalidValueError, naming the rule, when `uri` is not a URI Airflow reads as intended. */
export function checkConnectionUriShape(uri: string): void {
  const stripped = uri.replace(URLLIB_STRIPPED, "");
  if (stripped.trim() === "") throw new InvalidValueError("the connection value is empty (or only whitespace)");
  if (URI_START.test(stripped)) return;
  if (stripped.includes("://")) {
    throw new InvalidValueError(
      "Invalid connection URI: the text before '://' is not a URI scheme Airflow can read (a letter, then letters, digits, '+', '-' or '.'; write a '_' in the connection type as '-'). The value is not shown",
    );
  }
  throw new InvalidValueError(
    "Invalid connection URI: it does not start with a connection type and '://' (like postgres://host), so Airflow would read the text as the schema of a typeless connection. A password goes inside a URI or the JSON form (the value is not shown)",
  );
}

/** `Connection(uri=...)` for a value from a source: the shape check above, then Airflow's parser. */
export function parseIntendedConnectionUri(uri: string): Connection {
  checkConnectionUriShape(uri);
  return parseConnectionUri(uri);
}
