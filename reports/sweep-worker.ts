/**
 * The task a sweep worker thread runs: one point, start to finish (reports/run-point.ts).
 * Kept to this one small file so a bundler can take it as its own entry (see sweep.ts).
 */
import { runPoint } from './run-point.ts';
import type { SweepPoint } from './sweep.ts';

export default function sweepTask(point: SweepPoint) {
  return runPoint(point);
}
