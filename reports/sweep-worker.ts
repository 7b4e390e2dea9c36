/**
 * The task a sweep worker thread runs: one point, start to finish (reports/run-point.ts).
 * Kept to this one small file so a bundler can take it as its own entry (see sweep.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { needsFastExecutor } from '../morph/machine.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { runPoint } from './run-point.ts';
import type { SweepPoint } from './sweep.ts';

export interface SweepTask {
  readonly point: SweepPoint;
  /** Told the moment the point starts, so its wall-clock limit excludes queueing and worker start-up. */
  readonly started?: MessagePort;
}

/** Test-only: the worker running the point with this key dies as soon as the point has started
 * (a worker lost mid-point, which no real input triggers on demand). */
export const TEST_EXIT_ENV = 'MORPHSIM_TEST_WORKER_EXIT';

export default async function sweepTask({ point, started }: SweepTask) {
  // A point that runs translations on the fast executor needs binaryen, loaded once per
  // worker thread and before 'started', so the point's time limit does not include it.
  if (needsFastExecutor(point.config)) await loadFastExecutor();
  started?.postMessage('started');
  if (process.env[TEST_EXIT_ENV] === point.key) process.exit(86);
  return runPoint(point);
}
