#!/usr/bin/env node
// The `afsync` command. It runs the TypeScript sources through tsx's loader, so `npx afsync`
// works right after `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
