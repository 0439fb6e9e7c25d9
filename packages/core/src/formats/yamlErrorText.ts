import type { ErrorCode } from "yaml";

// The yaml package's own messages quote the source they stumbled on ("Unexpected scalar token in
// YAML stream: \"http://u:<password>@h\""), so afsync words each error code itself; the caller
// adds the line and column.
const WORDS: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "an alias that names no anchor",
  BAD_DIRECTIVE: "a directive it does not understand",
  BAD_DQ_ESCAPE: "a bad escape in a double-quoted string",
  BAD_INDENT: "bad indentation",
  BAD_PROP_ORDER: "anchor and tag in the wrong order",
  BAD_SCALAR_START: "a plain value cannot start with this character (quote it)",
  BLOCK_AS_IMPLICIT_KEY: "a block value used as a key",
  BLOCK_IN_FLOW: "a block value inside [ ] or { }",
  DUPLICATE_KEY: "a duplicate key",
  IMPOSSIBLE: "an internal YAML parser error",
  KEY_OVER_1024_CHARS: "an implicit key longer than 1024 characters",
  MISSING_CHAR: "a missing closing character (a quote, ] or })",
  MULTILINE_IMPLICIT_KEY: "a key that spans lines (a missing ':' or quote?)",
  MULTIPLE_ANCHORS: "a node with two anchors",
  MULTIPLE_DOCS: "more than one document",
  MULTIPLE_TAGS: "a node with two tags",
  NON_STRING_KEY: "a key that is not a string",
  RESOURCE_EXHAUSTION: "too many aliases (an alias bomb)",
  TAB_AS_INDENT: "a tab used for indentation",
  TAG_RESOLVE_FAILED: "a value its tag cannot read",
  UNEXPECTED_TOKEN: "unexpected text (a missing ':' or an unquoted special character?)",
  BAD_COLLECTION_TYPE: "a collection of the wrong kind for its tag",
};

/** What a YAML parse error means, in words that never quote the document. */
export function yamlErrorText(error: { readonly code: ErrorCode }): string {
  return WORDS[error.code] ?? "a YAML syntax error";
}
