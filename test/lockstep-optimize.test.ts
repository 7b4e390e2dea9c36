// Lockstep verification of tier 2 at its most aggressive settings: every block translated
// at once, traces formed after a few executions from a single profile sample, loops
// unrolled, memory and control speculation on, retranslation after the first alias fault.
// Every workload is compared with the reference interpreter at every commit (DESIGN.md
// invariants 1 and 2) over its first instructions (the whole run for the short ones), with
// the IR verifier running after every pass. Its output must be a prefix of the golden one
// (all of it when the run completes).
import { describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { GuestMachine } from '../morph/machine.ts';
import { golden, image, WORKLOADS } from './helpers/workloads.ts';

export const AGGRESSIVE = {
  'run.mode': 'optimize', 'tier.threshold': 1, 'tier.hotThreshold': 8, 'tier.traceMinSamples': 1, 'tier.traceBias': 0.5,
  'tier.loopUnroll': 4, 'tier.traceMinBlocks': 1, 'tier.traceMaxInsns': 256, 'tier.traceMaxBlocks': 32, 'tier.speculateMemory': true, 'tier.speculateControl': true,
  'tier.aliasFaultLimit': 1, 'tier.rollbackLimit': 1, 'tier.sideExitMinExecs': 16, 'tier.sideExitRatio': 0.1,
} as const;

/** Instructions checked per workload (keeps the file fast; the hot loops are reached well before). */
const LIMIT = 1_500_000;
/** Smaller inputs where a workload takes one. */
const ARGS: Record<string, readonly string[]> = { sort: ['3000'] };
const TEST_OVERRIDES: Record<string, Record<string, unknown>> = { mtimer: { 'platform.mtimeDivider': 100 } };

describe('lockstep: tier 2 at the most aggressive settings reports no divergence', () => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const out: Buffer[] = [];
      const machine = new GuestMachine(image(`workloads/bin/${w.name}.elf`), {
        config: paramRegistry.resolve({ ...TEST_OVERRIDES[w.name], ...AGGRESSIVE }),
        args: ARGS[w.name] ?? w.args,
        stdout: (b) => out.push(Buffer.from(b)),
        warn: () => {},
      });
      const checker = attachLockstep(machine);
      const result = machine.run(LIMIT);
      const stdout = Buffer.concat(out).toString('utf8');
      expect(checker.checks).toBeGreaterThan(0);
      expect(result.stats['morph.tier2Made']).toBeGreaterThan(0);
      if (w.name === 'alias') {
        // The speculation that fails is recovered by rollback and then dropped.
        expect(result.stats['exec.rollbackAlias']).toBeGreaterThan(0);
        expect(result.stats['morph.retranslateAlias']).toBeGreaterThan(0);
      }
      if (result.stop === 'exit' && !ARGS[w.name]) {
        expect(stdout).toBe(golden(w.name).out);
        expect(result.exitCode).toBe(w.expectedExitCode);
      } else {
        expect(golden(w.name).out.startsWith(stdout) || ARGS[w.name] !== undefined).toBe(true);
      }
    });
  }
});
