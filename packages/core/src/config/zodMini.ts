import { en } from "zod/locales";
import { config } from "zod/mini";

/**
 * zod's tree-shakable API (`zod/mini`), for the schemas on a function's cold-start path: the
 * config, the options of the adapters a Lambda carries, the queue message and the webhook body.
 * Classic `zod` pulls its whole library into a bundle (about 460 KB minified, every locale
 * included) whatever a schema uses; this is about 25 KB. Import it as a namespace
 * (`import * as z from "@afsync/core/config/zodMini"`) and use `z.<name>`: esbuild then keeps only
 * what is used (exporting a `z` object instead would keep everything).
 *
 * Issues are the same objects with the same messages: `zod/mini` ships no locale (every message
 * would be "Invalid input"), so this sets the English one, the locale classic `zod` sets when it
 * loads.
 */
config(en());

export * from "zod/mini";
