// Tier 2: the trace scheduler against the IR interpreter (an independent oracle of the IR's
// meaning) on random superblocks, the speculation it chooses on hand-written traces, and
// the whole tier (trace formation, alias faults, adaptive retranslation, history) on the
// workloads, against their golden outputs.
import { describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { Memory } from '../isa-guest/memory.ts';
import { printHostCode } from '../isa-host-vliw/printer.ts';
import { hostCode, type Atom } from '../isa-host-vliw/code.ts';
import { validate } from '../isa-host-vliw/validator.ts';
import { TEMP_BASE, type IrInst, type IrRegion } from '../morph/optimizer/ir.ts';
import { interpretRegion } from '../morph/optimizer/ir-interp.ts';
import { parseRegion } from '../morph/optimizer/parse.ts';
import { scheduleTrace, type RenameMode, type SpecFlags } from '../morph/optimizer/trace-schedule.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { CycleAccount } from '../sim-microarch/cycles.ts';
import { DEFAULT_LIMITS, ReferenceExecutor } from '../sim-microarch/executor.ts';
import { HostState } from '../sim-microarch/host-state.ts';
import { exitParams, machineDescFromConfig, vliwParams } from '../sim-microarch/params.ts';
import { golden, runWorkload, WORKLOADS } from './helpers/workloads.ts';

const cfg = paramRegistry.resolve({});
const desc = machineDescFromConfig(cfg);
const RAM = 0x1000;
const RAM_SIZE = 0x100;

/** A deterministic generator of random superblocks over x1..x9: x5 and x6 point into RAM
 * (sometimes at the same bytes), loads and stores are word-aligned, exits are guarded by
 * random comparisons. */
function randomRegion(seed: number): IrRegion {
  let s = seed >>> 0;
  const rnd = (n: number): number => { s = (s * 1664525 + 1013904223) >>> 0; return (s >>> 8) % n; };
  const data = [1, 2, 3, 4, 7, 8, 9];
  const reg = (): number => data[rnd(data.length)]!;
  const insts: IrInst[] = [];
  let temps = 0;
  let retired = 0;
  const n = 8 + rnd(30);
  for (let k = 0; k < n; k++) {
    retired++;
    const pc = 0x100 + 4 * k;
    switch (rnd(9)) {
      case 0: insts.push({ op: 'alu', alu: (['add', 'sub', 'xor', 'mul', 'sll'] as const)[rnd(5)]!, dst: reg(), a: reg(), b: reg() }); break;
      case 1: insts.push({ op: 'alui', alu: 'add', dst: reg(), a: reg(), imm: rnd(64) - 32 }); break;
      case 2: insts.push({ op: 'li', dst: reg(), imm: rnd(1000) }); break;
      case 3: insts.push({ op: 'alui', alu: 'add', dst: rnd(2) ? 5 : 6, a: rnd(2) ? 5 : 6, imm: 4 * (rnd(5) - 2) }); break;
      case 4: case 5: insts.push({ op: 'load', size: 4, signed: true, dst: reg(), base: rnd(2) ? 5 : 6, imm: 4 * rnd(8), pc }); break;
      case 6: case 7: insts.push({ op: 'store', size: 4, src: reg(), base: rnd(2) ? 5 : 6, imm: 4 * rnd(8), pc }); break;
      case 8: {
        const t = TEMP_BASE + temps++;
        insts.push({ op: 'cmp', cond: (['lt', 'eq', 'ne', 'geu'] as const)[rnd(4)]!, dst: t, a: reg(), b: reg() });
        insts.push({ op: 'exitIf', cond: t, target: 0x8000 + k * 4, retired });
        break;
      }
    }
  }
  insts.push({ op: 'exit', target: 0x9000, retired });
  return { entryPc: 0x100, endPc: 0x100 + 4 * n, guestInsns: n, insts, temps };
}

/** One host machine for every run (caches only change timing, which is not compared). */
const rig = (() => {
  const mem = new Memory();
  mem.mapRam(RAM, 0x1000);
  const state = new HostState(desc, mem);
  const exec = new ReferenceExecutor(state, new MemoryHierarchy(cfg), new CycleAccount(), exitParams.read(cfg), vliwParams.read(cfg).moleculeBytes);
  return { mem, state, exec };
})();

/** Run host code for `r` from guest registers `x` over a fresh RAM image; what the guest sees. */
function runHost(r: IrRegion, spec: SpecFlags, mode: RenameMode, x: readonly number[], ram: Uint8Array, fold = true) {
  const s = scheduleTrace(r, desc, spec, mode, fold);
  if (!s) return undefined;
  const code = hostCode(s.molecules, 0x40000000, 1);
  expect(validate(code, desc), printHostCode(code)).toEqual([]);
  const { mem, state, exec } = rig;
  for (let i = 0; i < RAM_SIZE; i++) mem.store(RAM + i, 1, ram[i]!);
  state.regs.fill(0);
  for (let k = 1; k < 32; k++) state.regs[k] = x[k]!;
  const res = exec.execute(code, { ...DEFAULT_LIMITS, maxChain: 1 });
  const bytes = Array.from({ length: RAM_SIZE }, (_, i) => mem.load(RAM + i, 1));
  return { res, regs: Array.from(state.regs.subarray(0, 32)), bytes, sched: s, code };
}

describe('trace scheduler against the IR interpreter (random superblocks)', () => {
  const all = { memory: true, control: true };
  const variants: [SpecFlags, RenameMode, boolean][] = [
    [all, 'auto', false], [all, 'all', false], [all, 'refine', true], [all, 'critical', true], [all, 'exits', false], [all, 'loads', true],
    [{ memory: false, control: true }, 'all', true], [{ memory: true, control: false }, 'none', true], [{ memory: false, control: false }, 'none', false],
  ];
  it('leaves by the same exit with the same registers and memory, or rolls back on an alias fault', () => {
    let aliasFaults = 0;
    let protectedLoads = 0;
    let hoisted = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = randomRegion(seed);
      const x = Array.from({ length: 32 }, (_, k) => (k === 0 ? 0 : (k * 2654435761) % 50));
      x[5] = RAM + 0x40;
      x[6] = RAM + 0x40 + 4 * (seed % 5); // sometimes the same words as x5
      const ram = new Uint8Array(RAM_SIZE).map((_, i) => (i * 37 + seed) & 0xff);
      const want = interpretRegion(r, x, { readByte: (a) => (a >= RAM && a < RAM + RAM_SIZE ? ram[a - RAM] : undefined) });
      expect(want.kind, `seed ${seed}`).toBe('exit'); // addresses stay in RAM
      if (want.kind !== 'exit') continue;
      const wantBytes = Array.from(ram);
      for (const [a, b] of want.stores) wantBytes[a - RAM] = b;
      for (const [spec, mode, fold] of variants) {
        const got = runHost(r, spec, mode, x, ram, fold)!;
        expect(got, `seed ${seed}: no schedule`).toBeDefined();
        protectedLoads += got.sched.protectedLoads;
        hoisted += got.sched.renamed;
        if (got.res.kind === 'fault') {
          // Only a speculated load may fault here, and the state is back at the entry.
          expect(got.res.cause, `seed ${seed} ${mode}`).toBe('alias');
          expect(spec.memory).toBe(true);
          expect(got.regs).toEqual(x.map((v) => v | 0));
          expect(got.bytes).toEqual(Array.from(ram));
          aliasFaults++;
          continue;
        }
        const where = `seed ${seed} ${JSON.stringify(spec)} ${mode} fold=${fold}\n${printHostCode(got.code)}`;
        expect(got.res.target, where).toBe(want.target);
        expect(got.res.retired, where).toBe(want.retired);
        expect(got.regs.slice(1), where).toEqual(want.regs.slice(1).map((v) => v | 0));
        expect(got.bytes, where).toEqual(wantBytes);
      }
    }
    // The generator does exercise what is being tested.
    expect(protectedLoads).toBeGreaterThan(50);
    expect(aliasFaults).toBeGreaterThan(0);
    expect(hoisted).toBeGreaterThan(50);
  });
});

const atomsOf = (molecules: readonly { atoms: readonly Atom[] }[]): string[] => molecules.flatMap((m) => m.atoms.map((a) => a.op));

describe('speculation chosen by the trace scheduler', () => {
  const spec = { memory: true, control: true };
  it('hoists a load above a store through another base (ldp + stc), not above one through the same base', () => {
    const r = parseRegion(`
      region 0x100..0x110 (4 insns)
        x10 = mul x10, x10
        store4 x10, 0(x11)  ; 0x104
        x13 = load4s 0(x12)  ; 0x108
        x14 = load4s 0(x11)  ; 0x10c
        exit 0x110 [4]`);
    const s = scheduleTrace(r, desc, spec, 'auto')!;
    expect(s.protectedLoads).toBe(1);
    expect(s.checkedStores).toBe(1);
    const ops = atomsOf(s.molecules);
    expect(ops.indexOf('ldp.w')).toBeLessThan(ops.indexOf('stc.w')); // the load through x12 went first
    expect(ops.filter((o) => o === 'ld.w')).toHaveLength(1); // the one through x11 reads the stored value
    const plain = scheduleTrace(r, desc, { memory: false, control: true }, 'auto')!;
    expect(atomsOf(plain.molecules).filter((o) => o.startsWith('ldp') || o.startsWith('stc'))).toEqual([]);
  });

  it('does not protect a load that a later checked store certainly overlaps', () => {
    // x13 = a[0]; a[0] = ...; b[0] = ...; x15 = c[0]: checking the store to b would find a[0]'s range.
    const r = parseRegion(`
      region 0x100..0x114 (5 insns)
        x13 = load4s 0(x11)  ; 0x100
        x10 = mul x10, x13
        store4 x10, 0(x11)  ; 0x108
        x15 = load4s 0(x12)  ; 0x10c
        exit 0x110 [4]`);
    const s = scheduleTrace(r, desc, spec, 'auto')!;
    expect(s.protectedLoads + s.checkedStores).toBeLessThanOrEqual(2);
    const x = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, RAM, RAM + 8];
    const ram = new Uint8Array(RAM_SIZE);
    const got = runHost(r, spec, 'auto', [...x, ...new Array(32 - x.length).fill(0)], ram)!;
    expect(got.res.kind).toBe('exit');
  });

  it('keeps guest registers and stores between the side exits around them; hoists only into temporaries', () => {
    const r = parseRegion(`
      region 0x100..0x118 (6 insns)
        x10 = load4s 0(x11)  ; 0x100
        t0 = cmp.eq x10, x0
        exit.if t0, 0x200 [1]
        x12 = load4s 4(x11)  ; 0x108
        x13 = mul x12, x12
        store4 x13, 8(x11)  ; 0x110
        exit 0x118 [4]`);
    const s = scheduleTrace(r, desc, spec, 'all')!;
    const code = hostCode(s.molecules, 0, 0);
    expect(validate(code, desc)).toEqual([]);
    const exitAt = s.molecules.findIndex((m) => m.atoms.some((a) => a.op === 'exit.if'));
    const before = s.molecules.slice(0, exitAt + 1).flatMap((m) => m.atoms);
    // The second load rose above the side exit, into a temporary; x12, x13 and the store did not.
    expect(before.some((a) => a.op === 'ld.w' && a.imm === 4 && a.rd >= desc.numShadowed)).toBe(true);
    expect(before.some((a) => a.rd === 12 || a.rd === 13 || a.op.startsWith('st'))).toBe(false);
    // Without control speculation nothing after the exit moves above it.
    const s2 = scheduleTrace(r, desc, { memory: true, control: false }, 'none')!;
    const exit2 = s2.molecules.findIndex((m) => m.atoms.some((a) => a.op === 'exit.if'));
    expect(s2.molecules.slice(0, exit2 + 1).flatMap((m) => m.atoms).filter((a) => a.op === 'ld.w')).toHaveLength(1);
  });
});

describe('tier 2 on workloads (run.mode=optimize)', () => {
  it('alias: protected loads fault once the buffers overlap, the trace is re-made without memory speculation, the output is exact', () => {
    const w = WORKLOADS.find((x) => x.name === 'alias')!;
    const { stdout, result, machine } = runWorkload(w, { 'run.mode': 'optimize' });
    expect(stdout).toBe(golden('alias').out);
    expect(result.stats['exec.rollbackAlias']).toBeGreaterThan(0);
    expect(result.stats['morph.retranslateAlias']).toBeGreaterThanOrEqual(1);
    const remade = machine.runtime!.tcache.history.summaries().filter((t) => t.history.some((h) => h.reason === 'alias-faults'));
    expect(remade.length).toBeGreaterThan(0);
    const last = remade[remade.length - 1]!;
    expect(last.tier).toBe(2);
    expect(last.speculation.memory).toBe(false);
    expect(last.history.map((h) => h.version)).toEqual(last.history.map((_, i) => i + 1));
    expect(last.history[0]).toMatchObject({ tier: 1, reason: 'threshold' });
  });

  it('crc32: the hot loop becomes an unrolled loop trace chained to itself, faster per instruction than tier 1', () => {
    const w = WORKLOADS.find((x) => x.name === 'crc32')!;
    const opt = runWorkload(w, { 'run.mode': 'optimize' });
    const tr = runWorkload(w, { 'run.mode': 'translate' });
    expect(opt.stdout).toBe(golden('crc32').out);
    expect(opt.result.instret).toBe(tr.result.instret);
    const hot = opt.machine.runtime!.tcache.history.whole().sort((a, b) => b.code.cycles - a.code.cycles)[0]!;
    expect(hot.tier).toBe(2);
    expect(hot.blocks.length).toBeGreaterThan(1);
    expect(new Set(hot.blocks).size).toBe(1); // one loop body, unrolled
    expect(hot.code.molecules.at(-1)!.atoms.at(-1)).toMatchObject({ op: 'exit', imm: hot.entryPc });
    const t1 = tr.machine.runtime!.tcache.history.whole().find((t) => t.entryPc === hot.entryPc)!;
    const perInsn = (t: typeof hot) => t.code.cycles / (t.code.execCount * t.guestInsns);
    expect(perInsn(hot)).toBeLessThan(perInsn(t1));
    expect(opt.result.stats['morph.tier2Made']).toBeGreaterThan(0);
  });
});
