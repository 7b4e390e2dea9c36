// Issue 10: the ISA tests (test/isa, riscv-tests conventions: pass = exit code 0) pass in
// every mode and executor. Each program runs under the reference interpreter and under every
// configuration of the differential runner's matrix (verify/diff.ts buildMatrix: modes ×
// executors × thresholds × tier-2 thresholds, policy switches, the in-order core, stress
// machines) plus the in-order core's reference engine, with lockstep wherever the
// configuration says so; each must exit 0 with the interpreter's final registers, output
// and instret. The few registers a program loads from a clock (mcycle, mtime) and the
// instret of a program that spins until a timer fires depend on each engine's cycle count:
// they are masked, and every mask must still be needed (else it would hide nothing).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { buildMatrix, compare, observe, REFERENCE, type EngineConfig, type Observation, type Subject } from '../verify/diff.ts';
import { image, ROOT } from './helpers/workloads.ts';

const ISA_TESTS = readdirSync(join(ROOT, 'test/isa/bin')).filter((f) => f.endsWith('.elf')).sort();

/** State that legitimately depends on simulated time, per program, with the reason. */
interface TimeDependence {
  readonly regs: readonly number[];
  readonly instret: boolean;
  readonly why: string;
}
const TIME_DEPENDENT: Readonly<Record<string, TimeDependence>> = {
  'csr.elf': { regs: [15], instret: false, why: 'x15 holds the last mcycle read (test 28)' },
  'timer.elf': {
    regs: [2, 15], instret: true,
    why: 'x2 counts down a spin loop until the timer interrupt fires, x15 holds an mtime read; the spin length sets instret',
  },
};

// The matrix has fast-executor configurations: binaryen loads once, before any machine.
beforeAll(async () => { await loadFastExecutor(); }, 120_000);

const MATRIX: readonly EngineConfig[] = [
  ...buildMatrix(),
  // buildMatrix() runs the in-order core with its default (fast) engine; the oracle engine too.
  { name: 'inorder/reference', overrides: { 'run.core': 'inorder', 'inorder.engine': 'reference' }, lockstep: false },
];

/** An observation with the program's time-dependent state cleared. */
function masked(o: Observation, t: TimeDependence | undefined): Observation {
  if (!t) return o;
  return { ...o, x: o.x.map((v, i) => (t.regs.includes(i) ? 0 : v)), instret: t.instret ? 0 : o.instret };
}

describe(`ISA tests × ${MATRIX.length} configurations + the interpreter`, () => {
  it('the matrix has every mode, executor and core', () => {
    const values = (k: string) => new Set(MATRIX.map((c) => c.overrides[k]));
    expect(values('run.mode')).toEqual(new Set(['translate', 'optimize', undefined]));
    expect(values('run.executor')).toEqual(new Set(['reference', 'fast', undefined]));
    expect(values('run.core')).toContain('inorder');
    expect(values('inorder.engine')).toContain('reference');
    expect(MATRIX.filter((c) => c.lockstep).length).toBeGreaterThan(MATRIX.length / 2);
  });

  for (const f of ISA_TESTS) {
    it(f, () => {
      const s: Subject = { image: image(`test/isa/bin/${f}`), storm: false, irqBytes: 0 };
      const t = TIME_DEPENDENT[f];
      const ref = observe(s, REFERENCE, false);
      expect([ref.stop, ref.exitCode, ref.error], 'interp').toEqual(['exit', 0, undefined]);
      const failures: string[] = [];
      const differed = new Set<string>();
      for (const c of MATRIX) {
        const got = observe(s, c.overrides, c.lockstep);
        const what = compare(masked(ref, t), masked(got, t), false);
        if (what !== undefined) failures.push(`${c.name}: ${what}`);
        else if (got.exitCode !== 0) failures.push(`${c.name}: exit code ${got.exitCode}`);
        for (const r of t?.regs ?? []) if (got.x[r] !== ref.x[r]) differed.add(`x${r}`);
        if (t?.instret && got.instret !== ref.instret) differed.add('instret');
      }
      expect(failures).toEqual([]);
      // A mask no configuration needs is stale: drop it from TIME_DEPENDENT.
      if (t) expect([...differed].sort(), t.why).toEqual([...t.regs.map((r) => `x${r}`), ...(t.instret ? ['instret'] : [])].sort());
    }, 120_000);
  }
});
