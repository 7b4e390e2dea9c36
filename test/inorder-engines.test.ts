// The in-order core's fast engine (the interpreter's own loop reports each retire) against its
// reference engine (one timed interp.step() at a time, the oracle): the same stops, guest output,
// architectural state, cycles, every cycle category and every statistic, field by field, on
// every committed workload and every program of test/isa — at several points of each run, and
// with the run cut into small pieces (so every kind of step lands on a piece boundary), under
// cache geometries that stress the fast engine's skipped lookups, and with others using the
// caches between runs. The reference engine times with its own code, so this is a real oracle.
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

  // The fast engine skips the cache lookup of a line that is the last one used in its set;
  // these geometries make that rare (direct-mapped, tiny), common (huge lines, few sets) or
  // full of evictions and dirty write-backs, and the cache statistics must still match.
  const GEOMETRIES: Record<string, Record<string, unknown>> = {
    'direct-mapped 1 KiB L1s, 16-byte lines, tiny L2': {
      'cache.l1iSize': 1024, 'cache.l1iAssoc': 1, 'cache.l1iLine': 16,
      'cache.l1dSize': 1024, 'cache.l1dAssoc': 1, 'cache.l1dLine': 16,
      'cache.l2Size': 4096, 'cache.l2Assoc': 1, 'cache.l2Line': 16, 'cache.l2Latency': 7, 'cache.memLatency': 31,
    },
    'one-set L1s of 512-byte lines': {
      'cache.l1iSize': 2048, 'cache.l1iAssoc': 4, 'cache.l1iLine': 512,
      'cache.l1dSize': 4096, 'cache.l1dAssoc': 8, 'cache.l1dLine': 512,
    },
    '2-way L1D of 32-byte lines, slow divider': {
      'cache.l1dSize': 2048, 'cache.l1dAssoc': 2, 'cache.l1dLine': 32, 'inorder.divLatency': 40, 'inorder.loadUse': 0,
    },
  };
  for (const [label, geometry] of Object.entries(GEOMETRIES)) {
    it(`with ${label}`, () => {
      for (const name of ['sort', 'strings', 'malloc', 'muldiv', 'smc']) {
        const w = WORKLOADS.find((x) => x.name === name)!;
        compareRuns(`workloads/bin/${name}.elf`, w.args, geometry, [20_000, 150_000]);
      }
    });
  }
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
  // Small direct-mapped caches: pieces then also end between accesses that evict each other.
  const SMALL = { 'cache.l1iSize': 1024, 'cache.l1iAssoc': 1, 'cache.l1dSize': 1024, 'cache.l1dAssoc': 1 };
  const cases = [
    ...Object.entries(PIECES).map(([name, pieces]) => ({ name, pieces, extra: {} })),
    { name: 'mtraps', pieces: [3, 5], extra: SMALL },
    { name: 'smc', pieces: [7, 333], extra: SMALL },
  ];
  for (const { name, pieces, extra } of cases) {
    it(`${name}${Object.keys(extra).length > 0 ? ' (small direct-mapped caches)' : ''}`, () => {
      const w = WORKLOADS.find((x) => x.name === name)!;
      for (const n of pieces) {
        const ref = boot(`workloads/bin/${name}.elf`, w.args, 'reference', extra);
        const fast = boot(`workloads/bin/${name}.elf`, w.args, 'fast', extra);
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

describe('in-order engines agree when others use the caches between runs', () => {
  // The fast engine skips lookups of lines it used last in their sets; accesses by anyone
  // else between two runs (here: data and fetch accesses sweeping every set) must not leave
  // it skipping a line that is no longer there, or no longer the newest of its set.
  it('sort, with the hierarchy swept between pieces', () => {
    const w = WORKLOADS.find((x) => x.name === 'sort')!;
    const small = { 'cache.l1iSize': 1024, 'cache.l1iAssoc': 2, 'cache.l1dSize': 1024, 'cache.l1dAssoc': 2 };
    const ref = boot('workloads/bin/sort.elf', w.args, 'reference', small);
    const fast = boot('workloads/bin/sort.elf', w.args, 'fast', small);
    for (let piece = 1; piece <= 40; piece++) {
      const a = observe(ref, ref.m.run(piece * 2_000));
      const b = observe(fast, fast.m.run(piece * 2_000));
      for (const key of Object.keys(a) as (keyof typeof a)[]) expect(b[key], `piece ${piece}: ${key}`).toEqual(a[key]);
      for (const mc of [ref, fast]) {
        const caches = mc.m.inorder!.caches;
        for (let addr = 0; addr < 2048; addr += 64) {
          caches.data(0x7000_0000 + piece * 4096 + addr, piece % 2 === 0);
          caches.fetch(0x6000_0000 + piece * 4096 + addr);
        }
      }
    }
  });
});
