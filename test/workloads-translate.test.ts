// Every workload through the code-morphing runtime at hotness thresholds 1, 2 and the
// default, and in the full pipeline, and with indirect-branch prediction (IBTC and RAS) off:
// the same stdout, exit code and retired-instruction count as the reference interpreter
// (DESIGN.md invariant 1), with conserved and deterministic cycles (invariants 3 and 4).
import { describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { breakdownSum, golden, runWorkload, TIME_DEPENDENT, WORKLOADS } from './helpers/workloads.ts';

const DEFAULT_THRESHOLD = paramRegistry.spec('tier.threshold')!.default as number;
const interpInstret = new Map<string, number>();

const PREDICTION_OFF = { 'ibtc.entries': 0, 'ras.depth': 0 };

describe.each([
  { mode: 'translate', threshold: 1, extra: {}, what: '' },
  { mode: 'translate', threshold: 2, extra: {}, what: '' },
  { mode: 'translate', threshold: DEFAULT_THRESHOLD, extra: {}, what: '' },
  { mode: 'translate', threshold: 2, extra: PREDICTION_OFF, what: ', IBTC and RAS off' },
  { mode: 'optimize', threshold: DEFAULT_THRESHOLD, extra: {}, what: '' },
])('workloads: --mode $mode --threshold $threshold$what', ({ mode, threshold, extra }) => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const g = golden(w.name);
      const { stdout, result } = runWorkload(w, { 'run.mode': mode, 'tier.threshold': threshold, ...extra });
      expect(stdout).toBe(g.out);
      expect(result.exitCode).toBe(g.code);
      expect(breakdownSum(result)).toBe(result.cycles);
      expect(result.stats['morph.translationsMade']).toBeGreaterThan(0);
      if (!TIME_DEPENDENT.has(w.name)) {
        let ref = interpInstret.get(w.name);
        if (ref === undefined) {
          ref = runWorkload(w, { 'run.mode': 'interp' }).result.instret;
          interpInstret.set(w.name, ref);
        }
        expect(result.instret).toBe(ref);
      }
    });
  }
});

describe('determinism', () => {
  it.each(['crc32', 'mtimer', 'smc'])('%s: same ELF and configuration give the same cycles and statistics', (name) => {
    const w = WORKLOADS.find((x) => x.name === name)!;
    const a = runWorkload(w, { 'run.mode': 'translate', 'tier.threshold': 2 }).result;
    const b = runWorkload(w, { 'run.mode': 'translate', 'tier.threshold': 2 }).result;
    expect(b.cycles).toBe(a.cycles);
    expect(b.breakdown).toEqual(a.breakdown);
    expect(b.stats).toEqual(a.stats);
  });
});

describe('what the runtime reports', () => {
  const get = (name: string) => WORKLOADS.find((x) => x.name === name)!;

  it('mtimer: timer interrupts roll translations back, and the handler still sees consistent state', () => {
    const { stdout, result } = runWorkload(get('mtimer'), { 'run.mode': 'translate' });
    expect(stdout).toContain('inconsistent states: 0');
    expect(result.stats['exec.rollbackInterrupt']).toBeGreaterThan(0);
    expect(result.stats['morph.interrupts']).toBe(50);
    expect(result.breakdown.rollback).toBeGreaterThan(0);
  });

  it('smc: self-modifying code invalidates translations and stays correct', () => {
    const { result } = runWorkload(get('smc'), { 'run.mode': 'translate', 'tier.threshold': 1 });
    expect(result.stats['morph.invalidations']).toBeGreaterThan(0);
  });

  it('strings: calls and returns are predicted, and most dispatcher lookups disappear', () => {
    const on = runWorkload(get('strings'), { 'run.mode': 'translate' }).result;
    const off = runWorkload(get('strings'), { 'run.mode': 'translate', ...PREDICTION_OFF }).result;
    expect(on.instret).toBe(off.instret);
    expect(on.stats['ras.hits']).toBeGreaterThan(0);
    expect(on.stats['ibtc.hits']).toBeGreaterThan(0);
    expect(off.stats['ras.pushes'] + off.stats['ibtc.hits'] + off.stats['ibtc.misses']).toBe(0);
    expect(on.stats['morph.dispatches']).toBeLessThan(off.stats['morph.dispatches'] / 5);
    expect(on.breakdown.dispatch).toBeLessThan(off.breakdown.dispatch / 5);
    expect(on.cycles).toBeLessThan(off.cycles);
  });

  it('hot loops run translated and chained', () => {
    const { result } = runWorkload(get('crc32'), { 'run.mode': 'translate' });
    expect(result.stats['morph.translatedFraction']).toBeGreaterThan(0.99);
    expect(result.stats['morph.chainsMade']).toBeGreaterThan(0);
    expect(result.stats['exec.chained']).toBeGreaterThan(0);
  });
});
