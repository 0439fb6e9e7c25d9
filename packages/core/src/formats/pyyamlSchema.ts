import type { ScalarTag, SchemaOptions } from "yaml";
import { PythonFloat } from "./pythonJson.ts";

/**
 * PyYAML's `safe_load` resolver, which Airflow's LocalFilesystemBackend uses, on top of the
 * `yaml` package's YAML 1.1 schema. The two disagree on plain scalars users really write:
 * PyYAML reads `y`/`n` and `1e3` as strings (its floats need a dot and a signed exponent) and
 * `09` as a string (not an octal or decimal int). Timestamps are kept as their text: PyYAML
 * would hand Airflow a datetime object, which has no single string form a variable could hold.
 */
// The yaml package's tag list: tag objects, or built-in tags named by their id.
type Tags = Extract<NonNullable<SchemaOptions["customTags"]>, unknown[]>;
type Tag = Tags[number];

const bool = (value: boolean, test: RegExp): ScalarTag => ({
  tag: "tag:yaml.org,2002:bool",
  default: true,
  test,
  identify: (v) => v === value,
  resolve: () => value,
});

const TRUE = bool(true, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/);
const FALSE = bool(false, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/);

const INT: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: /^[-+]?(?:0|[1-9][0-9_]*)$/,
  identify: (v) => typeof v === "number" && Number.isInteger(v),
  resolve: (s) => Number(s.replaceAll("_", "")),
};

const FLOAT: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?)$/,
  identify: (v) => v instanceof PythonFloat,
  resolve: (s) => new PythonFloat(Number.parseFloat(s.replaceAll("_", ""))),
};

// PyYAML's sexagesimal int: the first group may not start with 0 (`0:0` stays a string).
const INT_TIME: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/,
  identify: () => false,
  resolve: (s) => {
    const sign = s.startsWith("-") ? -1 : 1;
    const groups = s.replace(/^[-+]/, "").replaceAll("_", "").split(":");
    return sign * groups.reduce((acc, g) => acc * 60 + Number(g), 0);
  },
};

// The yaml package's own resolvers these replace, told apart by tag and `format`: decimal and
// sexagesimal ints, exponent and plain floats, booleans, timestamps. Binary, octal, hex,
// .inf/.nan and sexagesimal floats match PyYAML's and stay.
function replaced(tag: Tag): boolean {
  if (typeof tag === "string") return false;
  if (tag.tag === "tag:yaml.org,2002:bool" || tag.tag === "tag:yaml.org,2002:timestamp") return true;
  const format = "format" in tag ? tag.format : undefined;
  const src = "test" in tag && tag.test ? tag.test.source : "";
  if (tag.tag === "tag:yaml.org,2002:int") return format === undefined || (format === "TIME" && !src.includes("\\."));
  if (tag.tag === "tag:yaml.org,2002:float") return format === "EXP" || (format === undefined && !src.includes("inf"));
  return false;
}

/** The `customTags` option for parseDocument({ version: "1.1" }). */
export function pyyamlTags(tags: Tags): Tags {
  return [...tags.filter((t) => !replaced(t)), TRUE, FALSE, INT, INT_TIME, FLOAT];
}
