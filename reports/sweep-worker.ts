/**
 * The task a sweep worker thread runs: one point, start to finish (reports/run-point.ts).
 * Kept to this one small file so a bundler can take it as its own entry (see sweep.ts).
 */
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { runPoint } from './run-point.ts';
import type { SweepPoint } from './sweep.ts';

export default async function sweepTask(point: SweepPoint) {
  // A point on the fast executor needs binaryen, loaded once per worker thread.
  if (point.config['run.executor'] === 'fast') await loadFastExecutor();
  return runPoint(point);
}
