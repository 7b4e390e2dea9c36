// Worker-thread entry of sweeps run from the source tree (tests, library users under tsx, the
// CLI when its bundle is stale). Worker threads do not inherit the TypeScript loader of the
// thread that started them, so each worker either loads the precompiled task
// dist/sweep-worker.mjs, when it is fresh (built from the sources exactly as they are now,
// scripts/dist.mjs; about 0.1 s), or registers tsx and compiles the TypeScript task (1-2 s
// per worker). MORPHSIM_FROM_SOURCE=1 forces the sources. In dist/, the bundled task itself
// sits next to the bundled sweep code under this name and is loaded instead of this file.
import { pathToFileURL } from 'node:url';
import { freshBundle } from '../scripts/dist.mjs';

const bundle = freshBundle('sweep-worker');
let entry;
let unregisterTsx;
if (bundle !== undefined) {
  entry = pathToFileURL(bundle).href;
} else {
  const { register } = await import('tsx/esm/api');
  unregisterTsx = register();
  entry = new URL('./sweep-worker.ts', import.meta.url).href;
}
const mod = await import(entry);
// The task's sources are all imported by now; binaryen, imported later for points on the fast
// executor, is plain JS that tsx would transform (about 10 s): take tsx out of the way.
await unregisterTsx?.();
export default mod.default;
