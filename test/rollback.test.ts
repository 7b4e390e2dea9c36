// Commit and rollback of the code-morphing runtime, one fault kind per test: a small
// machine-mode program faults inside a hot translated loop, and the run must be
// indistinguishable from the reference interpreter's (exit code, registers, pc, CSRs,
// instret, memory) while the statistics show the rollback really happened. Expected trap
// values (mepc, mcause, mtval) are computed by hand from the program's labels and the
// privileged spec's cause table.
import { describe, expect, it } from 'vitest';
import { CLINT_BASE } from '../isa-guest/devices.ts';
import type { GuestMachine } from '../morph/machine.ts';
import { assemble, exitWith, TOHOST, type AssembledProgram } from './helpers/guest-asm-program.ts';
import { expectSameAsInterp, runGuest, TRANSLATE_T1, type MemRanges } from './helpers/guest-asm-run.ts';

const MTIME = CLINT_BASE + 0xbff8;
const MTIMECMP = CLINT_BASE + 0x4000;
/** Unmapped on the machine platform: just below RAM, far from the CLINT and the UART. */
const HOLE = 0x7ffff10c;

/** Trap vector in `trap`, and mret returns to M-mode (MPP = 3). */
const PROLOGUE = ['_start:', 'la t0, trap', 'csrw mtvec, t0', 'li t0, 0x1800', 'csrrs zero, mstatus, t0'];

/** Trap handler that stores mepc, mcause, mtval at `record` and exits with s1 as the code. */
const RECORD_AND_EXIT = [
  'trap:', 'csrr t0, mepc', 'csrr t1, mcause', 'csrr t2, mtval', 'la t3, record',
  'sw t0, 0(t3)', 'sw t1, 4(t3)', 'sw t2, 8(t3)', ...exitWith('s1'),
];

/** Trap handler that logs (mepc, mcause, mtval) at log[count], skips the instruction and returns. */
const RECORD_AND_SKIP = [
  'trap:', 'la t3, count', 'lw t4, 0(t3)', 'slli t5, t4, 2', 'slli t6, t4, 3', 'add t5, t5, t6', // t5 = 12 * count
  'la t6, log', 'add t6, t6, t5', 'csrr t0, mepc', 'csrr t1, mcause', 'csrr t2, mtval',
  'sw t0, 0(t6)', 'sw t1, 4(t6)', 'sw t2, 8(t6)', 'addi t4, t4, 1', 'sw t4, 0(t3)',
  'addi t0, t0, 4', 'csrw mepc, t0', 'mret',
];

/** The program image and its data page: everything a run may have written. */
const everything = (p: AssembledProgram): MemRanges => [[p.base, p.end - p.base]];

const word = (m: GuestMachine, addr: number): number => m.program.env.memory.load32(addr) >>> 0;

/** A table of words (numbers or labels) at `label`. */
const table = (label: string, items: readonly (string | number)[]): string[] => [`${label}:`, ...items.map((i) => `.word ${i}`)];

describe('rollback at each fault kind, precise traps', () => {
  it('load access fault on the 12th iteration of a hot loop: exact mepc/mcause/mtval, state equals interp', () => {
    const N = 12;
    const p = assemble([
      ...PROLOGUE,
      'la s0, ptrs', 'li s1, 0', 'li s2, 0',
      'loop:', 'lw a0, 0(s0)', 'fault: lw a1, 0(a0)', 'add s2, s2, a1', 'addi s0, s0, 4', 'addi s1, s1, 1', 'j loop',
      ...RECORD_AND_EXIT,
      ...TOHOST,
      'record: .zero 12',
      ...Array.from({ length: N }, (_, i) => `v${i}: .word ${3 * i + 1}`),
      ...table('ptrs', [...Array.from({ length: N }, (_, i) => `v${i}`), HOLE]),
    ]);
    const { interp, t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    for (const r of [interp, t1, t2]) {
      expect(r.state.exitCode).toBe(N);
      expect(r.state.mepc).toBe(p.addr('fault'));
      expect(r.state.mcause).toBe(5);
      expect(r.state.mtval).toBe(HOLE);
      expect(r.state.x[18]).toBe(Array.from({ length: N }, (_, i) => 3 * i + 1).reduce((a, b) => a + b)); // s2
      expect([word(r.machine, p.addr('record')), word(r.machine, p.addr('record') + 4), word(r.machine, p.addr('record') + 8)])
        .toEqual([p.addr('fault'), 5, HOLE]);
    }
    for (const r of [t1, t2]) {
      expect(r.result.stats['exec.rollbackAccess']).toBeGreaterThanOrEqual(1);
      expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.5);
    }
    expect(interp.result.stats['exec.rollbackAccess']).toBe(0);
  });

  it('misaligned load and store in translated code: causes 4 and 6 with exact mtval, execution continues', () => {
    const N = 20;
    const loadPtrs = Array.from({ length: N }, (_, i) => (i === 10 ? 'lbuf+2' : 'lbuf'));
    const storePtrs = Array.from({ length: N }, (_, i) => (i === 14 ? 'sbuf+1' : 'sbuf'));
    const p = assemble([
      ...PROLOGUE,
      'la s0, lptrs', 'la s3, sptrs', 'li s1, 0', 'li s2, 0', `li s4, ${N}`,
      'loop:', 'lw a0, 0(s0)', 'lw a2, 0(s3)', 'lfault: lw a1, 0(a0)', 'add s2, s2, a1', 'sfault: sh s1, 0(a2)',
      'addi s0, s0, 4', 'addi s3, s3, 4', 'addi s1, s1, 1', 'bne s1, s4, loop',
      'la t0, count', 'lw t0, 0(t0)', ...exitWith('t0'),
      ...RECORD_AND_SKIP,
      ...TOHOST,
      'count: .word 0', 'log: .zero 36', 'lbuf: .word 0x01020304', 'sbuf: .word 0',
      ...table('lptrs', loadPtrs), ...table('sptrs', storePtrs),
    ]);
    const { interp, t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    const log = p.addr('log');
    for (const r of [interp, t1, t2]) {
      expect(r.state.exitCode).toBe(2);
      const entries = Array.from({ length: 6 }, (_, i) => word(r.machine, log + 4 * i));
      expect(entries).toEqual([p.addr('lfault'), 4, p.addr('lbuf') + 2, p.addr('sfault'), 6, p.addr('sbuf') + 1]);
      // 19 good loads of lbuf (the skipped one leaves a1 as it was: lbuf's value); the last
      // aligned halfword store wrote 19.
      expect(r.state.x[18]).toBe((0x01020304 * 20) | 0);
      expect(word(r.machine, p.addr('sbuf'))).toBe(19);
    }
    for (const r of [t1, t2]) expect(r.result.stats['exec.rollbackMisaligned']).toBeGreaterThanOrEqual(2);
  });

  it('store access fault: earlier stores of the same translation are visible, later ones are not', () => {
    const N = 9;
    const p = assemble(storeFaultProgram(N, (i) => (i === N ? HOLE : 'scratch')));
    const { interp, t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    const out = p.addr('out');
    for (const r of [interp, t1, t2]) {
      expect(r.state.exitCode).toBe(N);
      expect(r.state.mepc).toBe(p.addr('sfault'));
      expect(r.state.mcause).toBe(7);
      expect(r.state.mtval).toBe(HOLE);
      for (let i = 0; i < N; i++) {
        expect([word(r.machine, out + 12 * i), word(r.machine, out + 12 * i + 4), word(r.machine, out + 12 * i + 8)]).toEqual([i, 2 * i + 1, i ^ 0x55]);
      }
      // The faulting iteration: the two stores before the fault retired, the one after did not.
      expect([word(r.machine, out + 12 * N), word(r.machine, out + 12 * N + 4), word(r.machine, out + 12 * N + 8)]).toEqual([N, 2 * N + 1, 0]);
    }
    for (const r of [t1, t2]) expect(r.result.stats['exec.rollbackAccess']).toBeGreaterThanOrEqual(1);
  });

  it('device load in a hot loop: one device rollback, then the loop runs translated around the interpreted load', () => {
    const N = 400;
    const p = assemble([
      ...PROLOGUE,
      `li s3, ${MTIME}`, 'li s1, 0', 'li s2, 0', 'li s5, 0', 'li s6, 0', `li s4, ${N}`,
      'loop:', 'devload: lw t0, 0(s3)', 'sltu t1, t0, s5', 'add s6, s6, t1', 'mv s5, t0', // s6 counts mtime going backwards
      'addi s1, s1, 1', 'add s2, s2, s1', 'xor s7, s2, s1', 'slli s8, s7, 3', 'sub s8, s8, s1', 'add s9, s9, s8',
      'srli s10, s9, 2', 'or s11, s10, s1', 'bne s1, s4, loop',
      // The time values are the only timing-dependent state: clear them before comparing.
      'li t0, 0', 'li s5, 0', ...exitWith('s6'),
      'trap:', 'li t0, 99', ...exitWith('t0'),
      ...TOHOST,
    ]);
    const { t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    for (const r of [t1, t2]) {
      expect(r.state.exitCode).toBe(0);
      expect(r.state.x[18]).toBe((N * (N + 1)) / 2); // s2
      // The mtime load rolls back once, then stays in the interpreter (the final HTIF store
      // to tohost is a device access too, when its block gets translated).
      expect(r.faults.filter((f) => f.cause === 'device' && f.pc === p.addr('devload'))).toHaveLength(1);
      expect(r.result.stats['exec.rollbackDevice']).toBeGreaterThanOrEqual(1);
      expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.85);
      expect(r.result.stats['morph.interpretedInsns']).toBeGreaterThanOrEqual(N - 2);
    }
  });

  it('timer interrupts during translations: delivered at precise boundaries, the loop invariant holds', () => {
    const N = 30000;
    const DELTA = 2; // mtime ticks between interrupts
    const p = assemble([
      ...PROLOGUE,
      `li t0, ${MTIME}`, 'lw t1, 0(t0)', `addi t1, t1, ${DELTA}`, `li t0, ${MTIMECMP}`, 'sw t1, 0(t0)', 'sw zero, 4(t0)',
      'li t0, 0x80', 'csrw mie, t0',
      'li s1, 0', 'li s2, 0', `li s3, ${N}`,
      'csrrsi zero, mstatus, 8',
      // Invariant: s2 = T(s1) = s1(s1+1)/2 at L0, L2 and L3; at L1, s2 = T(s1 - 1).
      'L0: addi s1, s1, 1', 'L1: add s2, s2, s1', 'L2: bltu s1, s3, L0',
      'L3: csrrci zero, mstatus, 8',
      'la t0, errors', 'lw a0, 0(t0)', 'la t0, irqs', 'lw a1, 0(t0)', 'sltiu a1, a1, 1', 'add a0, a0, a1', // no interrupt at all is an error too
      ...exitWith('a0'),
      'trap:',
      'csrr t0, mcause', 'li t1, 0x80000007', 'bne t0, t1, bad',
      'csrr t0, mepc', 'la t1, L0', 'la t2, L3', 'bltu t0, t1, bad', 'bltu t2, t0, bad', 'andi t3, t0, 3', 'bne t3, zero, bad',
      'addi t3, s1, 1', 'la t1, L1', 'bne t0, t1, check', 'addi t3, s1, -1',
      'check:', 'mul t4, s1, t3', 'srli t4, t4, 1', 'beq t4, s2, good',
      'bad:', 'la t5, errors', 'lw t6, 0(t5)', 'addi t6, t6, 1', 'sw t6, 0(t5)',
      'good:', 'la t5, irqs', 'lw t6, 0(t5)', 'addi t6, t6, 1', 'sw t6, 0(t5)',
      `li t0, ${MTIME}`, 'lw t1, 0(t0)', `addi t1, t1, ${DELTA}`, `li t0, ${MTIMECMP}`, 'sw t1, 0(t0)',
      'mret',
      ...TOHOST,
      'errors: .word 0', 'irqs: .word 0',
    ]);
    // An independent check at each delivery, from outside the guest: the state the handler
    // sees must be one the interpreter passes through.
    const deliveries: { mepc: number; ok: boolean }[] = [];
    const observe = (m: GuestMachine): void => {
      m.interp.onInterrupt = () => {
        const h = m.hart;
        const s1 = h.x[9]! >>> 0, s2 = h.x[18]! >>> 0, mepc = h.mepc >>> 0;
        const k = mepc === p.addr('L1') ? s1 - 1 : s1;
        const inLoop = mepc >= p.addr('L0') && mepc <= p.addr('L3');
        deliveries.push({ mepc, ok: (mepc & 3) === 0 && (!inLoop || s2 === (k * (k + 1)) / 2) });
      };
    };
    const interp = runGuest(p.image, { 'run.mode': 'interp' }, { setup: observe });
    const nInterp = deliveries.length;
    const t1 = runGuest(p.image, TRANSLATE_T1, { setup: observe });
    expect(nInterp).toBeGreaterThan(0);
    expect(deliveries.length).toBeGreaterThan(nInterp);
    expect(deliveries.every((d) => d.ok)).toBe(true);
    // Timing-independent results: both exit cleanly with the same loop state.
    for (const r of [interp, t1]) {
      expect(r.state.exitCode).toBe(0);
      expect(r.state.x[9]).toBe(N);
      expect(r.state.x[18]).toBe((N * (N + 1)) / 2);
      expect(word(r.machine, p.addr('irqs'))).toBeGreaterThan(0);
    }
    expect(t1.state.mstatus).toBe(interp.state.mstatus);
    expect(t1.state.mcause).toBe(interp.state.mcause);
    expect(t1.result.stats['exec.rollbackInterrupt']).toBeGreaterThanOrEqual(1);
    expect(t1.result.stats['morph.interrupts']).toBe(word(t1.machine, p.addr('irqs')));
    expect(t1.result.stats['morph.translatedFraction']).toBeGreaterThan(0.5);
    // Determinism with interrupts: a second run takes the same interrupts at the same cycles.
    const again = runGuest(p.image, TRANSLATE_T1);
    expect(again.result.cycles).toBe(t1.result.cycles);
    expect(again.result.breakdown).toEqual(t1.result.breakdown);
    expect(again.result.stats).toEqual(t1.result.stats);
  });

  it('store buffer capacity: commits inserted by the lowering keep an 11-store region translated; a fault after one resumes exactly', () => {
    const N = 12;
    const cfg = { 'vliw.storeBuffer': 4 };
    const p = assemble(storeBufferProgram(N, (i) => (i === N - 1 ? HOLE : 'scratch')));
    const { interp, t1, t2 } = expectSameAsInterp(p.image, cfg, { mem: everything(p) });
    const out = p.addr('out');
    for (const r of [interp, t1, t2]) {
      expect(r.state.exitCode).toBe(N - 1);
      expect(r.state.mepc).toBe(p.addr('sfault'));
      expect(r.state.mcause).toBe(7);
      // Iteration N-1 faults at its 7th store: stores 1..6 are in memory, 8..11 are not.
      const i = N - 1;
      const got = Array.from({ length: 10 }, (_, k) => word(r.machine, out + 40 * i + 4 * k));
      expect(got).toEqual([i, i, 3 * (i + 1), 3 * (i + 1), 3 * (i + 1), 5 * (i + 1), 0, 0, 0, 0]);
    }
    for (const r of [t1, t2]) {
      expect(r.result.stats['exec.rollbackOverflow']).toBe(0);
      expect(r.result.stats['exec.sbPeak']).toBeLessThanOrEqual(4);
      expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.7);
      expect(r.result.stats['exec.rollbackAccess']).toBeGreaterThanOrEqual(1);
      // The mechanism under test: the access fault came after an interior commit, so
      // recovery resumed from that commit's guest pc, not from the translation's entry.
      const access = r.faults.filter((f) => f.cause === 'access');
      expect(access.length).toBeGreaterThanOrEqual(1);
      for (const f of access) expect([f.pc, f.addr, f.commitPc]).toEqual([p.addr('sfault'), HOLE, p.addr('commit_here')]);
    }
  });

  it('jalr to a misaligned target inside translated code: mcause 0, mtval = target, rd not written, mepc = the jalr', () => {
    const N = 15;
    const p = assemble(jalrProgram(N, (i) => (i === N ? 'func+2' : 'func')));
    const { interp, t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    for (const r of [interp, t1, t2]) {
      expect(r.state.exitCode).toBe(N);
      expect(r.state.mepc).toBe(p.addr('jr'));
      expect(r.state.mcause).toBe(0);
      expect(r.state.mtval).toBe(p.addr('func') + 2);
      expect(r.state.x[15]).toBe(1000 + N); // a5: set just before the jalr, not overwritten by it
      expect(r.state.x[18]).toBe(N); // s2: func ran N times
    }
    for (const r of [t1, t2]) expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.5);
  });
});

/** Three stores per iteration to out[3i..3i+2], and between the 2nd and 3rd one through ptrs[i] (bad for iteration n). */
function storeFaultProgram(n: number, ptr: (i: number) => string | number): string[] {
  return [
    ...PROLOGUE,
    'la s0, ptrs', 'la s3, out', 'li s1, 0',
    'loop:', 'lw a0, 0(s0)', 'addi s2, s1, 0', 'slli s2, s2, 1', 'addi s2, s2, 1', 'xori s4, s1, 0x55',
    'sw s1, 0(s3)', 'sw s2, 4(s3)', 'sfault: sw s1, 0(a0)', 'sw s4, 8(s3)',
    'addi s3, s3, 12', 'addi s0, s0, 4', 'addi s1, s1, 1', 'j loop',
    ...RECORD_AND_EXIT,
    ...TOHOST,
    'record: .zero 12', 'scratch: .word 0',
    'ptrs:', ...Array.from({ length: n + 1 }, (_, i) => `.word ${ptr(i)}`),
    'out:', `.zero ${12 * (n + 1)}`,
  ];
}

/** Eleven stores per iteration; with a 4-entry store buffer the lowering commits before the 5th and the 9th. */
function storeBufferProgram(n: number, ptr: (i: number) => string | number): string[] {
  return [
    ...PROLOGUE,
    'la s0, ptrs', 'la s3, out', 'li s1, 0', 'li s4, 0', 'li s5, 0', `li s6, ${n}`,
    'loop:', 'lw a0, 0(s0)',
    'sw s1, 0(s3)', 'sw s1, 4(s3)', 'addi s4, s4, 3', 'sw s4, 8(s3)', 'sw s4, 12(s3)',
    'commit_here: sw s4, 16(s3)', 'addi s5, s5, 5', 'sw s5, 20(s3)', 'sfault: sw s1, 0(a0)',
    'sw s1, 24(s3)', 'sw s1, 28(s3)', 'sw s1, 32(s3)', 'sw s1, 36(s3)',
    'addi s3, s3, 40', 'addi s0, s0, 4', 'addi s1, s1, 1', 'bne s1, s6, loop',
    'li t0, 255', ...exitWith('t0'),
    ...RECORD_AND_EXIT,
    ...TOHOST,
    'record: .zero 12', 'scratch: .word 0',
    'ptrs:', ...Array.from({ length: n }, (_, i) => `.word ${ptr(i)}`),
    'out:', `.zero ${40 * n}`,
  ];
}

/** Calls func through `jalr a5` with the target from a table; the entry for iteration n is misaligned. */
function jalrProgram(n: number, target: (i: number) => string): string[] {
  return [
    ...PROLOGUE,
    'la s0, targets', 'li s1, 0', 'li s2, 0',
    'loop:', 'lw a0, 0(s0)', 'addi s0, s0, 4', 'addi a5, s1, 1000', 'jr: jalr a5, 0(a0)',
    'addi s1, s1, 1', 'j loop',
    'func: addi s2, s2, 1', 'nop', 'jalr zero, 0(a5)',
    ...RECORD_AND_EXIT,
    ...TOHOST,
    'record: .zero 12',
    'targets:', ...Array.from({ length: n + 1 }, (_, i) => `.word ${target(i)}`),
  ];
}
