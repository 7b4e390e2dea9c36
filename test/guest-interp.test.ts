// The reference interpreter against hand-computed results and the privileged spec: every
// instruction class, x0, traps with exact mepc/mcause/mtval, CSR rules, M/U privilege,
// interrupts (direct and vectored), wfi, self-modifying code, runBlock and the commit log.
import { describe, expect, it } from 'vitest';
import { MorphsimError } from '../core/errors.ts';
import { CSR, MISA, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, readCsr } from '../isa-guest/csr.ts';
import { asm, asmLines } from '../isa-guest/encode.ts';
import type { GuestEnv, GuestRegs } from '../isa-guest/env.ts';
import { Hart } from '../isa-guest/hart.ts';
import { Interpreter, type InterpOptions } from '../isa-guest/interp.ts';
import { Memory } from '../isa-guest/memory.ts';
import { PMP_A, PMP_R, PMP_W, PMP_X } from '../isa-guest/pmp.ts';
import { Cause, interruptCause, Irq } from '../isa-guest/trap.ts';

const BASE = 0x80000000;
const DATA = 0x80010000;
/** Where traps go in these tests (unless a test sets mtvec itself). */
const TRAP = 0x80008000;
/** pmpcfg entry: NAPOT (A = 3), R, W, X. */
const PMP_NAPOT_RWX = PMP_A | PMP_R | PMP_W | PMP_X;

/** A minimal platform: RAM, an optional syscall handler, and interrupt lines a test drives. */
class TestEnv implements GuestEnv {
  readonly name = 'machine' as const;
  readonly memory = new Memory();
  readonly clock = { cycles: 0 };
  exitCode: number | undefined = undefined;
  pending = 0;
  /** Cycle at which `pending` becomes `futurePending` (a fake timer). */
  eventAt = Infinity;
  futurePending = 0;
  time = 0;
  syscall: ((regs: GuestRegs) => boolean) | undefined;
  constructor() {
    this.memory.mapRam(BASE, 0x20000);
  }
  ecall(regs: GuestRegs): boolean { return this.syscall?.(regs) ?? false; }
  pendingInterrupts(): number {
    if (this.clock.cycles >= this.eventAt) { this.pending |= this.futurePending; this.eventAt = Infinity; }
    return this.pending;
  }
  nextEventCycle(): number { return this.pending !== 0 ? this.clock.cycles : this.eventAt; }
  readTime(): number { return this.time; }
}

interface Setup { env: TestEnv; hart: Hart; interp: Interpreter; end: number }

function load(env: TestEnv, at: number, program: string | number[]): number {
  const words = typeof program === 'string' ? asmLines(program) : program;
  words.forEach((w, i) => env.memory.store32(at + 4 * i, w));
  return at + 4 * words.length;
}

function setup(program: string | number[], opts: Partial<InterpOptions> = {}): Setup {
  const env = new TestEnv();
  const end = load(env, BASE, program);
  load(env, TRAP, 'jal zero, 0'); // the default handler spins
  const hart = new Hart();
  hart.pc = BASE;
  hart.mtvec = TRAP;
  // Open PMP entry 0 over all memory, as reset firmware does, so U-mode code may run.
  hart.pmp.writeAddr(0, -1);
  hart.pmp.writeCfg(0, PMP_NAPOT_RWX);
  const interp = new Interpreter(hart, env, { cyclesPerInsn: 1, ...opts });
  return { env, hart, interp, end };
}

/** Step until pc reaches `end` or the trap vector (bounded). */
function runTo(s: Setup, end = s.end, trapStops = true): void {
  for (let i = 0; i < 10_000; i++) {
    if (s.hart.pc === end >>> 0) return;
    if (trapStops && s.hart.pc === (s.hart.mtvec & ~3) >>> 0 && i > 0) return;
    s.interp.step();
  }
  throw new Error(`did not reach 0x${end.toString(16)}; pc=0x${s.hart.pc.toString(16)}`);
}

/** Run a program and return its registers (by ABI name lookup through x[]). */
function exec(program: string, init: Record<number, number> = {}): Setup {
  const s = setup(program);
  for (const [r, v] of Object.entries(init)) s.hart.x[Number(r)] = v;
  runTo(s);
  expect(s.hart.pc, 'program trapped').toBe(s.end >>> 0);
  return s;
}

const A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, T0 = 5, T1 = 6, SP = 2, RA = 1;
const INT_MIN = -0x80000000;

describe('integer instructions', () => {
  it('computes register-immediate and register-register ALU results', () => {
    const s = exec(`
      addi a0, zero, -5
      slti a1, a0, -4
      sltiu a2, a0, 3
      xori a3, a0, -1
      ori a4, zero, 0x7ff
      andi a5, a0, 0xf0
      slli a6, a0, 28
      srli a7, a0, 28
      srai s2, a0, 1
      sub s3, zero, a0
      sll s4, a0, a0
      sra s5, a0, a0
      sltu s6, zero, a0
    `);
    const x = s.hart.x;
    expect(x[A0]).toBe(-5);
    expect(x[A1]).toBe(1); // -5 < -4
    expect(x[A2]).toBe(0); // 0xfffffffb < 3 unsigned: no
    expect(x[A3]).toBe(4); // ~(-5)
    expect(x[A4]).toBe(0x7ff);
    expect(x[15]).toBe(0xf0); // 0xfffffffb & 0xf0
    expect(x[16]).toBe(0xb0000000 | 0); // 0xb << 28
    expect(x[17]).toBe(0xf);
    expect(x[18]).toBe(-3); // -5 >> 1 (arithmetic)
    expect(x[19]).toBe(5);
    expect(x[20]).toBe(0xd8000000 | 0); // -5 << (0xfffffffb & 31 = 27)
    expect(x[21]).toBe(-1);
    expect(x[22]).toBe(1);
  });

  it('implements lui and auipc with the immediate already shifted', () => {
    const s = exec(`
      lui a0, 0x12345
      auipc a1, 0x1
      auipc a2, 0xfffff
    `);
    expect(s.hart.x[A0]).toBe(0x12345000);
    expect(s.hart.x[A1] >>> 0).toBe(BASE + 4 + 0x1000);
    expect(s.hart.x[A2] >>> 0).toBe(BASE + 8 - 0x1000);
  });

  it('multiplies and divides (M), including division by zero and overflow', () => {
    const s = exec(`
      mulh a2, a0, a1
      mulhu a3, a0, a1
      mulhsu a4, a0, a1
      div a5, a0, zero
      divu a6, a0, zero
      rem a7, a0, zero
      remu s2, a0, zero
      div s3, t0, t1
      rem s4, t0, t1
      divu s5, t0, t1
      remu s6, t0, t1
      mul s7, a0, a1
    `, { [A0]: -2, [A1]: 3, [T0]: INT_MIN, [T1]: -1 });
    const x = s.hart.x;
    expect(x[A2]).toBe(-1); // -6: high word all ones
    expect(x[A3]).toBe(2); // 0xfffffffe * 3 = 0x2_fffffffa
    expect(x[A4]).toBe(-1); // -2 * 3 signed x unsigned = -6
    expect(x[15]).toBe(-1); // div by zero: all ones
    expect(x[16]).toBe(-1);
    expect(x[17]).toBe(-2); // rem by zero: the dividend
    expect(x[18]).toBe(-2);
    expect(x[19]).toBe(INT_MIN); // INT_MIN / -1 overflows
    expect(x[20]).toBe(0);
    expect(x[21]).toBe(0); // 0x80000000 / 0xffffffff
    expect(x[22]).toBe(INT_MIN);
    expect(x[23]).toBe(-6);
  });

  it('never writes x0, whatever writes it', () => {
    const s = exec(`
      addi zero, zero, 5
      lui zero, 0x1
      jal zero, 4
      lw zero, 0(t0)
      csrrw zero, mscratch, t1
      csrrs zero, mscratch, zero
      add a0, zero, zero
    `, { [T0]: DATA, [T1]: 77 });
    expect(s.hart.x[0]).toBe(0);
    expect(s.hart.x[A0]).toBe(0);
    expect(s.hart.mscratch).toBe(77);
  });
});

describe('loads and stores', () => {
  it('sign- and zero-extends bytes and halfwords, little-endian', () => {
    const s = setup(`
      lb a0, 0(t0)
      lbu a1, 0(t0)
      lh a2, 0(t0)
      lhu a3, 0(t0)
      lw a4, 0(t0)
      lb a5, 3(t0)
      lh a6, 2(t0)
    `);
    s.env.memory.store32(DATA, 0x7f3480f0);
    s.hart.x[T0] = DATA;
    runTo(s);
    const x = s.hart.x;
    expect(x[A0]).toBe(-16); // 0xf0
    expect(x[A1]).toBe(0xf0);
    expect(x[A2]).toBe(0x80f0 - 0x10000);
    expect(x[A3]).toBe(0x80f0);
    expect(x[A4]).toBe(0x7f3480f0);
    expect(x[15]).toBe(0x7f);
    expect(x[16]).toBe(0x7f34);
  });

  it('stores the low bytes of rs2 with negative offsets', () => {
    const s = setup(`
      sw a0, -4(t0)
      sh a0, 0(t0)
      sb a0, 3(t0)
    `);
    s.hart.x[T0] = DATA + 4;
    s.hart.x[A0] = 0x11223344;
    runTo(s);
    const m = s.env.memory;
    expect(m.load32(DATA) >>> 0).toBe(0x11223344);
    expect(m.load32(DATA + 4) >>> 0).toBe(0x44003344);
  });

  it('traps on misaligned accesses with mtval = the address and nothing written', () => {
    for (const [insn, cause] of [
      ['lw a0, 2(t0)', Cause.loadAddressMisaligned],
      ['lh a0, 1(t0)', Cause.loadAddressMisaligned],
      ['lhu a0, 3(t0)', Cause.loadAddressMisaligned],
      ['sw a0, 1(t0)', Cause.storeAddressMisaligned],
      ['sh a0, -1(t0)', Cause.storeAddressMisaligned],
    ] as const) {
      const s = setup(`addi a1, zero, 1\n${insn}`);
      s.hart.x[T0] = DATA;
      s.hart.x[A0] = 0x55;
      runTo(s);
      const off = Number(/(-?\d+)\(/.exec(insn)![1]);
      expect(s.hart.pc, insn).toBe(TRAP);
      expect(s.hart.mcause, insn).toBe(cause);
      expect(s.hart.mepc >>> 0, insn).toBe(BASE + 4);
      expect(s.hart.mtval >>> 0, insn).toBe(DATA + off);
      expect(s.hart.instret, insn).toBe(1); // the trapping instruction did not retire
      expect(s.hart.x[A0], insn).toBe(0x55);
      expect(s.env.memory.load32(DATA + 0) | s.env.memory.load32(DATA - 4), insn).toBe(0);
    }
  });

  it('raises access faults for unmapped addresses', () => {
    const s = setup('lw a0, 0(t0)');
    s.hart.x[T0] = 0x1000;
    runTo(s);
    expect([s.hart.mcause, s.hart.mtval, s.hart.mepc >>> 0]).toEqual([Cause.loadAccessFault, 0x1000, BASE]);
    const t = setup('sb a0, 0(t0)');
    t.hart.x[T0] = 0x40000001;
    runTo(t);
    expect([t.hart.mcause, t.hart.mtval, t.hart.mepc >>> 0]).toEqual([Cause.storeAccessFault, 0x40000001, BASE]);
  });
});

describe('control transfer', () => {
  it('takes each branch condition as specified (signed and unsigned)', () => {
    const cases: [string, number, number, boolean][] = [
      ['beq', 5, 5, true], ['beq', 5, 6, false],
      ['bne', 5, 6, true], ['bne', 5, 5, false],
      ['blt', -1, 0, true], ['blt', 0, -1, false],
      ['bge', 0, -1, true], ['bge', -1, 0, false], ['bge', 3, 3, true],
      ['bltu', 0, -1, true], ['bltu', -1, 0, false],
      ['bgeu', -1, 0, true], ['bgeu', 0, -1, false],
    ];
    for (const [m, a, b, taken] of cases) {
      const s = setup(`${m} a0, a1, 8\naddi a2, zero, 1\naddi a3, zero, 1`);
      s.hart.x[A0] = a;
      s.hart.x[A1] = b;
      runTo(s);
      expect(s.hart.x[A2], `${m} ${a} ${b}`).toBe(taken ? 0 : 1);
      expect(s.hart.x[A3]).toBe(1);
    }
  });

  it('links and jumps with jal and jalr (target computed before rd is written)', () => {
    const s = exec(`
      jal ra, 8
      addi a0, zero, 1
      auipc t0, 0
      jalr t0, 12(t0)
      addi a1, zero, 1
      addi a2, zero, 1
      jalr a3, 1(a4)
    `, { [A4]: BASE + 28 });
    const x = s.hart.x;
    expect(x[RA] >>> 0).toBe(BASE + 4);
    expect(x[A0]).toBe(0); // skipped
    expect(x[T0] >>> 0).toBe(BASE + 16); // link of the jalr at +12
    expect(x[A1]).toBe(0); // skipped: target = (BASE+8) + 12 = BASE+20
    expect(x[A2]).toBe(1);
    expect(x[A3] >>> 0).toBe(BASE + 28); // jalr clears bit 0 of the target: lands on the end
  });

  it('traps on misaligned jump and taken-branch targets, leaving rd untouched', () => {
    const j = setup('jalr a0, 2(t0)');
    j.hart.x[T0] = BASE + 8;
    j.hart.x[A0] = 99;
    runTo(j);
    expect([j.hart.mcause, j.hart.mtval >>> 0, j.hart.mepc >>> 0, j.hart.x[A0]]).toEqual([Cause.instructionAddressMisaligned, BASE + 10, BASE, 99]);

    const b = setup('addi zero, zero, 0\nbeq zero, zero, 6');
    runTo(b);
    expect([b.hart.mcause, b.hart.mtval >>> 0, b.hart.mepc >>> 0]).toEqual([Cause.instructionAddressMisaligned, BASE + 10, BASE + 4]);

    // Not taken: no trap, even though the target is misaligned.
    const n = exec('bne zero, zero, 6');
    expect(n.hart.instret).toBe(1);

    const jal = setup('jal ra, 2');
    runTo(jal);
    expect([jal.hart.mcause, jal.hart.mtval >>> 0, jal.hart.x[RA]]).toEqual([Cause.instructionAddressMisaligned, BASE + 2, 0]);
  });

  it('raises instruction access faults for fetches outside RAM', () => {
    const s = setup('jalr zero, 0(t0)');
    s.hart.x[T0] = 0x2000;
    runTo(s);
    expect([s.hart.mcause, s.hart.mtval, s.hart.mepc]).toEqual([Cause.instructionAccessFault, 0x2000, 0x2000]);
  });
});

describe('synchronous exceptions', () => {
  it('illegal instruction: mtval holds the instruction bits', () => {
    const s = setup([asm('addi a0, zero, 1'), 0xffffffff]);
    runTo(s);
    expect([s.hart.mcause, s.hart.mtval, s.hart.mepc >>> 0]).toEqual([Cause.illegalInstruction, -1, BASE + 4]);
    expect(s.interp.trapsTaken).toBe(1);
  });

  it('ebreak: mcause 3, mtval = pc, not retired', () => {
    const s = setup('addi zero, zero, 0\nebreak');
    runTo(s);
    expect([s.hart.mcause, s.hart.mtval >>> 0, s.hart.mepc >>> 0, s.hart.instret]).toEqual([Cause.breakpoint, BASE + 4, BASE + 4, 1]);
  });

  it('ecall from M traps with cause 11; a platform-handled ecall retires', () => {
    const s = setup('ecall');
    runTo(s);
    expect([s.hart.mcause, s.hart.mtval, s.hart.mepc >>> 0, s.hart.instret]).toEqual([Cause.ecallFromM, 0, BASE, 0]);

    const u = setup('addi a7, zero, 64\necall\naddi a1, a0, 1');
    u.env.syscall = (regs) => {
      expect(regs.pc >>> 0).toBe(BASE + 4); // the platform sees the ecall's pc
      regs.x[A0] = 41;
      return true;
    };
    runTo(u);
    expect([u.hart.x[A1], u.hart.instret, u.interp.trapsTaken]).toEqual([42, 3, 0]);
  });

  it('updates mstatus on trap entry: MPIE <- MIE, MIE <- 0, MPP <- privilege', () => {
    const s = setup('ebreak');
    s.hart.mstatus = MSTATUS_MIE;
    runTo(s);
    expect(s.hart.mstatus & MSTATUS_MIE).toBe(0);
    expect(s.hart.mstatus & MSTATUS_MPIE).toBe(MSTATUS_MPIE);
    expect((s.hart.mstatus & MSTATUS_MPP) >>> 11).toBe(3);
    expect(s.hart.priv).toBe(3);
  });
});

/** Enter U-mode at `userCode` through mret, as the riscv-tests `p` environment does. */
const TO_USER = `
  csrrwi zero, mstatus, 0
  auipc t0, 0
  addi t0, t0, 16
  csrrw zero, mepc, t0
  mret
`;

describe('privilege: M and U', () => {
  it('mret drops to MPP = U; ecall from U traps with cause 8', () => {
    const s = setup(`${TO_USER}\naddi a0, zero, 7\necall`);
    runTo(s);
    expect(s.hart.x[A0]).toBe(7);
    expect(s.hart.mcause).toBe(Cause.ecallFromU);
    expect(s.hart.mepc >>> 0).toBe(BASE + 24);
    expect((s.hart.mstatus & MSTATUS_MPP) >>> 11).toBe(0); // trapped from U
    expect(s.hart.priv).toBe(3);
    expect(s.hart.instret).toBe(6); // 5 to get there + addi; ecall does not retire
  });

  it('mret: MIE <- MPIE, MPIE <- 1, MPP <- U, pc <- mepc', () => {
    const s = setup('mret');
    s.hart.mepc = BASE + 0x100;
    s.hart.mstatus = MSTATUS_MPIE | MSTATUS_MPP; // MPP = M
    s.interp.step();
    expect(s.hart.pc).toBe(BASE + 0x100);
    expect(s.hart.priv).toBe(3);
    expect(s.hart.mstatus).toBe(MSTATUS_MIE | MSTATUS_MPIE); // MPP now U (0)
  });

  it('CSRs above the current privilege, and mret, are illegal in U-mode', () => {
    for (const insn of ['csrrs a0, mstatus, zero', 'csrrw zero, mscratch, a0', 'mret', 'csrrs a0, 0x7c0, zero']) {
      const s = setup(`${TO_USER}\n${insn}`);
      runTo(s);
      expect(s.hart.mcause, insn).toBe(Cause.illegalInstruction);
      expect(s.hart.mtval >>> 0, insn).toBe(asm(insn));
      expect(s.hart.mepc >>> 0, insn).toBe(BASE + 20);
    }
  });

  it('U-mode reads counters only when mcounteren allows, and never writes them', () => {
    const denied = setup(`${TO_USER}\ncsrrs a0, cycle, zero`);
    runTo(denied);
    expect(denied.hart.mcause).toBe(Cause.illegalInstruction);

    const allowed = setup(`csrrwi zero, mcounteren, 7\n${TO_USER}\ncsrrs a0, instret, zero\ncsrrs a1, time, zero`);
    allowed.env.time = 1234;
    runTo(allowed);
    expect(allowed.hart.x[A0]).toBe(6);
    expect(allowed.hart.x[A1]).toBe(1234);
  });

  it('wfi in U-mode traps only when mstatus.TW is set', () => {
    const s = setup(`addi t1, zero, 1\nslli t1, t1, 21\ncsrrs zero, mstatus, t1\n${TO_USER.replace('csrrwi zero, mstatus, 0', 'csrrc zero, mstatus, zero')}\nwfi`);
    runTo(s);
    expect(s.hart.mcause).toBe(Cause.illegalInstruction);
    expect(s.hart.mtval >>> 0).toBe(asm('wfi'));
  });
});

describe('CSRs', () => {
  it('csrrw/csrrs/csrrc and their immediate forms return the old value (riscv-tests csr.S)', () => {
    const s = exec(`
      csrrwi zero, mscratch, 3
      csrrs a0, mscratch, zero
      csrrci a1, mscratch, 1
      csrrsi a2, mscratch, 4
      csrrwi a3, mscratch, 2
      csrrw a4, mscratch, t0
      csrrc a5, mscratch, t1
      csrrs a6, mscratch, t2
      csrrs a7, mscratch, zero
    `, { [T0]: 0xbad1dea, [T1]: 0x0001dea, [7]: 0x000beef });
    const x = s.hart.x;
    expect([x[A0], x[A1], x[A2], x[A3], x[A4], x[15], x[16], x[17]]).toEqual([3, 3, 2, 6, 2, 0xbad1dea, 0xbad0000, 0xbadbeef]);
  });

  it('read-only CSRs trap on write but not on a non-writing csrrs/csrrc', () => {
    for (const insn of ['csrrw a0, cycle, zero', 'csrrs a0, mhartid, a1', 'csrrci a0, instret, 1', 'csrrwi zero, mvendorid, 0']) {
      const s = setup(insn);
      s.hart.x[A0] = 255;
      s.hart.x[A1] = 1;
      runTo(s);
      expect([s.hart.mcause, s.hart.mtval >>> 0, s.hart.x[A0]], insn).toEqual([Cause.illegalInstruction, asm(insn), 255]);
    }
    const ok = exec('csrrs a0, mhartid, zero\ncsrrc a1, cycle, zero\ncsrrsi a2, misa, 0');
    expect([ok.hart.x[A0], ok.hart.x[A1], ok.hart.x[A2]]).toEqual([0, 1, MISA]);
  });

  it('unimplemented CSRs raise illegal instruction', () => {
    for (const insn of ['csrrwi zero, satp, 0', 'csrrw zero, mseccfg, t0', 'csrrwi zero, medeleg, 0', 'csrrs a0, 0x7c0, zero']) {
      const s = setup(insn);
      runTo(s);
      expect(s.hart.mcause, insn).toBe(Cause.illegalInstruction);
    }
  });

  it('applies WARL rules: MPP only M or U, mepc 4-byte aligned, mtvec modes 0/1, misa fixed, mie machine bits', () => {
    const s = exec(`
      csrrw zero, mstatus, t0
      csrrs a0, mstatus, zero
      csrrw zero, mepc, t1
      csrrs a1, mepc, zero
      csrrw zero, mtvec, t2
      csrrs a2, mtvec, zero
      csrrw zero, misa, zero
      csrrs a3, misa, zero
      csrrw zero, mie, t1
      csrrs a4, mie, zero
      csrrs a5, mstatush, zero
    `, { [T0]: 1 << 11 /* MPP = S */, [T1]: -1, [7]: BASE + 0x103 });
    const x = s.hart.x;
    expect(x[A0]).toBe(0); // S is not supported: MPP becomes U
    expect(x[A1]).toBe(-4);
    expect(x[A2] >>> 0).toBe(BASE + 0x101); // mode 3 is reserved: bit 1 dropped
    expect(x[A3]).toBe(0x40101100); // RV32 I M U
    expect(x[A4]).toBe(0x888);
    expect(x[15]).toBe(0);
  });

  it('minstret counts retired instructions; a write suppresses its own increment (instret_overflow)', () => {
    const s = exec(`
      addi zero, zero, 0
      csrrs a0, minstret, zero
      csrrwi zero, minstret, 0
      csrrs a1, minstret, zero
      csrrw zero, minstret, t0
      csrrw zero, minstreth, t0
      addi zero, zero, 0
      csrrs a2, minstret, zero
      csrrs a3, minstreth, zero
      csrrs a4, instreth, zero
    `, { [T0]: -1 });
    const x = s.hart.x;
    expect(x[A0]).toBe(1);
    expect(x[A1]).toBe(0);
    expect(x[A2]).toBe(0); // 0xffffffff_ffffffff + 1 wraps
    expect(x[A3]).toBe(0);
    expect(x[A4]).toBe(0);
    expect(s.hart.instret).toBe(10); // the simulator's own count never moves back
  });

  it('mcycle reads simulated time and can be written; time comes from the platform', () => {
    const s = setup('csrrs a0, mcycle, zero\ncsrrw zero, mcycle, t0\ncsrrs a1, mcycle, zero\ncsrrs a2, cycleh, zero\ncsrrs a3, time, zero\ncsrrs a4, timeh, zero');
    s.env.clock.cycles = 100;
    s.env.time = 0x1_0000_0005;
    s.hart.x[T0] = 1000;
    runTo(s);
    expect(s.hart.x[A0]).toBe(100);
    expect(s.hart.x[A1]).toBe(1001); // written 1000, one cycle (cyclesPerInsn) later
    expect(s.hart.x[A2]).toBe(0);
    expect([s.hart.x[A3], s.hart.x[A4]]).toEqual([5, 1]);
    expect(readCsr(s.hart, s.env, CSR.mcycle)).toBe(1000 + 5);
  });

  it('mip mirrors the platform and ignores writes', () => {
    const s = exec('csrrw a0, mip, t0\ncsrrs a1, mip, zero', { [T0]: -1 });
    expect(s.hart.x[A0]).toBe(0);
    expect(s.hart.x[A1]).toBe(0);
    const t = setup('csrrs a0, mip, zero');
    t.env.pending = (1 << Irq.machineTimer) | (1 << 1) /* not a machine bit */;
    runTo(t);
    expect(t.hart.x[A0]).toBe(1 << Irq.machineTimer);
  });
});

describe('interrupts', () => {
  const spin = 'addi a0, a0, 1\njal zero, -4';

  it('takes a timer interrupt when it becomes pending, at an instruction boundary, with direct mtvec', () => {
    const s = setup(`csrrs zero, mstatus, t0\ncsrrs zero, mie, t1\n${spin}`);
    s.hart.x[T0] = MSTATUS_MIE;
    s.hart.x[T1] = 1 << Irq.machineTimer;
    s.env.eventAt = 50;
    s.env.futurePending = 1 << Irq.machineTimer;
    let at = -1;
    s.interp.onInterrupt = () => { at = s.hart.instret; };
    expect(s.interp.run(1000)).toBe('limit');
    // Taken as soon as clock.cycles >= 50 between instructions; the handler spins at TRAP.
    expect(s.hart.mcause).toBe(interruptCause(Irq.machineTimer) | 0);
    expect(s.hart.mtval).toBe(0);
    expect(s.interp.interruptsTaken).toBe(1);
    expect(at).toBe(50); // one cycle per instruction: 50 retired when it arrived
    expect([BASE + 8, BASE + 12]).toContain(s.hart.mepc >>> 0);
    expect(s.hart.mstatus & (MSTATUS_MIE | MSTATUS_MPIE)).toBe(MSTATUS_MPIE);
  });

  it('vectors interrupts to BASE + 4 * cause, exceptions to BASE', () => {
    const s = setup(`csrrw zero, mtvec, t2\ncsrrs zero, mie, t1\ncsrrs zero, mstatus, t0\n${spin}`);
    s.hart.x[T0] = MSTATUS_MIE;
    s.hart.x[T1] = 1 << Irq.machineSoftware;
    s.hart.x[7] = TRAP | 1;
    s.env.pending = 1 << Irq.machineSoftware;
    s.interp.step();
    s.interp.step();
    expect(s.hart.pc).toBe(BASE + 8); // mie set, but MIE still 0
    s.interp.step(); // the csrrs that sets MIE retires; the interrupt is taken before the next
    expect(s.interp.step()).toBe('trap');
    expect(s.hart.pc).toBe(TRAP + 4 * Irq.machineSoftware);
    expect(s.hart.mepc >>> 0).toBe(BASE + 12);
    expect(s.hart.mcause >>> 0).toBe(0x80000003);

    const e = setup('csrrw zero, mtvec, t2\nebreak');
    e.hart.x[7] = TRAP | 1;
    e.interp.step();
    expect(e.interp.step()).toBe('trap');
    expect(e.hart.pc).toBe(TRAP);
  });

  it('prioritises external over software over timer, and masks by mie and MIE', () => {
    const s = setup(spin);
    s.hart.mstatus = MSTATUS_MIE;
    s.env.pending = (1 << Irq.machineTimer) | (1 << Irq.machineSoftware) | (1 << Irq.machineExternal);
    s.hart.mie = (1 << Irq.machineTimer) | (1 << Irq.machineSoftware);
    expect(s.interp.takeInterruptIfPending()).toBe(true);
    expect(s.hart.mcause & 0xff).toBe(Irq.machineSoftware);
    // Now in the handler with MIE = 0: nothing more is taken in M-mode.
    expect(s.interp.takeInterruptIfPending()).toBe(false);
  });

  it('interrupts are always enabled in U-mode', () => {
    const s = setup(`csrrs zero, mie, t1\n${TO_USER.replace('mret', 'mret').replace('csrrwi zero, mstatus, 0', 'csrrc zero, mstatus, zero')}\n${spin}`);
    s.hart.x[T1] = 1 << Irq.machineTimer;
    s.env.eventAt = 30;
    s.env.futurePending = 1 << Irq.machineTimer;
    s.interp.run(100);
    expect(s.interp.interruptsTaken).toBe(1);
    expect((s.hart.mstatus & MSTATUS_MPP) >>> 11).toBe(0); // interrupted in U
  });

  it('external mode takes interrupts only when told, and leaves the clock to its owner', () => {
    const s = setup(`wfi\n${spin}`, { interrupts: 'external' });
    s.hart.mstatus = MSTATUS_MIE;
    s.hart.mie = 1 << Irq.machineTimer;
    s.env.eventAt = 500;
    s.env.futurePending = 1 << Irq.machineTimer;
    let seen = 0;
    s.interp.onInterrupt = () => { seen++; };
    expect(s.interp.run(20)).toBe('limit');
    expect(s.env.clock.cycles).toBe(20); // wfi did not sleep to cycle 500
    expect(s.interp.interruptsTaken).toBe(0);
    s.env.clock.cycles = 600;
    expect(s.interp.run(5)).toBe('limit');
    expect(s.interp.interruptsTaken).toBe(0);
    expect(s.interp.takeInterruptIfPending()).toBe(true);
    expect([seen, s.hart.pc]).toEqual([1, TRAP]);
  });

  it('wfi sleeps until the next event, counting idle cycles; with none, it reports a stall', () => {
    const s = setup(`csrrs zero, mie, t1\nwfi\naddi a0, zero, 1`);
    s.hart.x[T1] = 1 << Irq.machineTimer;
    s.env.eventAt = 1000;
    s.env.futurePending = 1 << Irq.machineTimer;
    runTo(s);
    expect(s.env.clock.cycles).toBe(1000 + 2); // slept from cycle 1 to 1000, then wfi and addi
    expect(s.interp.idleCycles).toBe(999);
    expect(s.interp.interruptsTaken).toBe(0); // MIE = 0: wakes up without taking it

    const t = setup('wfi\naddi a0, zero, 1');
    expect(t.interp.run(100)).toBe('wfi-stall');
    expect(t.hart.instret).toBe(1);
    expect(t.hart.pc).toBe(BASE + 4);
  });
});

describe('run, runBlock, exit and code changes', () => {
  it('runBlock stops after the block-ending instruction and counts what retired', () => {
    const s = setup('addi a0, zero, 1\naddi a1, zero, 2\nbeq a0, a1, 8\naddi a2, zero, 3\nebreak');
    expect(s.interp.runBlock(100)).toBe('block-end');
    expect(s.interp.lastCount).toBe(3);
    expect(s.interp.runBlock(1)).toBe('limit');
    expect(s.interp.lastCount).toBe(1);
    expect(s.interp.runBlock(100)).toBe('trap');
    expect(s.interp.lastCount).toBe(0);
    expect(s.hart.pc).toBe(TRAP);
  });

  it('stops with exit when the platform sets an exit code during an ecall', () => {
    const s = setup('addi a0, zero, 3\necall\naddi a1, zero, 1');
    s.env.syscall = (regs) => { s.env.exitCode = regs.x[A0]!; return true; };
    expect(s.interp.run(1000)).toBe('exit');
    expect(s.hart.instret).toBe(2);
    expect(s.hart.x[A1]).toBe(0);
  });

  it('sees self-modifying code without fence.i', () => {
    // Overwrite the instruction at +16 (addi a0, zero, 1) with addi a0, zero, 2 and run it,
    // after it was already decoded once by a first pass.
    const patched = asm('addi a0, zero, 2');
    const s = setup(`
      jal zero, 12
      sw t1, 0(t0)
      jal zero, 8
      addi zero, zero, 0
      addi a0, zero, 1
      bne a1, zero, 8
      jal a1, -20
    `);
    s.hart.x[T0] = BASE + 16;
    s.hart.x[T1] = patched;
    // First pass: executes +16 (a0 = 1), then bne not taken, jal back to +4 with a1 set;
    // +4 patches +16, jumps to +16 again: a0 = 2, bne taken past the end.
    runTo(s, BASE + 28);
    expect(s.hart.x[A0]).toBe(2);
  });

  it('counts traps toward the run limit, so a trap loop cannot hang', () => {
    const s = setup('ebreak\nmret');
    s.hart.mtvec = BASE + 4; // the handler returns to the ebreak: trap, mret, trap, ...
    expect(s.interp.run(100)).toBe('limit');
    expect(s.interp.trapsTaken).toBe(50);
    expect(s.hart.mcause).toBe(Cause.breakpoint);
  });

  it('stops a guest whose handler traps on its first instruction every time with exit code 3', () => {
    const s = setup('ebreak');
    s.hart.mtvec = BASE; // the handler is the ebreak itself
    expect(() => s.interp.run(100)).toThrow('the guest is stuck: the first instruction of its trap handler at mtvec 0x80000000 raises mcause 3 every time');
    expect(s.interp.trapsTaken).toBe(1);
  });

  it('stops a guest whose trap vector cannot be fetched (it would trap there forever) with exit code 3', () => {
    const s = setup('ebreak');
    s.hart.mtvec = 0x1000; // unmapped
    let err: unknown;
    try { s.interp.run(100); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MorphsimError);
    expect((err as MorphsimError).exitCode).toBe(3);
    expect((err as Error).message).toBe('the guest is stuck: it trapped (mcause 1) to mtvec 0x00001000, where no instruction can be fetched');
    expect(s.interp.trapsTaken).toBe(1); // the ebreak; the fetch at mtvec is the stuck one
  });

  it('works on registers that live in another array (the host register file)', () => {
    const host = new Int32Array(64);
    const env = new TestEnv();
    load(env, BASE, 'addi a0, zero, 9\naddi zero, zero, 1');
    const hart = new Hart(host.subarray(0, 32));
    hart.pc = BASE;
    new Interpreter(hart, env, { cyclesPerInsn: 1 }).run(2);
    expect(host[A0]).toBe(9);
    expect(host[0]).toBe(0);
    expect(host[32]).toBe(0);
  });

  it('writes a Spike-style commit log', () => {
    const lines: string[] = [];
    const s = setup('auipc t0, 0\nsw t0, 0(t1)\nlbu a0, 3(t1)\nsb a0, 5(t1)\naddi zero, zero, 0', { commitLog: (l) => lines.push(l) });
    s.hart.x[T1] = DATA;
    expect(s.interp.run(5)).toBe('limit');
    expect(lines).toEqual([
      'core   0: 3 0x80000000 (0x00000297) x5  0x80000000',
      'core   0: 3 0x80000004 (0x00532023) mem 0x80010000 0x80000000',
      'core   0: 3 0x80000008 (0x00334503) x10 0x00000080 mem 0x80010003',
      'core   0: 3 0x8000000c (0x00a302a3) mem 0x80010005 0x80',
      'core   0: 3 0x80000010 (0x00000013)',
    ]);
  });

  it('is deterministic: two machines running the same program agree', () => {
    const prog = `
      addi a0, zero, 100
      addi a1, zero, 0
      mul a2, a0, a0
      add a1, a1, a2
      addi a0, a0, -1
      bne a0, zero, -12
    `;
    const a = setup(prog);
    const b = setup(prog);
    expect(a.interp.run(2 + 4 * 100)).toBe('limit');
    expect(a.hart.pc).toBe(a.end);
    for (let i = 0; i < 10_000 && b.hart.pc !== b.end; i++) b.interp.step();
    expect(a.hart.x[A1]).toBe(338350); // sum of squares 1..100
    expect(Array.from(b.hart.x)).toEqual(Array.from(a.hart.x));
    expect(a.hart.instret).toBe(b.hart.instret);
    expect(a.hart.instret).toBe(2 + 4 * 100);
    void SP;
  });
});
