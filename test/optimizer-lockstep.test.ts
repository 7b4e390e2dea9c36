// The O2 pipeline inside the real translator, checked end to end: until tier 2 calls
// optimizeRegion itself, this test wraps the lifter (a test-only module mock — no
// production code path changes) so that every region the runtime translates goes through
// O2 with verification, then runs workloads in `translate` mode with the lockstep checker
// comparing against the reference interpreter at every commit, and compares their output
// with the golden output.
import { describe, expect, it, vi } from 'vitest';
import type { IrRegion } from '../morph/optimizer/ir.ts';
import { printRegion } from '../morph/optimizer/ir.ts';
import { optimizeRegion } from '../morph/optimizer/pipeline.ts';
import { PassRegistry } from '../morph/optimizer/passes.ts';
import { golden, runWorkload, WORKLOADS } from './helpers/workloads.ts';

const seen = vi.hoisted(() => ({ regions: 0, changed: 0 }));

vi.mock('../morph/lift.ts', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../morph/lift.ts')>();
  const registry = PassRegistry.withDefaults();
  return {
    ...orig,
    liftRegion: (...args: Parameters<typeof orig.liftRegion>): IrRegion | undefined => {
      const r = orig.liftRegion(...args);
      if (!r) return r;
      const o = optimizeRegion(r, { pipeline: 'O2', registry, verify: true });
      seen.regions++;
      if (printRegion(o) !== printRegion(r)) seen.changed++;
      return o;
    },
  };
});

// A spread of workloads: table lookups, jump tables, calls, strings, self-modifying code, traps.
const CHOSEN = ['crc32', 'bytecode', 'recursion', 'strings', 'smc', 'mtraps'];

describe('O2 on every translated region: lockstep against the reference interpreter', () => {
  for (const name of CHOSEN) {
    it(name, () => {
      const w = WORKLOADS.find((x) => x.name === name)!;
      const before = { ...seen };
      const { stdout, result, checks } = runWorkload(w, { 'run.mode': 'translate', 'tier.threshold': 2 }, true);
      expect(stdout).toBe(golden(name).out);
      expect(result.exitCode).toBe(w.expectedExitCode);
      expect(checks).toBeGreaterThan(0);
      expect(seen.regions).toBeGreaterThan(before.regions);
      expect(seen.changed).toBeGreaterThan(before.changed);
    });
  }
});
