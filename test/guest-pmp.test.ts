// Physical memory protection against the privileged spec ("Physical Memory Protection"):
// address matching (TOR, NA4, NAPOT), priority, partial matches, locking, the U-mode
// no-match rule and WARL legalization on the Pmp itself; then access faults with exact
// mcause/mtval from guest programs, identical under translation (which must fall back to
// the interpreter while PMP may deny an access).
import { describe, expect, it } from 'vitest';
import { Hart, PRIV_M, PRIV_U } from '../isa-guest/hart.ts';
import { readCsr, CSR, pmpTransparent } from '../isa-guest/csr.ts';
import { Pmp, PMP_L, PMP_R, PMP_W, PMP_X, PmpA, PMP_A_SHIFT } from '../isa-guest/pmp.ts';
import type { GuestMachine } from '../morph/machine.ts';
import { assemble, exitWith, TOHOST } from './helpers/guest-asm-program.ts';
import { expectSameAsInterp, runGuest, TRANSLATE_T1 } from './helpers/guest-asm-run.ts';

const TOR = PmpA.tor << PMP_A_SHIFT;
const NA4 = PmpA.na4 << PMP_A_SHIFT;
const NAPOT = PmpA.napot << PMP_A_SHIFT;
const RWX = PMP_R | PMP_W | PMP_X;
/** pmpaddr of a NAPOT region of `size` bytes (a power of two ≥ 8) at `base` (size-aligned). */
const napot = (base: number, size: number): number => ((base >>> 2) | (size / 8 - 1)) >>> 0;

/** A Pmp with entry i set to cfgs[i] (as bytes of pmpcfg0..3) over addrs[i]. */
function pmpWith(entries: readonly (readonly [cfg: number, addr: number])[]): Pmp {
  const p = new Pmp();
  entries.forEach(([, a], i) => p.writeAddr(i, a));
  for (let n = 0; n < 4; n++) {
    let v = 0;
    for (let k = 0; k < 4; k++) v |= (entries[4 * n + k]?.[0] ?? 0) << (8 * k);
    p.writeCfg(n, v);
  }
  return p;
}

describe('Pmp: matching', () => {
  it('NAPOT: a 4 KiB region, both ends exact', () => {
    const p = pmpWith([[NAPOT | PMP_R, napot(0x80001000, 0x1000)]]);
    expect(p.check(0x80001000, 4, 'r', PRIV_U)).toBe(true);
    expect(p.check(0x80001ffc, 4, 'r', PRIV_U)).toBe(true);
    expect(p.check(0x80001ffc, 4, 'w', PRIV_U)).toBe(false);
    expect(p.check(0x80000ffc, 4, 'r', PRIV_U)).toBe(false); // below: no match, U fails
    expect(p.check(0x80002000, 1, 'r', PRIV_U)).toBe(false); // just past the end
    expect(p.check(0x80002000, 1, 'r', PRIV_M)).toBe(true); // no match: M succeeds
  });

  it('NAPOT: pmpaddr all ones and 0x7fffffff both cover the whole 32-bit space', () => {
    for (const a of [0xffffffff, 0x7fffffff, 0x3fffffff]) {
      const p = pmpWith([[NAPOT | PMP_X, a]]);
      expect(p.check(0, 4, 'x', PRIV_U), a.toString(16)).toBe(true);
      expect(p.check(0xfffffffc, 4, 'x', PRIV_U), a.toString(16)).toBe(true);
      expect(p.check(0x40000000, 4, 'r', PRIV_U), a.toString(16)).toBe(false);
    }
    // 0x0fffffff (28 trailing ones): 2^31 bytes at 0, so the upper half matches nothing.
    const half = pmpWith([[NAPOT | RWX, 0x0fffffff]]);
    expect(half.check(0x7ffffffc, 4, 'r', PRIV_U)).toBe(true);
    expect(half.check(0x80000000, 4, 'r', PRIV_U)).toBe(false);
  });

  it('NA4: exactly four bytes', () => {
    const p = pmpWith([[NA4 | PMP_W | PMP_R, 0x80000010 >>> 2]]);
    expect(p.check(0x80000010, 4, 'w', PRIV_U)).toBe(true);
    expect(p.check(0x80000013, 1, 'w', PRIV_U)).toBe(true);
    expect(p.check(0x8000000c, 4, 'w', PRIV_U)).toBe(false);
    expect(p.check(0x80000014, 4, 'w', PRIV_U)).toBe(false);
  });

  it('TOR: [pmpaddr(i-1), pmpaddr(i)) × 4; entry 0 starts at 0; an empty range matches nothing', () => {
    const p = pmpWith([[TOR | PMP_R, 0x1000 >>> 2], [0, 0x2000 >>> 2], [TOR | PMP_W | PMP_R, 0x3000 >>> 2]]);
    expect(p.check(0, 4, 'r', PRIV_U)).toBe(true);
    expect(p.check(0xffc, 4, 'r', PRIV_U)).toBe(true);
    expect(p.check(0x1000, 4, 'r', PRIV_U)).toBe(false); // entry 1 is OFF: gap
    expect(p.check(0x1ffc, 4, 'r', PRIV_U)).toBe(false);
    expect(p.check(0x2000, 4, 'w', PRIV_U)).toBe(true); // entry 2 from pmpaddr1
    expect(p.check(0x2ffc, 4, 'w', PRIV_U)).toBe(true);
    expect(p.check(0x3000, 4, 'w', PRIV_U)).toBe(false);
    const empty = pmpWith([[0, 0x2000 >>> 2], [TOR | RWX, 0x1000 >>> 2]]);
    expect(empty.check(0x1800, 4, 'r', PRIV_U)).toBe(false);
    expect(empty.transparent(PRIV_U)).toBe(false);
  });

  it('the lowest-numbered matching entry decides', () => {
    const guarded = 0x80004000;
    const p = pmpWith([[NAPOT | PMP_R, napot(guarded, 0x1000)], [NAPOT | RWX, 0xffffffff]]);
    expect(p.check(guarded + 8, 4, 'w', PRIV_U)).toBe(false); // entry 0 wins over entry 1
    expect(p.check(guarded + 8, 4, 'r', PRIV_U)).toBe(true);
    expect(p.check(guarded + 8, 4, 'x', PRIV_U)).toBe(false);
    expect(p.check(guarded + 0x1000, 4, 'w', PRIV_U)).toBe(true); // only entry 1 matches
    // The other way round, the all-matching entry shadows the small one.
    const q = pmpWith([[NAPOT | RWX, 0xffffffff], [NAPOT | PMP_R, napot(guarded, 0x1000)]]);
    expect(q.check(guarded + 8, 4, 'w', PRIV_U)).toBe(true);
  });

  it('an access that only partly matches the deciding entry fails, whatever both allow', () => {
    const p = pmpWith([[NA4 | RWX, 0x80000010 >>> 2], [NAPOT | RWX, 0xffffffff]]);
    expect(p.check(0x8000000e, 4, 'r', PRIV_U)).toBe(false);
    expect(p.check(0x80000012, 4, 'r', PRIV_U)).toBe(false);
    expect(p.check(0x80000012, 4, 'r', PRIV_M)).toBe(false); // also in M-mode
    expect(p.check(0x80000010, 4, 'r', PRIV_U)).toBe(true);
  });

  it('U-mode accesses matching no entry fail; M-mode ones succeed; reset state is all OFF', () => {
    const p = new Pmp();
    for (const k of ['r', 'w', 'x'] as const) {
      expect(p.check(0x80000000, 4, k, PRIV_U)).toBe(false);
      expect(p.check(0x80000000, 4, k, PRIV_M)).toBe(true);
    }
    expect([0, 1, 2, 3].map((n) => p.readCfg(n))).toEqual([0, 0, 0, 0]);
  });
});

describe('Pmp: locking and M-mode', () => {
  it('M-mode ignores unlocked entries and obeys locked ones', () => {
    const unlocked = pmpWith([[NA4, 0x80000010 >>> 2]]);
    expect(unlocked.check(0x80000010, 4, 'w', PRIV_M)).toBe(true);
    expect(unlocked.check(0x80000010, 4, 'w', PRIV_U)).toBe(false);
    const locked = pmpWith([[PMP_L | NA4 | PMP_R, 0x80000010 >>> 2]]);
    expect(locked.check(0x80000010, 4, 'r', PRIV_M)).toBe(true);
    expect(locked.check(0x80000010, 4, 'w', PRIV_M)).toBe(false);
    expect(locked.check(0x80000010, 4, 'x', PRIV_M)).toBe(false);
    expect(locked.check(0x80000014, 4, 'w', PRIV_M)).toBe(true); // no match
    // An unlocked entry that matches first lets M-mode through a later locked one.
    const shadowed = pmpWith([[NAPOT, 0xffffffff], [PMP_L | NA4, 0x80000010 >>> 2]]);
    expect(shadowed.check(0x80000010, 4, 'w', PRIV_M)).toBe(true);
  });

  it('a locked entry ignores writes to its cfg byte and pmpaddr; its neighbours stay writable', () => {
    const p = pmpWith([[PMP_L | NA4 | PMP_R, 0x1234]]);
    p.writeCfg(0, 0x1f1f1f1f);
    expect(p.readCfg(0) >>> 0).toBe(0x1f1f1f91);
    p.writeAddr(0, 0);
    expect(p.readAddr(0)).toBe(0x1234);
    p.writeAddr(1, 0x5678);
    expect(p.readAddr(1)).toBe(0x5678);
  });

  it('a locked TOR entry also locks the pmpaddr below it (its lower bound); a locked NAPOT one does not', () => {
    const p = pmpWith([[0, 0x100], [PMP_L | TOR | PMP_R, 0x200], [0, 0x300], [PMP_L | NAPOT | PMP_R, 0x3ff]]);
    p.writeAddr(0, 0x999);
    expect(p.readAddr(0)).toBe(0x100);
    p.writeAddr(2, 0x777);
    expect(p.readAddr(2)).toBe(0x777);
    expect(p.check(0x400, 4, 'r', PRIV_M)).toBe(true);
    expect(p.check(0x400, 4, 'w', PRIV_M)).toBe(false);
  });
});

describe('Pmp: WARL', () => {
  it('R = 0 with W = 1 is reserved and reads back with W cleared; bits 6:5 read as zero', () => {
    const p = new Pmp();
    p.writeCfg(1, (NAPOT | PMP_W) | ((NA4 | PMP_W | PMP_X) << 8) | ((0x60 | RWX) << 16) | ((PMP_R | PMP_W) << 24));
    expect(p.readCfg(1) >>> 0).toBe(((NAPOT) | ((NA4 | PMP_X) << 8) | (RWX << 16) | ((PMP_R | PMP_W) << 24)) >>> 0);
  });

  it('pmpaddr keeps all 32 bits (G = 0): -1 reads back as -1, as rv32mi-p-pmpaddr requires', () => {
    const p = new Pmp();
    p.writeAddr(5, -1);
    expect(p.readAddr(5)).toBe(-1);
  });

  it('the CSRs reach the hart state through the CSR table', () => {
    const h = new Hart();
    h.pmp.writeAddr(15, 0xabc);
    h.pmp.writeCfg(3, 0x19 << 24);
    const env = { clock: { cycles: 0 } } as never;
    expect(readCsr(h, env, CSR.pmpaddr15)).toBe(0xabc);
    expect(readCsr(h, env, CSR.pmpcfg3)! >>> 0).toBe(0x19000000);
  });
});

describe('Pmp: transparency', () => {
  it('is exactly when nothing can be denied at that privilege', () => {
    expect(new Pmp().transparent(PRIV_M)).toBe(true);
    expect(new Pmp().transparent(PRIV_U)).toBe(false); // no entry matches: U fails
    const open = pmpWith([[NAPOT | RWX, 0xffffffff], [PMP_L | NA4, 0x100]]);
    expect(open.transparent(PRIV_U)).toBe(true); // entry 0 shadows the rest
    expect(open.transparent(PRIV_M)).toBe(true);
    const allowedPart = pmpWith([[NA4 | RWX, 0x100], [NAPOT | RWX, 0xffffffff]]);
    expect(allowedPart.transparent(PRIV_U)).toBe(true);
    const guarded = pmpWith([[NAPOT | PMP_R, napot(0x80001000, 0x1000)], [NAPOT | RWX, 0xffffffff]]);
    expect(guarded.transparent(PRIV_U)).toBe(false);
    expect(guarded.transparent(PRIV_M)).toBe(true); // unlocked entries do not bind M
    const locked = pmpWith([[PMP_L | NA4 | PMP_R, 0x100]]);
    expect(locked.transparent(PRIV_M)).toBe(false);
    expect(pmpWith([[NAPOT | RWX, 0x0fffffff]]).transparent(PRIV_U)).toBe(false); // half the space
  });

  it('pmpTransparent applies MPRV: M-mode loads and stores checked as MPP', () => {
    const h = new Hart();
    expect(pmpTransparent(h)).toBe(true);
    h.mstatus = 1 << 17; // MPRV, MPP = U
    expect(pmpTransparent(h)).toBe(false);
    h.mstatus = (1 << 17) | (3 << 11); // MPP = M
    expect(pmpTransparent(h)).toBe(true);
    h.priv = PRIV_U;
    h.mstatus = 0;
    expect(pmpTransparent(h)).toBe(false);
    h.pmp.writeAddr(0, -1);
    h.pmp.writeCfg(0, NAPOT | RWX);
    expect(pmpTransparent(h)).toBe(true);
  });
});

// ---- guest programs -----------------------------------------------------------------------

const word = (m: GuestMachine, a: number): number => m.program.env.memory.load32(a) >>> 0;

/**
 * M-mode trap handler: append (mcause, mtval) to the log at s10; on ecall (from U or M) exit
 * with code 0; on an instruction access fault return to ra (the faulting call's caller);
 * otherwise skip the faulting instruction.
 */
const HANDLER = [
  'trap:',
  'csrr s8, mcause', 'csrr s9, mtval', 'sw s8, 0(s10)', 'sw s9, 4(s10)', 'addi s10, s10, 8',
  'li s7, 8', 'beq s8, s7, done', 'li s7, 11', 'beq s8, s7, done',
  'li s7, 1', 'beq s8, s7, fetchfault',
  'csrr s7, mepc', 'addi s7, s7, 4', 'csrw mepc, s7', 'mret',
  'fetchfault:', 'csrw mepc, ra', 'mret',
  'done:', ...exitWith('zero'),
];

describe('PMP in guest programs: exact faults, the same under translation', () => {
  it('U-mode: load allowed, store and fetch denied by a read-only NAPOT page in front of an all-RWX entry', () => {
    const p = assemble([
      '_start:',
      'la t0, trap', 'csrw mtvec, t0', 'la s10, log',
      'la t0, guarded', 'srli t0, t0, 2', 'ori t0, t0, 0x1ff', 'csrw pmpaddr0, t0', // 4 KiB NAPOT
      'li t0, -1', 'csrw pmpaddr1, t0',
      `li t0, ${(NAPOT | PMP_R) | ((NAPOT | RWX) << 8)}`, 'csrw pmpcfg0, t0',
      'la t0, user', 'csrw mepc, t0', 'mret', // MPP = U at reset
      'user:',
      'la s0, guarded', 'li s1, 3',
      'loop:', 'lw a0, 0(s0)', 'sfault: sw s1, 8(s0)', 'addi s1, s1, -1', 'bne s1, zero, loop',
      'jal ra, gcode',
      'la s2, open', 'sw s0, 0(s2)', 'lw a2, 0(s2)',
      'ecall',
      ...HANDLER,
      '.align 4096',
      'guarded: .word 0x12345678, 0, 0, 0',
      'gcode: addi a1, zero, 1', 'ret',
      '.align 4096',
      'open: .word 0',
      'log: .zero 64',
      ...TOHOST,
    ]);
    const g = p.addr('guarded');
    const { interp, t1 } = expectSameAsInterp(p.image, {}, { mem: [[g, 16], [p.addr('open'), 4 + 64]] });
    for (const r of [interp, t1]) {
      expect(r.state.exitCode).toBe(0);
      const log = Array.from({ length: 10 }, (_, i) => word(r.machine, p.addr('log') + 4 * i));
      expect(log).toEqual([7, g + 8, 7, g + 8, 7, g + 8, 1, p.addr('gcode'), 8, 0]);
      expect(r.state.x[10]! >>> 0).toBe(0x12345678); // a0: the load went through
      expect(r.state.x[11]).toBe(0); // a1: gcode never ran
      expect(r.state.x[12]! >>> 0).toBe(g); // a2: the store outside the page went through
      expect(word(r.machine, g + 8)).toBe(0); // no denied store reached memory
    }
  });

  it('M-mode: a locked NA4 entry binds M-mode; MPRV checks M-mode loads and stores as U', () => {
    const p = assemble([
      '_start:',
      'la t0, trap', 'csrw mtvec, t0', 'la s10, log', 'la s0, word',
      'srli t0, s0, 2', 'csrw pmpaddr0, t0',
      `li t0, ${PMP_L | NA4 | PMP_R}`, 'csrw pmpcfg0, t0',
      'lw a0, 0(s0)', // allowed: R
      'f1: sw a0, 0(s0)', // denied even in M-mode: locked without W
      `li t0, ${NAPOT | RWX}`, 'csrw pmpcfg0, t0', 'csrr a1, pmpcfg0', // ignored: locked
      'csrw pmpaddr0, zero', 'csrr a2, pmpaddr0', // ignored: locked
      'sw a0, 4(s0)', // no entry matches: M-mode succeeds
      'li t0, -1', 'csrw pmpaddr1, t0',
      `li t0, ${((NAPOT | PMP_R | PMP_X) << 8) | 0xff}`, 'csrw pmpcfg0, t0', 'csrr a3, pmpcfg0', // entry 1 only
      'li t1, 0x20000', 'csrrs zero, mstatus, t1', // MPRV, MPP = U (the last mret left U there)
      'f2: sw a0, 8(s0)', // checked as U: entry 1 has no W
      'lw a4, 8(s0)', // checked as U: R
      'csrrc zero, mstatus, t1',
      'sw a0, 12(s0)', // M-mode again: entry 1 is unlocked
      'ecall',
      ...HANDLER,
      '.align 4096',
      'word: .word 0xcafe0001, 0, 0x5a5a5a5a, 0',
      'log: .zero 64',
      ...TOHOST,
    ]);
    const w = p.addr('word');
    const { interp, t1 } = expectSameAsInterp(p.image, {}, { mem: [[w, 16 + 64]] });
    for (const r of [interp, t1]) {
      expect(r.state.exitCode).toBe(0);
      const log = Array.from({ length: 6 }, (_, i) => word(r.machine, p.addr('log') + 4 * i));
      expect(log).toEqual([7, w, 7, w + 8, 11, 0]);
      expect(r.state.x[11]! >>> 0).toBe(PMP_L | NA4 | PMP_R); // a1
      expect(r.state.x[12]! >>> 0).toBe(w >>> 2); // a2
      expect(r.state.x[13]! >>> 0).toBe(((NAPOT | PMP_R | PMP_X) << 8) | PMP_L | NA4 | PMP_R); // a3
      expect(r.state.x[14]! >>> 0).toBe(0x5a5a5a5a); // a4
      expect([0, 4, 8, 12].map((o) => word(r.machine, w + o))).toEqual([0xcafe0001, 0xcafe0001, 0x5a5a5a5a, 0xcafe0001]);
    }
  });

  it('translations run in U-mode while PMP is open over everything, and not while it guards a page', () => {
    const program = (cfg0: number) => assemble([
      '_start:',
      'la t0, trap', 'csrw mtvec, t0', 'la s10, log',
      'li t0, -1', 'csrw pmpaddr0, t0', `li t0, ${cfg0}`, 'csrw pmpcfg0, t0',
      'la t0, user', 'csrw mepc, t0', 'mret',
      'user:', 'li s1, 2000', 'li a0, 0',
      'loop:', 'add a0, a0, s1', 'addi s1, s1, -1', 'bne s1, zero, loop',
      'ecall',
      ...HANDLER,
      'log: .zero 16',
      ...TOHOST,
    ]);
    const open = runGuest(program(NAPOT | RWX).image, TRANSLATE_T1);
    const closed = runGuest(program(NAPOT | PMP_R | PMP_X).image, TRANSLATE_T1); // no W: may deny
    for (const r of [open, closed]) {
      expect(r.state.exitCode).toBe(0);
      expect(r.state.x[10]).toBe((2000 * 2001) / 2);
    }
    expect(open.machine.runtime!.c.translatedInsns).toBeGreaterThan(5000);
    expect(closed.machine.runtime!.c.translatedInsns).toBeLessThan(100); // only M-mode code: before mret, the handler
  });
});
