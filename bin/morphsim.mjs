#!/usr/bin/env node
// Entry point of the `morphsim` command: runs the TypeScript CLI through tsx's loader, so a
// fresh checkout works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
