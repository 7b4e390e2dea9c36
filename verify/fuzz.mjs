#!/usr/bin/env node
/**
 * `npm run fuzz`: verify/fuzz.ts under tsx, with tsx taken out of the way once our sources
 * are imported — the fast executor imports binaryen later, and tsx would transform its 14 MB
 * (10–20 s, paid by every `--jobs` child and every Slurm task). Plain JavaScript, so it runs
 * before any loader.
 */
import { register } from 'tsx/esm/api';

const unregister = register();
const { runFuzz } = await import('./fuzz.ts');
await unregister();
process.exitCode = await runFuzz(process.argv.slice(2));
