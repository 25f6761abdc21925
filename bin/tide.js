#!/usr/bin/env node
// The `tide` command. Node 24 runs the TypeScript sources directly (type stripping).
import { main } from "../lib/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
