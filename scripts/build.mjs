/**
 * `npm run build` (also `npm ci`'s `prepare` step): bundles the TypeScript entry points into
 * plain ES modules in dist/, so the `morphsim` command starts without compiling TypeScript
 * (bin/morphsim.mjs; the freshness rule is in scripts/dist.mjs).
 *
 * Our code is bundled; npm packages stay imports (they are installed next to dist/ anyway, and
 * binaryen — ESM with a top-level await, ~1 s to load — must stay a lazy dynamic import).
 * Output is written whole (temporary file, then rename) and build.json last, so a reader, or
 * a second build running at the same time, never sees a half-written bundle as fresh.
 *
 * To ship another entry point (e.g. a worker thread), add it to ENTRIES: it becomes
 * dist/<name>.mjs, and freshBundle('<name>') tells whether it may be used.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { DIST, MANIFEST, ROOT, stamp } from './dist.mjs';

/** Output name → source entry point, relative to the repository root. */
export const ENTRIES = {
  cli: 'cli/main.ts',
  // Sweeps start their worker threads from sweep-worker.mjs next to the code that runs them
  // (reports/sweep.ts): in dist/, this bundle; in the source tree, a bootstrap that loads tsx.
  'sweep-worker': 'reports/sweep-worker.ts',
};

function writeWhole(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Build every entry into `outdir` (default dist/); returns the manifest it wrote. */
export function buildAll({ outdir = DIST, root = ROOT } = {}) {
  const started = Date.now();
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join(root, src)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true, // entries share one copy of the common layers
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    sourcemap: 'linked',
    // Class and function names appear in no output; keepNames would cost a defineProperty
    // per closure created on hot paths.
    keepNames: false,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const inputs = {};
  for (const rel of Object.keys(result.metafile.inputs).sort()) {
    const s = stamp(resolve(root, rel));
    if (s === undefined) throw new Error(`build: input ${rel} vanished`);
    // Edited while the build read it: record it as never matching, so the bundle is stale.
    inputs[rel] = s.mtimeMs >= started ? { size: -1, mtimeMs: -1 } : s;
  }
  mkdirSync(outdir, { recursive: true });
  for (const f of result.outputFiles) writeWhole(f.path, f.contents);
  const manifest = { schema: 1, entries: Object.keys(ENTRIES), inputs };
  writeWhole(outdir === DIST ? MANIFEST : join(outdir, 'build.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  // Shared chunks are named by content hash: drop those earlier builds left.
  const written = new Set(result.outputFiles.map((f) => basename(f.path)));
  for (const f of readdirSync(outdir)) if (/^chunk-.*\.mjs(\.map)?$/.test(f) && !written.has(f)) rmSync(join(outdir, f), { force: true });
  return manifest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  const m = buildAll();
  console.log(`morphsim: built ${m.entries.map((e) => `dist/${e}.mjs`).join(', ')} from ${Object.keys(m.inputs).length} files in ${Math.round(performance.now() - t0)} ms`);
}
