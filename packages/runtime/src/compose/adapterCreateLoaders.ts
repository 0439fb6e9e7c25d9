import { loadStrictOptionsParser } from "../config/strictConfig.ts";
import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";
import { assertInBundle } from "./bundleOmission.ts";
import { factoryOnlySourceLoaders, factoryOnlyTargetLoaders } from "./factoryOnlyLoaders.ts";
import { sourceBuilderLoaders, targetBuilderLoaders } from "./optionBuilderLoaders.ts";

/**
 * How the composition roots (`buildSources`, `buildRuntime`) build an adapter of `type`. A type
 * with a zod-free builder (`optionBuilderLoaders`) is built by it: straight from the options when
 * `optionsParsed` (the config embedded in a function bundle, which its schemas parsed at
 * packaging), else from the options its schema parses first, exactly as its factory does. That
 * parse is on the strict config path (`loadStrictOptionsParser`): in a function bundle it lives in
 * the side file with the other schemas, so the bundle carries neither the schemas nor zod (V8
 * pre-parses all of a bundle at init, run or not). A type without a builder is built by its
 * factory (`factoryOnlyLoaders`). Undefined for an unknown type.
 */
export async function loadSourceCreate(type: string, optionsParsed: boolean): Promise<SourceFactory["create"] | undefined> {
  if (Object.hasOwn(sourceBuilderLoaders, type))
    return withParsedOptions("source", type, await sourceBuilderLoaders[type]?.(), optionsParsed);
  const factory = Object.hasOwn(factoryOnlySourceLoaders, type) ? await factoryOnlySourceLoaders[type]?.() : undefined;
  return factory === undefined ? undefined : (options, ctx) => factory.create(options, ctx);
}

export async function loadTargetCreate(type: string, optionsParsed: boolean): Promise<TargetFactory["create"] | undefined> {
  if (Object.hasOwn(targetBuilderLoaders, type))
    return withParsedOptions("target", type, await targetBuilderLoaders[type]?.(), optionsParsed);
  const factory = Object.hasOwn(factoryOnlyTargetLoaders, type) ? await factoryOnlyTargetLoaders[type]?.() : undefined;
  return factory === undefined ? undefined : (options, ctx) => factory.create(options, ctx);
}

async function withParsedOptions<Create extends (options: unknown, ctx: never) => unknown>(
  kind: "source" | "target",
  type: string,
  build: Create | undefined,
  optionsParsed: boolean,
): Promise<Create | undefined> {
  if (build === undefined || optionsParsed) return build;
  const parse = await loadStrictOptionsParser(kind, type);
  if (parse === undefined) return undefined;
  return ((options: unknown, ctx: never) => build(parse(options), ctx)) as Create;
}

/**
 * A `ConfigError` at `path` (the config's `type` option) when this bundle was built without the
 * type; nothing when the type is here or unknown (the caller reports an unknown type).
 */
export function assertBundled(kind: "source" | "target", type: string, path: string): void {
  if (kind === "source") {
    assertInBundle(sourceBuilderLoaders, kind, type, path);
    assertInBundle(factoryOnlySourceLoaders, kind, type, path);
  } else {
    assertInBundle(targetBuilderLoaders, kind, type, path);
    assertInBundle(factoryOnlyTargetLoaders, kind, type, path);
  }
}
