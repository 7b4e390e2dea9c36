// The optimizer's passes as golden text (STYLE.md point 10): each file of test/golden/passes/
// is named after a pass (or a pipeline) and holds cases `input region => expected region`.
// Each case also runs input and output through the IR interpreter on random states, so a
// blessed expectation that changes behaviour still fails. Bless new expectations with:
//   MORPHSIM_BLESS=1 npx vitest run test/optimizer-passes.test.ts
// Also here: the parser (inverse of the printer), the verifier's checks, the pass runner
// naming the pass that broke the IR, and tier-1 translation's pipeline option.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretRegion } from '../morph/optimizer/ir-interp.ts';
import { printRegion, type IrRegion } from '../morph/optimizer/ir.ts';
import { parseRegion } from '../morph/optimizer/parse.ts';
import { PassRegistry, type Pass } from '../morph/optimizer/passes.ts';
import { PassVerifyError, runPipeline } from '../morph/optimizer/pipeline.ts';
import { verifyRegion } from '../morph/optimizer/verify.ts';
import { arbMemory, arbRegion, arbRegs, memoryView } from './helpers/ir-random.ts';
import { paramRegistry } from '../morph/config.ts';
import { liftRegion } from '../morph/lift.ts';
import { GuestMachine } from '../morph/machine.ts';
import { translateRegion } from '../morph/translate.ts';
import { machineDescFromConfig } from '../sim-microarch/params.ts';
import { image, ROOT, WORKLOADS } from './helpers/workloads.ts';

const DIR = join(ROOT, 'test/golden/passes');
const BLESS = process.env['MORPHSIM_BLESS'] === '1';
const registry = PassRegistry.withDefaults();

interface Case { readonly title: string; readonly input: string; readonly expected: string }

function readCases(text: string): { header: string; cases: Case[] } {
  const [header = '', ...parts] = text.split(/^## /m);
  return {
    header,
    cases: parts.map((p) => {
      const [title = '', ...rest] = p.split('\n');
      const [input = '', expected = ''] = rest.join('\n').split(/^=>$/m);
      return { title, input: input.trim(), expected: expected.trim() };
    }),
  };
}

/** Same exit, registers, stores (or the same fault) on a few random states. */
function checkSameBehaviour(before: IrRegion, after: IrRegion): void {
  fc.assert(fc.property(arbRegs, arbMemory, (x, bytes) => {
    const mem = memoryView(bytes);
    expect(interpretRegion(after, x, mem)).toEqual(interpretRegion(before, x, mem));
  }), { numRuns: 50, seed: 7 });
}

describe('golden pass tests', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()) {
    const name = file.slice(0, -4);
    it(name, () => {
      const path = join(DIR, file);
      const { header, cases } = readCases(readFileSync(path, 'utf8'));
      expect(cases.length).toBeGreaterThan(0);
      const pipeline = registry.hasPipeline(name) ? name : [name];
      const actual = cases.map((c) => {
        const input = parseRegion(c.input);
        expect(printRegion(input), `${name}: ${c.title}: input is not in printed form`).toBe(c.input);
        const out = runPipeline(input, pipeline, { registry, verify: true });
        checkSameBehaviour(input, out);
        return { ...c, expected: printRegion(out) };
      });
      if (BLESS) {
        writeFileSync(path, header + actual.map((c) => `## ${c.title}\n${c.input}\n=>\n${c.expected}\n`).join(''));
        return;
      }
      for (const [k, c] of actual.entries()) expect(c.expected, `${name}: ${c.title}`).toBe(cases[k]!.expected);
    });
  }
});

describe('IR text', () => {
  it('parses what it prints, for random regions', () => {
    fc.assert(fc.property(arbRegion, (r) => {
      const back = parseRegion(printRegion(r));
      expect(back.insts).toEqual(r.insts);
      expect(printRegion(back)).toBe(printRegion(r));
    }), { numRuns: 200 });
  });

  it('says which line is wrong', () => {
    expect(() => parseRegion('region 0x0..0x4 (1 insns)\n  x5 = frob x1, x2\n  exit 0x4 [1]')).toThrow(/line 2: unknown operation 'frob'/);
    expect(() => parseRegion('region 0x0..0x4 (1 insns)\n  x5 = load4s 0(x1)\n  exit 0x4 [1]')).toThrow(/line 2: .*guest pc/);
    expect(() => parseRegion('x5 = li 1')).toThrow(/line 1: expected 'region/);
  });
});

describe('verifier', () => {
  const bad = (text: string, temps?: number): string[] => {
    const r = parseRegion(text);
    return verifyRegion(temps === undefined ? r : { ...r, temps }).map((p) => p.message);
  };
  it('accepts random well-formed regions', () => {
    fc.assert(fc.property(arbRegion, (r) => { expect(verifyRegion(r)).toEqual([]); }), { numRuns: 200 });
  });
  it('rejects a temporary read before it is written', () => {
    expect(bad('region 0x0..0x4 (1 insns)\n  x5 = add t0, 1\n  t0 = li 1\n  exit 0x4 [1]')).toEqual(['t0 read before it is written']);
  });
  it('rejects a temporary out of range, and a write to x0', () => {
    expect(bad('region 0x0..0x4 (1 insns)\n  t3 = li 1\n  exit 0x4 [1]', 2)).toEqual(['destination location 35 out of range (x0..x31, t0..t1)']);
    const r = parseRegion('region 0x0..0x4 (1 insns)\n  x1 = li 1\n  exit 0x4 [1]');
    expect(verifyRegion({ ...r, insts: [{ op: 'li', dst: 0, imm: 1 }, ...r.insts.slice(1)] }).map((p) => p.message)).toEqual(['writes x0']);
  });
  it('rejects retired counts that decrease or exceed the region', () => {
    expect(bad('region 0x0..0x8 (2 insns)\n  exit.if x1, 0x100 [2]\n  exit 0x8 [1]')).toEqual(['retired count 1 below an earlier exit\'s 2']);
    expect(bad('region 0x0..0x8 (2 insns)\n  exit 0x8 [3]')).toEqual(['retired count 3 outside 0..2']);
  });
  it('rejects a region that does not end in its only unconditional exit', () => {
    expect(bad('region 0x0..0x8 (2 insns)\n  x1 = li 1\n  exit.if x1, 0x100 [2]')).toEqual(['the region does not end in an unconditional exit']);
    expect(bad('region 0x0..0x8 (2 insns)\n  exit 0x8 [2]\n  x1 = li 1\n  exit 0x8 [2]')).toEqual(['unreachable: follows an unconditional exit']);
  });
  it('rejects bad immediates and misaligned targets', () => {
    const r = parseRegion('region 0x0..0x4 (1 insns)\n  x1 = li 1\n  exit 0x4 [1]');
    expect(verifyRegion({ ...r, insts: [{ op: 'li', dst: 1, imm: 2 ** 32 }, { op: 'exit', target: 6, retired: 1 }] }).map((p) => p.message))
      .toEqual(['immediate 4294967296 is not a 32-bit integer', 'bad exit target 6']);
  });
});

describe('pass runner', () => {
  // Deliberately broken: it reads a temporary that nothing writes.
  const broken: Pass = {
    name: 'broken-pass',
    description: 'test only: breaks the IR',
    run: (r) => ({ ...r, temps: r.temps + 1, insts: [{ op: 'alui', alu: 'add', dst: 5, a: 32 + r.temps, imm: 1 }, ...r.insts] }),
  };
  const region = parseRegion('region 0x1000..0x1008 (2 insns)\n  t0 = li 4\n  x5 = add t0, 4\n  exit 0x1008 [2]');

  it('names the pass that broke the IR', () => {
    const reg = PassRegistry.withDefaults().register(broken);
    reg.definePipeline('bad', ['const-fold', 'broken-pass', 'dce']);
    let err: unknown;
    try {
      runPipeline(region, 'bad', { registry: reg, verify: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PassVerifyError);
    expect((err as PassVerifyError).pass).toBe('broken-pass');
    expect((err as Error).message).toMatch(/^pass 'broken-pass' broke the IR \(region 0x1000\):\n {2}#0 x5 = add t1, 1: t1 read before it is written/);
    // Without verification the broken IR goes through unnoticed: that is what verify is for.
    expect(() => runPipeline(region, 'bad', { registry: reg })).not.toThrow();
  });

  it('rejects invalid input before any pass runs', () => {
    expect(() => runPipeline({ ...region, insts: region.insts.slice(0, 2) }, 'O2', { verify: true })).toThrow(/^invalid IR given to the optimizer/);
  });

  it('keeps registries apart, and rejects duplicates and unknown names', () => {
    const a = PassRegistry.withDefaults().register(broken);
    expect(a.passNames()).toContain('broken-pass');
    expect(PassRegistry.withDefaults().passNames()).not.toContain('broken-pass');
    expect(() => a.register(broken)).toThrow(/already registered/);
    expect(() => a.definePipeline('x', ['no-such-pass'])).toThrow(/unknown pass 'no-such-pass'/);
    expect(() => runPipeline(region, 'O9', {})).toThrow(/unknown pipeline 'O9'/);
  });

  it('leaves its input untouched', () => {
    const before = printRegion(region);
    runPipeline(region, 'O2', { verify: true });
    expect(printRegion(region)).toBe(before);
  });
});

describe('tier-1 translation with a pipeline', () => {
  it('translates the lifted IR as is by default, and the optimized IR when given a pipeline', () => {
    const w = WORKLOADS.find((x) => x.name === 'bytecode')!;
    const machine = new GuestMachine(image(`workloads/bin/${w.name}.elf`), { config: paramRegistry.resolve({ 'run.mode': 'interp' }), args: w.args, stdout: () => {}, warn: () => {} });
    const m = machineDescFromConfig(paramRegistry.resolve({}));
    const memory = machine.program.env.memory;
    let changed = 0;
    for (let n = 0; n < 3000 && machine.interp.runBlock(64) !== 'exit'; n++) {
      const pc = machine.hart.pc >>> 0;
      const lifted = liftRegion(memory, pc, 64, m.numRegs - m.numShadowed);
      const plain = translateRegion(memory, pc, m, 0, { maxInsns: 64 });
      const o2 = translateRegion(memory, pc, m, 0, { maxInsns: 64, pipeline: 'O2', passes: registry, verify: true });
      if (!lifted) continue;
      expect(printRegion(plain!.region)).toBe(printRegion(lifted));
      expect(printRegion(o2!.region)).toBe(printRegion(runPipeline(lifted, 'O2', { registry })));
      if (printRegion(o2!.region) !== printRegion(lifted)) changed++;
    }
    expect(changed).toBeGreaterThan(0);
  });
});
