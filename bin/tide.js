#!/usr/bin/env node
// The `tide` command. From the installed package, the compiled JavaScript in dist/ (Node >= 22);
// in a clone, the TypeScript sources directly (Node 24 strips the types; no build step).
import { existsSync } from "node:fs";

const source = new URL("../lib/cli/main.ts", import.meta.url);
const { main } = await import(existsSync(source) ? source.href : "../dist/lib/cli/main.js");

process.exitCode = await main(process.argv.slice(2));
