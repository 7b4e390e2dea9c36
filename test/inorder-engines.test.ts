// The in-order core's fast engine (the interpreter's own loop reports each retire) against its
// reference engine (one timed interp.step() at a time, the oracle): the same stops, guest output,
// architectural state, cycles, every cycle category and every statistic, field by field, on
// every committed workload and every program of test/isa — at several points of each run, and
// with the run cut into small pieces (so every kind of step lands on a piece boundary).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { GuestMachine } from '../morph/machine.ts';
import { CYCLE_CATEGORIES } from '../sim-microarch/cycles.ts';
import { image, ROOT, WORKLOADS } from './helpers/workloads.ts';

type Engine = 'reference' | 'fast';

/** Workload runs are compared at these instret points (and at the end, if earlier): enough
 * to cover every workload's start-up, libc and hot loops while keeping the file quick. */
const CHECKPOINTS = [1_000, 100_000, 700_000];

const TEST_OVERRIDES: Record<string, Record<string, unknown>> = {
  mtimer: { 'platform.mtimeDivider': 100 }, // timer interrupts 10x as often (as in workloads.test.ts)
};

interface Machine {
  readonly m: GuestMachine;
  readonly out: Buffer[];
}

function boot(path: string, args: readonly string[], engine: Engine, extra: Record<string, unknown> = {}): Machine {
  const out: Buffer[] = [];
  const sink = (b: Uint8Array) => out.push(Buffer.from(b));
  const m = new GuestMachine(image(path), {
    config: paramRegistry.resolve({ ...extra, 'run.core': 'inorder', 'inorder.engine': engine }),
    args, stdout: sink, stderr: sink, warn: () => {},
  });
  expect(m.inorder!.engine).toBe(engine);
  return { m, out };
}

/** Everything either engine can make differ, as one object whose diff names the field. */
function observe({ m, out }: Machine, result: ReturnType<GuestMachine['run']>) {
  const h = m.hart;
  return {
    stop: result.stop,
    exitCode: result.exitCode,
    instret: result.instret,
    cycles: result.cycles,
    clock: m.clock.cycles,
    breakdown: Object.fromEntries(CYCLE_CATEGORIES.map((c) => [c, result.breakdown[c]])),
    stats: result.stats,
    output: Buffer.concat(out).toString('latin1'),
    pc: h.pc,
    x: Array.from(h.x),
    csrs: { priv: h.priv, mepc: h.mepc, mcause: h.mcause, mtval: h.mtval, mstatus: h.mstatus, mie: h.mie },
  };
}

function compareRuns(path: string, args: readonly string[], extra: Record<string, unknown>, points: readonly number[]): number {
  const ref = boot(path, args, 'reference', extra);
  const fast = boot(path, args, 'fast', extra);
  let compared = 0;
  for (const at of points) {
    const a = observe(ref, ref.m.run(at));
    const b = observe(fast, fast.m.run(at));
    // Field by field, so a failure names the statistic or category that differs.
    for (const key of Object.keys(a) as (keyof typeof a)[]) expect(b[key], `${path} at ${at}: ${key}`).toEqual(a[key]);
    compared++;
    if (a.stop === 'exit') break;
  }
  return compared;
}

describe('in-order engines agree on every workload', () => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const n = compareRuns(`workloads/bin/${w.name}.elf`, w.args, TEST_OVERRIDES[w.name] ?? {}, CHECKPOINTS);
      expect(n).toBeGreaterThan(0);
    });
  }

  it('with other timing parameters (a smaller cache, slower memory, longer hazards)', () => {
    compareRuns('workloads/bin/sort.elf', ['3000'], {
      'cache.l1iSize': 1024, 'cache.l1dSize': 1024, 'cache.l1dAssoc': 2, 'cache.memLatency': 300,
      'inorder.loadUse': 3, 'inorder.mulLatency': 9, 'inorder.branchPenalty': 5, 'inorder.systemCost': 0,
    }, [50_000, 400_000]);
  });
});

const ISA_TESTS = readdirSync(join(ROOT, 'test/isa/bin')).filter((f) => f.endsWith('.elf')).sort();

describe('in-order engines agree on every test/isa program', () => {
  for (const f of ISA_TESTS) {
    it(f, () => {
      // Every program must reach its exit (riscv-tests convention: exit code 0 passes).
      const ref = boot(`test/isa/bin/${f}`, [], 'reference');
      const r = ref.m.run(1_000_000);
      expect([r.stop, r.exitCode]).toEqual(['exit', 0]);
      compareRuns(`test/isa/bin/${f}`, [], {}, [1_000_000]);
    });
  }
});

describe('in-order engines agree step by step', () => {
  // Cutting a run into pieces of n steps puts every kind of step — traps, interrupts, CSR
  // instructions, the HTIF store that ends the run — on a piece boundary for some n; each
  // piece must stop the same way at the same clock.
  const PIECES: Record<string, readonly number[]> = { mhello: [1, 2, 3, 7, 64], mtraps: [1, 2, 3, 7, 64], smc: [61, 1000] };
  for (const [name, pieces] of Object.entries(PIECES)) {
    it(name, () => {
      const w = WORKLOADS.find((x) => x.name === name)!;
      for (const n of pieces) {
        const ref = boot(`workloads/bin/${name}.elf`, w.args, 'reference');
        const fast = boot(`workloads/bin/${name}.elf`, w.args, 'fast');
        const trace = (mc: Machine) => {
          const core = mc.m.inorder!;
          const seen: string[] = [];
          for (let k = 0; k < 2_000_000; k++) {
            const r = core.run(n);
            seen.push(`${r} ${mc.m.hart.instret} ${mc.m.clock.cycles} ${core.traps}`);
            if (r !== 'limit') break;
          }
          return seen;
        };
        const a = trace(ref);
        const b = trace(fast);
        expect(a.at(-1)).toMatch(/^exit /);
        expect(b.length, `${name}, pieces of ${n}`).toBe(a.length);
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect(b[i], `${name}, pieces of ${n}, piece ${i}`).toBe(a[i]);
        expect(fast.m.stats()).toEqual(ref.m.stats());
        expect(fast.m.account.record()).toEqual(ref.m.account.record());
      }
    });
  }
});
