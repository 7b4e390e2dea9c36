#!/usr/bin/env node
/**
 * `node scripts/ts-run.mjs FILE.ts [args…]`: runs a TypeScript script (the benchmarks) under
 * tsx with binaryen already imported natively. Imported through tsx, binaryen's 14 MB would
 * be transformed on every start (10–20 s); imported first, later imports hit the module cache.
 * The script sees its own arguments in process.argv.slice(2), as under `tsx FILE.ts`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file] = process.argv.splice(2, 1);
if (file === undefined) {
  process.stderr.write('usage: node scripts/ts-run.mjs FILE.ts [args...]\n');
  process.exit(2);
}
await import('binaryen');
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(resolve(file)).href);
