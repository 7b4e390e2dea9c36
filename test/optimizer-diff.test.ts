// Differential tests of the optimizer (STYLE.md point 9): the IR interpreter is the oracle.
// - every pass and every pipeline, on random well-formed regions and random register and
//   memory states, leaves by the same exit with the same registers, stores and registers
//   at each store — or faults at the same guest instruction — and its output verifies;
// - every peephole rule, instantiated from its own patterns with interesting immediates,
//   fires at least once and never changes behaviour;
// - hot regions lifted from real workloads, run from the guest states the reference
//   interpreter reaches at their entry, behave the same after O2, and still lower to host
//   code that the host validator accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuestMachine } from '../morph/machine.ts';
import { paramRegistry } from '../morph/config.ts';
import { liftRegion } from '../morph/lift.ts';
import { interpretRegion, type IrMemoryView } from '../morph/optimizer/ir-interp.ts';
import { printRegion, type IrRegion } from '../morph/optimizer/ir.ts';
import { lowerRegion } from '../morph/optimizer/lower.ts';
import { parseRegion } from '../morph/optimizer/parse.ts';
import { DEFAULT_RULES } from '../morph/optimizer/passes/peephole.ts';
import { PassRegistry } from '../morph/optimizer/passes.ts';
import { optimizeRegion, runPipeline } from '../morph/optimizer/pipeline.ts';
import { applyRules, RuleSet, type Rule } from '../morph/optimizer/rules.ts';
import { schedule } from '../morph/optimizer/schedule.ts';
import { verifyRegion } from '../morph/optimizer/verify.ts';
import { hostCode } from '../isa-host-vliw/code.ts';
import { validate } from '../isa-host-vliw/validator.ts';
import { machineDescFromConfig } from '../sim-microarch/params.ts';
import { arbImm, arbMemory, arbRegion, arbRegs, memoryView } from './helpers/ir-random.ts';
import { image, WORKLOADS } from './helpers/workloads.ts';

const registry = PassRegistry.withDefaults();

function sameBehaviour(before: IrRegion, after: IrRegion, x: readonly number[], mem: IrMemoryView, what: string): void {
  const a = interpretRegion(before, x, mem);
  const b = interpretRegion(after, x, mem);
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    expect.fail(`${what} changed behaviour from x=[${x.join(',')}]\n${printRegion(before)}\n--- became ---\n${printRegion(after)}\n` +
      `before: ${JSON.stringify(a)}\nafter:  ${JSON.stringify(b)}`);
  }
}

describe('passes and pipelines against the IR interpreter', () => {
  const cases: [string, string | string[]][] = [
    ...registry.passNames().map((p): [string, string[]] => [`pass ${p}`, [p]]),
    ...registry.pipelineNames().map((p): [string, string] => [`pipeline ${p}`, p]),
  ];
  for (const [what, pipeline] of cases) {
    it(what, () => {
      fc.assert(fc.property(arbRegion, fc.array(fc.tuple(arbRegs, arbMemory), { minLength: 4, maxLength: 4 }), (r, states) => {
        const out = runPipeline(r, pipeline, { registry, verify: true });
        expect(verifyRegion(out)).toEqual([]);
        for (const [x, bytes] of states) sameBehaviour(r, out, x, memoryView(bytes), what);
      }), { numRuns: 300 });
    });
  }

  it('the O2 pipeline makes random regions no longer', () => {
    fc.assert(fc.property(arbRegion, (r) => {
      expect(optimizeRegion(r, { registry }).insts.length).toBeLessThanOrEqual(r.insts.length);
    }), { numRuns: 300 });
  });
});

describe('peephole rules', () => {
  const IMMS = [0, 1, -1, 2, 3, 4, 5, 8, 12, 16, 20, 31, 32, 33, 255, 65536, 0x7fffffff, -0x80000000, -2, -12];
  /** Instances of a rule's patterns: `$` names become guest registers (an inner pattern's
   * destination a temporary or x9), `#` names interesting immediates. */
  function instances(rule: Rule): IrRegion[] {
    const pats = typeof rule.from === 'string' ? [rule.from] : rule.from;
    const inner = new Set(pats.slice(0, -1).map((p) => p.split(/\s/)[0]!));
    const names = [...new Set(pats.join(' ').match(/[$#]\w+/g) ?? [])];
    const out: IrRegion[] = [];
    for (let seed = 0; seed < 48; seed++) {
      const pick = <T>(xs: readonly T[], k: number): T => xs[(seed * 7919 + k * 104729 + (seed >> 3)) % xs.length]!;
      const bind = new Map(names.map((n, k) => [n, n.startsWith('#') ? String(pick(IMMS, k + seed))
        : inner.has(n) ? pick(['t0', 'x9'], k) : pick(['x5', 'x6', 'x7', 'x8'], k * 3 + seed)]));
      const lines = pats.map((p, k) => p.replace(/[$#]\w+/g, (m) => bind.get(m)!) + (/load|store/.test(p) ? `  ; 0x${(0x100 + 4 * k).toString(16)}` : ''));
      try {
        out.push(parseRegion(`region 0x100..0x${(0x100 + 4 * pats.length).toString(16)} (${pats.length} insns)\n${lines.join('\n')}\nexit 0x200 [${pats.length}]`));
      } catch {
        // An instance that is not a valid instruction (e.g. a bound x0 destination) is skipped.
      }
    }
    return out;
  }

  for (const rule of DEFAULT_RULES) {
    it(`${rule.name}: ${rule.doc}`, () => {
      const set = new RuleSet([rule]);
      let fired = 0;
      for (const r of instances(rule)) {
        if (verifyRegion(r).length > 0) continue;
        const out = applyRules(r, set, () => { fired++; });
        expect(verifyRegion(out)).toEqual([]);
        fc.assert(fc.property(arbRegs, arbImm, arbImm, (x, v5, v6) => {
          const regs = [...x];
          regs[5] = v5;
          regs[6] = v6;
          sameBehaviour(r, out, regs, memoryView(new Uint8Array(0)), `rule ${rule.name}`);
        }), { numRuns: 12 });
      }
      expect(fired, `rule ${rule.name} never fired on its own patterns`).toBeGreaterThan(0);
    });
  }

  it('a rule that would change a load into something else is rejected by the engine', () => {
    const evil = new RuleSet([{ name: 'evil', doc: 'wrong on purpose', from: '$d = load4s #o($b)', to: '$d = li 0' }]);
    const r = parseRegion('region 0x0..0x4 (1 insns)\n  x5 = load4s 0(x6)  ; 0x0\n  exit 0x4 [1]');
    expect(() => applyRules(r, evil)).toThrow(/rule 'evil' changed the effects/);
  });
});

describe('hot regions of real workloads, from real guest states', () => {
  const cfg = paramRegistry.resolve({ 'run.mode': 'interp' });
  const m = machineDescFromConfig(cfg);
  const names = WORKLOADS.filter((w) => w.platform === 'user').map((w) => w.name);

  for (const name of names) {
    it(name, () => {
      const w = WORKLOADS.find((x) => x.name === name)!;
      const machine = new GuestMachine(image(`workloads/bin/${name}.elf`), { config: cfg, args: w.args, stdout: () => {}, stderr: () => {}, warn: () => {} });
      const memory = machine.program.env.memory;
      const view: IrMemoryView = { readByte: (a) => (memory.isRam(a) ? memory.load8(a) & 0xff : undefined) };
      const regions = new Map<number, { before: IrRegion; after: IrRegion; checked: number } | null>();
      let checked = 0;
      let changed = 0;
      // The first 400k instructions: the program's set-up and its first hot loops.
      for (let steps = 0; steps < 400_000 && machine.interp.runBlock(64) !== 'exit'; steps += machine.interp.lastCount) {
        const pc = machine.hart.pc >>> 0;
        let entry = regions.get(pc);
        if (entry === undefined) {
          const before = liftRegion(memory, pc, 64, m.numRegs - m.numShadowed);
          entry = before ? { before, after: optimizeRegion(before, { registry, verify: true }), checked: 0 } : null;
          if (entry) {
            if (printRegion(entry.after) !== printRegion(before!)) changed++;
            const code = hostCode(schedule(lowerRegion(entry.after, m).atoms, m, m.numShadowed), 0, 0);
            expect(validate(code, m)).toEqual([]);
          }
          regions.set(pc, entry);
        }
        if (entry && entry.checked < 8) {
          entry.checked++;
          checked++;
          sameBehaviour(entry.before, entry.after, Array.from(machine.hart.x), view, `O2 on ${name} at 0x${pc.toString(16)}`);
        }
      }
      expect(checked).toBeGreaterThan(15);
      expect(regions.size).toBeGreaterThan(3);
      // Not a gain figure (tier-1 blocks are already tight), but O2 must find something.
      expect(changed).toBeGreaterThan(0);
    });
  }
});
