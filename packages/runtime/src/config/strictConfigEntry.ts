/**
 * The strict config path (the YAML parser, `parseConfig`, every adapter's option schema and
 * the parse of one adapter's options, `adapterOptionsParser`) as one
 * module: in a function bundle it is the entry of a file of its own beside the bundle
 * (`strictConfigSideFile`), loaded only for a config that is not the one the bundle embeds.
 * Import it through `strictConfig.ts`, never directly.
 */
export { adapterOptionsParser } from "./adapterOptionsParser.ts";
export { loadConfigFile } from "./loadConfigFile.ts";
export { parseConfigText } from "./parseConfigText.ts";
