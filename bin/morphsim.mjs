#!/usr/bin/env node
// Entry point of the `morphsim` command. It runs the precompiled bundle dist/cli.mjs when that
// is fresh — built by `npm run build` (`npm ci` runs it as `prepare`) from the sources exactly
// as they are now (scripts/dist.mjs) — and otherwise the TypeScript sources through tsx's
// loader, so a developer's edit takes effect at once and a checkout with no build still works.
// MORPHSIM_FROM_SOURCE=1 forces the sources.
import { pathToFileURL } from 'node:url';
import { freshBundle } from '../scripts/dist.mjs';

// `morphsim disasm x.elf | head`: a reader that goes away ends us quietly, as SIGPIPE ends a
// C tool (exit 128+13), instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => { if (e.code === 'EPIPE') process.exit(141); throw e; });
}

const bundle = freshBundle('cli');
let entry;
let unregisterTsx;
if (bundle !== undefined) {
  // Stack traces (MORPHSIM_DEBUG=1) then name the TypeScript sources.
  if (process.env.MORPHSIM_DEBUG === '1') process.setSourceMapsEnabled(true);
  entry = pathToFileURL(bundle).href;
} else {
  const { register } = await import('tsx/esm/api');
  unregisterTsx = register();
  entry = new URL('../cli/main.ts', import.meta.url).href;
}
const { main } = await import(entry);
// Our whole source graph is imported statically by now; what is imported later is npm code
// only (binaryen, for the fast executor), which tsx would transform — about 10 s for binaryen.
await unregisterTsx?.();
process.exitCode = await main(process.argv.slice(2));
