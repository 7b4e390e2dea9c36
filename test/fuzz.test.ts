/**
 * Random-program differential testing (verify/): a fixed-seed slice of the fuzz campaign
 * against the reference interpreter under a rotating sample of the configuration matrix,
 * every regression file the fuzzer ever wrote, and the harness itself — the generator's
 * programs are valid, the matrix follows the registry, a broken translator is caught and
 * shrunk to a few lines. Long campaigns: `npm run fuzz -- --count N --seed S`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bool, defineParams, ParamRegistry } from '../core/params.ts';
import { paramRegistry } from '../morph/config.ts';
import { runCampaign } from '../verify/campaign.ts';
import { buildMatrix, diffSubject, MAX_INSTRET, observe, REFERENCE, subjectOf, subjectOfProgram, type EngineConfig } from '../verify/diff.ts';
import { generateProgram, programSource } from '../verify/generate.ts';
import { checkRegression, loadRegressions } from '../verify/regressions.ts';
import { shrink } from '../verify/shrink.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { breakXor } from './helpers/broken-translator.ts';
import { ROOT } from './helpers/workloads.ts';

/** The slice `npm test` runs: programs 0..SLICE-1 of seed 20261202, 3 configurations each. */
const SLICE = 160;
const SLICE_SEED = 20261202;
const PER_PROGRAM = 3;
const CHUNK = 40;

// The matrix has fast-executor configurations: binaryen loads once, before any machine.
beforeAll(async () => { await loadFastExecutor(); });

describe(`fuzz slice: ${SLICE} random programs (seed ${SLICE_SEED}), ${PER_PROGRAM} configurations each, against the reference`, () => {
  const matrix = buildMatrix();
  for (let start = 0; start < SLICE; start += CHUNK) {
    it(`programs ${start}..${start + CHUNK - 1}`, () => {
      const messages: string[] = [];
      const r = runCampaign({
        seed: SLICE_SEED, start, count: CHUNK, sample: PER_PROGRAM, stormEvery: 4, shrink: false, matrix,
        onDivergence: (m) => messages.push(m),
      });
      expect(messages).toEqual([]);
      expect(r.divergences).toBe(0);
      expect(r.invalid).toBe(0);
      expect(r.instructions).toBeGreaterThan(CHUNK * 1000);
    }, 120_000);
  }
});

describe('regression files (test/regressions/*.json), under their configuration and the whole matrix', () => {
  const files = loadRegressions(join(ROOT, 'test/regressions'));
  it.skipIf(files.length === 0)('are well-formed', () => {
    for (const { name, file } of files) {
      expect(name).toMatch(/^fuzz-s\d+-i\d+\.json$/);
      expect(file.source.length).toBeGreaterThan(0);
      expect(file.found).not.toBe('');
    }
  });
  for (const { name, file } of files) {
    it(`${name}: ${file.found}`, () => {
      const r = checkRegression(file);
      expect(r.invalid).toBeUndefined();
      expect(r.divergences.map((d) => `${d.config.name}: ${d.what}`)).toEqual([]);
    });
  }
});

describe('the generator', () => {
  it('is deterministic: a seed names one program', () => {
    expect(programSource(generateProgram(77))).toEqual(programSource(generateProgram(77)));
    expect(programSource(generateProgram(77))).not.toEqual(programSource(generateProgram(78)));
  });

  it('makes valid programs: they assemble, exit under the reference within the budget, and take traps', () => {
    let traps = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, storm) => {
      const p = generateProgram(seed, { storm });
      const s = subjectOfProgram(p);
      const o = observe(s, { ...REFERENCE, 'platform.mtimeDivider': 7 }, false);
      expect(o.error).toBeUndefined();
      expect(o.stop).toBe('exit');
      expect(o.instret).toBeLessThan(MAX_INSTRET);
      traps += Number.parseInt(o.data.slice(2 * 4096, 2 * 4096 + 8).match(/../g)!.reverse().join(''), 16);
    }), { numRuns: 25, seed: 4242 });
    expect(traps).toBeGreaterThan(25); // the exception log's counter: handlers ran
  });

  it('makes user-platform programs whose misaligned accesses the platform completes', () => {
    let emulated = 0;
    for (let seed = 0; seed < 12; seed++) {
      const s = subjectOfProgram(generateProgram(seed, { platform: 'user' }));
      expect(s.image.entry).toBeLessThan(0x80000000);
      const o = observe(s, REFERENCE, false, (m) => {
        const run = m.run.bind(m);
        m.run = (max) => { const r = run(max); emulated += m.interp.misalignedEmulated; return r; };
      });
      expect(o.stop, `seed ${seed}: ${o.error}`).toBe('exit');
    }
    expect(emulated).toBeGreaterThan(0);
  });

  it('covers every block kind, and storms deliver interrupts', () => {
    const kinds = new Set<string>();
    for (let seed = 0; seed < 40; seed++) for (const b of generateProgram(seed).blocks) kinds.add(b.kind);
    expect([...kinds].sort()).toEqual(['hot-loop', 'loop', 'nested-loop', 'smc', 'straight']);
    const p = generateProgram(5, { storm: true });
    const o = observe(subjectOfProgram(p), { ...REFERENCE, 'platform.mtimeDivider': 7 }, false);
    expect(o.irq.slice(0, 8)).not.toBe('00000000'); // the interrupt log's counter
  });

  it('makes loops long enough to become hot at the default thresholds', () => {
    const need = (paramRegistry.spec('tier.threshold')!.default as number) + (paramRegistry.spec('tier.hotThreshold')!.default as number);
    const hot = Array.from({ length: 60 }, (_, s) => generateProgram(s).blocks).flat().filter((b) => b.kind === 'hot-loop');
    expect(hot.length).toBeGreaterThan(0);
    for (const b of hot) expect(Number(/^li s0, (\d+)$/.exec(b.lines[0]!)![1])).toBeGreaterThan(need);
  });
});

describe('the matrix', () => {
  it('comes from the registry: every mode but interp, thresholds 1, 2 and the default, the in-order core', () => {
    const names = buildMatrix().map((c) => c.name);
    expect(names).toContain('translate/reference/t1');
    expect(names).toContain('translate/fast/t1');
    expect(names).toContain(`translate/reference/t${paramRegistry.spec('tier.threshold')!.default}`);
    expect(names.some((n) => n.startsWith('optimize/reference/t2'))).toBe(true);
    expect(names).toContain('inorder');
    expect(buildMatrix().every((c) => c.lockstep === (c.name !== 'inorder'))).toBe(true);
  });

  it('picks up parameters added later (an executor, a tier-2 switch) without edits', () => {
    // run.executor is in the registry now: every mode/threshold runs on both executors.
    const real = buildMatrix();
    expect(real.filter((c) => c.overrides['run.executor'] === 'fast').length).toBe(real.filter((c) => c.overrides['run.executor'] === 'reference').length);
    expect(real.some((c) => c.overrides['run.executor'] === 'fast')).toBe(true);
    // A switch some later branch declares lands in the matrix too.
    const opt = defineParams('opt', { speculate: bool(true, 'hoist loads above stores') });
    const reg = new ParamRegistry([...paramRegistryGroups(), opt]);
    expect(buildMatrix(reg).some((c) => c.overrides['opt.speculate'] === false)).toBe(true);
  });
});

/** The groups of the real registry, rebuilt (ParamRegistry keeps no group list). */
function paramRegistryGroups() {
  const byGroup = new Map<string, Record<string, never>>();
  for (const e of paramRegistry.entries) {
    const [g, k] = [e.name.slice(0, e.name.indexOf('.')), e.name.slice(e.name.indexOf('.') + 1)];
    (byGroup.get(g) ?? byGroup.set(g, {}).get(g)!)[k] = e.spec as never;
  }
  return [...byGroup].map(([g, specs]) => defineParams(g, specs));
}

describe('the harness catches a broken translator', () => {
  const broken: EngineConfig = { name: 'broken-xor', overrides: { 'run.mode': 'translate', 'tier.threshold': 1 }, lockstep: true, setup: breakXor };
  const unchecked: EngineConfig = { ...broken, name: 'broken-xor-no-lockstep', lockstep: false };

  it('by lockstep (naming the register) and by the final state, then shrinks the program to a few lines', () => {
    let seed = 0;
    let found: ReturnType<typeof diffSubject> | undefined;
    for (; seed < 20; seed++) {
      found = diffSubject(subjectOfProgram(generateProgram(seed)), [broken, unchecked]);
      if (found.divergences.length === 2) break;
    }
    expect(found!.divergences[0]!.what).toMatch(/^lockstep divergence after \d+ instructions: register x\d+/);
    expect(found!.divergences[1]!.what).toMatch(/^final x\d+|^memory|^output|^exit code/);
    const p = generateProgram(seed);
    const small = shrink(p, broken, 300).program;
    const lines = [...small.blocks, ...small.funcs].flatMap((b) => b.lines).filter((l) => !/^\w+:$/.test(l));
    expect(lines.length).toBeLessThan(12);
    expect(lines.some((l) => l.startsWith('xor '))).toBe(true);
    expect(diffSubject(subjectOfProgram(small), [broken]).divergences.length).toBe(1);
  });

  it('writes a regression file that reproduces it and passes on the real translator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'morphsim-regress-'));
    try {
      const written: string[] = [];
      let seed = 0;
      while (written.length === 0 && seed < 20) {
        const r = runCampaign({ seed: 3, start: seed++, count: 1, stormEvery: 0, shrink: true, matrix: [broken], regressionDir: dir });
        written.push(...r.written);
      }
      const [{ file }] = loadRegressions(dir);
      expect(file!.config.name).toBe('broken-xor');
      const source = file!.source;
      expect(diffSubject(subjectOf(source, file!.storm), [broken]).divergences.length).toBe(1);
      expect(checkRegression({ ...file!, config: { ...file!.config, setup: undefined } }).divergences).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
