// Worker-thread entry of sweeps in the source tree: worker threads do not inherit the
// TypeScript loader of the thread that started them, so register tsx here and hand the
// TypeScript task to piscina. (A bundled build replaces this file by the bundled worker.)
import { register } from 'tsx/esm/api';

register();
const mod = await import(new URL('./sweep-worker.ts', import.meta.url).href);
export default mod.default;
