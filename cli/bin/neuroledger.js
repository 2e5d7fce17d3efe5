#!/usr/bin/env node
// Node >= 22.18 runs the TypeScript sources directly (type stripping); nothing to build.
import { main } from "../src/main.ts";

process.exitCode = await main(process.argv);
