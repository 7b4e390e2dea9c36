// Lockstep verification at the other hotness thresholds (split from lockstep.test.ts so the
// two long files run on both workers): threshold 2 and the default, every workload.
import { describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { golden, runWorkload, WORKLOADS } from './helpers/workloads.ts';

const DEFAULT_THRESHOLD = paramRegistry.spec('tier.threshold')!.default as number;

describe.each([2, DEFAULT_THRESHOLD])('lockstep: workloads at --threshold %i report no divergence', (threshold) => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const { stdout, result, checks } = runWorkload(w, { 'run.mode': 'translate', 'tier.threshold': threshold }, true);
      expect(stdout).toBe(golden(w.name).out);
      expect(checks).toBeGreaterThan(0);
      expect(result.exitCode).toBe(w.expectedExitCode);
    });
  }
});
