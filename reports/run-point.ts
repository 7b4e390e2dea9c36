/**
 * Running one sweep point in the current thread: load its ELF (checking it is the one the
 * point was keyed with), run the machine its configuration selects, and turn the outcome,
 * good or bad, into a results record. Sweep workers call this; so can a library user.
 * Asynchronous because a point on the fast executor first loads binaryen (createMachine).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ExitCode, MorphsimError } from '../core/errors.ts';
import { readInput } from '../core/fsutil.ts';
import { parseElf } from '../isa-guest/elf.ts';
import { createMachine } from '../morph/machine.ts';
import { POINT_SCHEMA, type FailureKind, type PointRecord } from './results.ts';
import type { SweepPoint } from './sweep.ts';
import { runSummary, type RunSummary } from './summary.ts';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function failure(e: unknown): { kind: FailureKind; message: string } {
  if (e instanceof MorphsimError) {
    const kind: FailureKind = e.exitCode === ExitCode.limit ? 'limit' : e.exitCode === ExitCode.internal ? 'internal' : 'error';
    return { kind, message: e.message };
  }
  return { kind: 'internal', message: `internal error: ${(e as Error)?.message ?? String(e)}` };
}

export async function runPoint(point: SweepPoint): Promise<PointRecord> {
  const base = {
    schema: POINT_SCHEMA, key: point.key, index: point.index, workload: point.workload,
    params: point.params, config: point.config,
  } as const;
  let summary: RunSummary | null = null;
  const out = createHash('sha256');
  try {
    const bytes = readInput(point.workload.elf, '');
    if (sha256(bytes) !== point.elfSha256) throw new MorphsimError(`${point.workload.elf} changed since the sweep was expanded (sha256 differs)`);
    const machine = await createMachine(parseElf(bytes, point.workload.elf), {
      config: point.config,
      args: point.workload.args,
      platform: point.workload.platform,
      stdout: (b) => out.update(b),
      warn: () => {},
    });
    const t0 = performance.now();
    const result = machine.run(point.maxInstret);
    const wallSeconds = (performance.now() - t0) / 1000;
    summary = runSummary({ machine, result, elfBytes: bytes, config: point.config, version: point.version, wallSeconds });
    const error = result.stop === 'limit'
      ? { kind: 'limit' as const, message: `stopped after ${result.instret} instructions (maxInstret ${point.maxInstret}); the guest did not exit` }
      : result.exitCode !== 0 ? { kind: 'exit' as const, message: `the guest exited with code ${result.exitCode}` } : null;
    return { ...base, status: error ? 'failed' : 'ok', error, outputSha256: out.digest('hex'), summary };
  } catch (e) {
    return { ...base, status: 'failed', error: failure(e), outputSha256: null, summary };
  }
}

/** The record of a point that produced no result of its own (its worker died or was stopped). */
function noResult(point: SweepPoint, kind: 'crash' | 'timeout', message: string): PointRecord {
  return {
    schema: POINT_SCHEMA, key: point.key, index: point.index, workload: point.workload, params: point.params,
    config: point.config, status: 'failed', error: { kind, message }, outputSha256: null, summary: null,
  };
}

/** The record of a point whose worker died before it could answer. */
export const crashedPoint = (point: SweepPoint, message: string): PointRecord => noResult(point, 'crash', message);

/** The record of a point stopped after `seconds` of wall clock (its worker is terminated). */
export const timedOutPoint = (point: SweepPoint, seconds: number): PointRecord =>
  noResult(point, 'timeout', `no result after ${seconds} s (point timeout); its worker was stopped`);
