#!/usr/bin/env node
// Entry point of the `morphsim` command: runs the TypeScript CLI through tsx's loader, so a
// fresh checkout works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// `morphsim disasm x.elf | head`: a reader that goes away ends us quietly, as SIGPIPE ends a
// C tool (exit 128+13), instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => { if (e.code === 'EPIPE') process.exit(141); throw e; });
}

register();
const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
