/**
 * Which precompiled bundle in dist/ may be used. `npm run build` (run by `npm ci` as the
 * `prepare` script) writes dist/<entry>.mjs and dist/build.json, which records the size and
 * mtime of every source file that went into the bundles. A bundle is fresh when every one of
 * those files still has the recorded size and mtime (the check `make` and git's index use:
 * a stat per file, no reading); otherwise the caller runs the TypeScript sources through tsx.
 * MORPHSIM_FROM_SOURCE=1 forces the sources. Plain JavaScript, so it runs before any loader.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is scripts/dist.mjs). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const MANIFEST = join(DIST, 'build.json');

/** Size and mtime of a file, as build.json records them; undefined when it is missing. */
export function stamp(path) {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * The absolute path of dist/<entry>.mjs when it exists and was built from the sources as they
 * are now; undefined otherwise (never built, sources edited since, or MORPHSIM_FROM_SOURCE=1).
 */
export function freshBundle(entry, root = ROOT) {
  if (process.env.MORPHSIM_FROM_SOURCE === '1') return undefined;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, 'dist', 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest.schema !== 1 || !manifest.entries?.includes(entry)) return undefined;
  for (const [rel, want] of Object.entries(manifest.inputs)) {
    const got = stamp(join(root, rel));
    if (got === undefined || got.size !== want.size || got.mtimeMs !== want.mtimeMs) return undefined;
  }
  const out = join(root, 'dist', `${entry}.mjs`);
  return stamp(out) === undefined ? undefined : out;
}
