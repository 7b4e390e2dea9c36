// Indirect-branch prediction (sim-microarch/indirect.ts): the IBTC's sets, ways and LRU, the
// return-address stack, purging of dropped translations; and guest programs whose calls,
// returns and jump-table jumps give hit and miss counts worked out by hand below, with the
// guest state equal to the reference interpreter's (prediction changes only where control
// goes and what it costs). Hand-computed cycle counts are in test/host-programs/ras*.vliw.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { asm } from '../isa-guest/encode.ts';
import { exitInd, hostCode, molecule, type HostCode } from '../isa-host-vliw/code.ts';
import { paramRegistry } from '../morph/config.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { CycleAccount } from '../sim-microarch/cycles.ts';
import { ReferenceExecutor } from '../sim-microarch/executor.ts';
import { HostState } from '../sim-microarch/host-state.ts';
import { IndirectPredictor, PREDICTION_OFF } from '../sim-microarch/indirect.ts';
import { exitParams, ibtcParams, machineDescFromConfig, rasParams, vliwParams } from '../sim-microarch/params.ts';
import { Memory } from '../isa-guest/memory.ts';
import { assemble, exitWith, TOHOST, type AssembledProgram } from './helpers/guest-asm-program.ts';
import { expectSameAsInterp, runGuest, TRANSLATE_T1, type MemRanges } from './helpers/guest-asm-run.ts';

const everything = (p: AssembledProgram): MemRanges => [[p.base, p.end - p.base]];
const code = (tag: number): HostCode => hostCode([molecule(exitInd(5, 1))], 0x40000000 + tag * 0x1000, tag);
const OFF = { 'ibtc.entries': 0, 'ras.depth': 0 };

function predictor(entries: number, ways: number, depth = 0): IndirectPredictor {
  return new IndirectPredictor({ entries, ways, hitCost: 4, missCost: 5 }, { depth, pushCost: 0, hitCost: 1, missCost: 2 });
}

describe('IBTC', () => {
  it('is set-associative with true LRU: sets = entries / ways, indexed by pc / 4', () => {
    const p = predictor(4, 2); // 2 sets of 2 ways; pcs 0x0, 0x8, 0x10 all map to set 0
    const [a, b, c] = [code(1), code(2), code(3)];
    p.fill(0x80000000, a);
    p.fill(0x80000008, b);
    expect(p.jump(0x80000000, true)).toBe(a); // a is now the most recent
    expect(p.cost).toBe(4);
    p.fill(0x80000010, c); // evicts b, the least recently used
    expect(p.jump(0x80000008, true)).toBe(null);
    expect(p.cost).toBe(5);
    expect(p.jump(0x80000000, true)).toBe(a);
    expect(p.jump(0x80000010, true)).toBe(c);
    p.fill(0x80000004, b); // set 1: no conflict with set 0
    expect(p.jump(0x80000004, true)).toBe(b);
    expect(p.stats()).toMatchObject({ 'ibtc.hits': 4, 'ibtc.misses': 1, 'ibtc.fills': 4 });
  });

  it('is filled by the dispatcher only for the target of the exit that missed', () => {
    const p = predictor(8, 2);
    const a = code(1);
    expect(p.jump(0x80000040, true)).toBe(null);
    p.resolved(0x80000100, a); // another pc (an interrupt handler, say): no fill
    expect(p.jump(0x80000040, true)).toBe(null);
    p.resolved(0x80000040, a);
    expect(p.jump(0x80000040, true)).toBe(a);
    expect(p.stats()['ibtc.fills']).toBe(1);
  });

  it('never returns a dropped translation: purge and clear', () => {
    const p = predictor(8, 4, 4);
    const [a, b] = [code(1), code(2)];
    p.fill(0x80000000, a);
    p.fill(0x80000004, b);
    p.purge(a);
    expect(p.jump(0x80000000, true)).toBe(null);
    expect(p.jump(0x80000004, true)).toBe(b);
    // A return link to b (learned from the IBTC hit of a right prediction) goes with b.
    const site = {};
    p.call(0x80000004, site);
    expect(p.ret(0x80000004, true)).toBe(b);
    expect(p.stats()['ras.unlinked']).toBe(1);
    p.call(0x80000004, site);
    expect(p.ret(0x80000004, true)).toBe(b);
    expect(p.stats()['ras.hits']).toBe(1);
    p.clear();
    p.call(0x80000004, site);
    expect(p.ret(0x80000004, true)).toBe(null);
    expect(p.stats()).toMatchObject({ 'ibtc.purged': 2, 'ras.hits': 1, 'ras.unlinked': 2 });
  });

  it('rejects an entry count that is not a multiple of the ways (exit code 2)', () => {
    expect(() => predictor(10, 4)).toThrow(UsageError);
    expect(() => predictor(10, 4)).toThrow('parameter ibtc.entries: 10 is not a multiple of ibtc.ways (4)');
  });

  it('with both off, an indirect exit costs what it did before: indirect + toDispatcher', () => {
    const cfg = paramRegistry.resolve({});
    const mem = new Memory();
    mem.mapRam(0x80000000, 0x1000);
    const run = (pred: IndirectPredictor | undefined) => {
      const state = new HostState(machineDescFromConfig(cfg), mem);
      const account = new CycleAccount();
      const ex = new ReferenceExecutor(state, new MemoryHierarchy(cfg), account, exitParams.read(cfg), vliwParams.read(cfg).moleculeBytes, pred);
      state.regs[5] = 0x80000040;
      ex.execute(code(1), { interruptAtCycle: Infinity, maxChain: 64 });
      return account.total();
    };
    // 1 molecule + I-miss 90 + indirect 2 + toDispatcher 3; a cold IBTC adds its miss cost.
    expect(run(undefined)).toBe(96);
    expect(run(new IndirectPredictor(PREDICTION_OFF.ibtc, PREDICTION_OFF.ras))).toBe(96);
    expect(run(new IndirectPredictor(ibtcParams.read(cfg), rasParams.read(cfg)))).toBe(96 + 5);
  });
});

describe('return-address stack', () => {
  it('pops in LIFO order; a full stack overwrites its oldest entry', () => {
    const p = predictor(0, 1, 2);
    p.call(0x100, {});
    p.call(0x200, {});
    p.call(0x300, {}); // overflow: 0x100 is lost
    expect(p.ret(0x300, true)).toBe(null); // right, but no IBTC and no link
    expect(p.ret(0x200, true)).toBe(null);
    expect(p.ret(0x100, true)).toBe(null); // underflow
    expect(p.cost).toBe(2);
    expect(p.stats()).toMatchObject({ 'ras.pushes': 3, 'ras.overflows': 1, 'ras.unlinked': 2, 'ras.mispredicts': 1, 'ras.underflows': 1 });
  });
});

describe('guest programs: prediction changes cycles, never results', () => {
  /** A loop calling f ten times (jal ra / ret). */
  const calls = (): AssembledProgram => assemble([
    '_start:', 'li s0, 10', 'li s1, 0',
    'loop:', 'call f', 'addi s0, s0, -1', 'bne s0, zero, loop',
    'li a0, 0', ...exitWith('a0'),
    'f:', 'addi s1, s1, 3', 'ret',
    ...TOHOST,
  ]);

  it('calls and returns: hits and misses as worked out by hand (threshold 1)', () => {
    const p = calls();
    const { interp, t1 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    expect(interp.state.x[9]).toBe(30);
    // Translations: [_start..call f], [f], [return point..bnez], [loop: call f]. Return 1
    // (called from _start's block): right but unlinked, IBTC cold → miss → dispatcher, which
    // fills the IBTC and links that call site. Return 2 (from loop's call site, not linked
    // yet): unlinked, IBTC hit, which links it. Returns 3..10: RAS hits.
    expect(t1.result.stats).toMatchObject({
      'ras.pushes': 10, 'ras.hits': 8, 'ras.unlinked': 2, 'ras.mispredicts': 0, 'ras.overflows': 0,
      'ibtc.hits': 1, 'ibtc.misses': 1, 'ibtc.fills': 1,
    });
    const off = runGuest(p.image, { ...TRANSLATE_T1, ...OFF }, { mem: everything(p) });
    expect(off.state).toEqual(t1.state);
    expect(off.result.stats['ras.pushes']).toBe(0);
    expect(off.result.stats['morph.dispatches']).toBeGreaterThan(t1.result.stats['morph.dispatches']! + 8);
    expect(off.result.cycles).toBeGreaterThan(t1.result.cycles);
  });

  it('a jump table (jr through a non-link register): IBTC misses once per target, then hits', () => {
    const p = assemble([
      '_start:', 'li s0, 8', 'li s1, 0', 'li s3, 0', 'la s2, table',
      'loop:', 'andi t2, s0, 1', 'slli t2, t2, 2', 'add t2, t2, s2', 'lw t1, 0(t2)', 'jalr zero, 0(t1)',
      'h0:', 'addi s1, s1, 1', 'j next',
      'h1:', 'addi s3, s3, 1', 'j next',
      'next:', 'addi s0, s0, -1', 'bne s0, zero, loop',
      'li a0, 0', ...exitWith('a0'),
      'table:', '.word h0, h1',
      ...TOHOST,
    ]);
    const { t1 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    expect([t1.state.x[9], t1.state.x[19]]).toEqual([4, 4]);
    // 8 jumps alternating h0, h1: the first to each target misses, the other 6 hit.
    expect(t1.result.stats).toMatchObject({ 'ibtc.hits': 6, 'ibtc.misses': 2, 'ibtc.fills': 2, 'ras.pushes': 0 });
  });

  it('self-modifying code: a return point rewritten after it was linked runs as new code', () => {
    // After the third call the instruction at the return point is overwritten: the RAS link
    // and IBTC entry of its stale translation must be gone (a transfer there would add 1).
    const p = assemble([
      '_start:', 'li s0, 6', 'li s1, 0', 'la s2, patch', `li s3, ${asm('addi s1, s1, 100')}`, 'li t3, 3',
      'loop:', 'call f',
      'patch:', 'addi s1, s1, 1', 'addi s0, s0, -1', 'bne s0, t3, skip',
      'sw s3, 0(s2)', 'fence.i',
      'skip:', 'bne s0, zero, loop',
      'li a0, 0', ...exitWith('a0'),
      'f:', 'ret',
      ...TOHOST,
    ]);
    const { t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    for (const r of [t1, t2]) {
      expect(r.state.x[9]).toBe(3 * 1 + 3 * 100);
      expect(r.result.stats['morph.invalidations']).toBeGreaterThan(0);
      expect(r.result.stats['ibtc.purged']).toBeGreaterThan(0);
      expect(r.result.stats['ras.hits']).toBeGreaterThan(0);
    }
  });

  it('is deterministic: the same run twice gives the same cycles and statistics', () => {
    const p = calls();
    const a = runGuest(p.image, TRANSLATE_T1, { mem: everything(p) });
    const b = runGuest(p.image, TRANSLATE_T1, { mem: everything(p) });
    expect(b.result.stats).toEqual(a.result.stats);
    expect(b.result.cycles).toBe(a.result.cycles);
  });
});
