// Every workload under the reference interpreter and the baseline in-order core: the
// guest-visible behaviour equals the golden output (qemu-riscv32 for user programs), and
// cycles are conserved and deterministic.
import { describe, expect, it } from 'vitest';
import { breakdownSum, golden, runWorkload, TIME_DEPENDENT, WORKLOADS } from './helpers/workloads.ts';

describe('workloads: reference interpreter (--mode interp)', () => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const g = golden(w.name);
      const { stdout, result } = runWorkload(w, { 'run.mode': 'interp' });
      expect(stdout).toBe(g.out);
      expect(result.exitCode).toBe(g.code);
      expect(result.exitCode).toBe(w.expectedExitCode);
      expect(breakdownSum(result)).toBe(result.cycles);
      // Interpretation costs exactly cms.interpretCost per retired instruction and trap,
      // plus idle time skipped by wfi.
      expect(result.breakdown.interpret).toBeGreaterThanOrEqual(result.instret * 30);
    });
  }
});

describe('workloads: baseline in-order core (--core inorder)', () => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const g = golden(w.name);
      const { stdout, result } = runWorkload(w, { 'run.core': 'inorder' });
      expect(stdout).toBe(g.out);
      expect(result.exitCode).toBe(g.code);
      expect(breakdownSum(result)).toBe(result.cycles);
      const cpi = result.cycles / result.instret;
      // A 5-stage pipeline retires at most one instruction per cycle.
      expect(cpi).toBeGreaterThanOrEqual(1);
      if (!TIME_DEPENDENT.has(w.name)) {
        const ref = runWorkload(w, { 'run.mode': 'interp' });
        expect(result.instret).toBe(ref.result.instret);
      }
    });
  }
});
