/**
 * Control and status registers: the one list of CSR numbers and names (the disassembler
 * prints from it), and their behaviour for an RV32IM hart with M and U modes and no
 * S-mode, virtual memory or hardware performance counters, and with 16 PMP entries (pmp.ts) (privileged spec,
 * "Machine-Level ISA"; unprivileged spec, "Zicsr" and "Zicntr").
 *
 * Access rules, checked in this order: a CSR that is not implemented, a CSR above the
 * current privilege (csr[9:8]), or a write to a read-only CSR (csr[11:10] == 3) raises
 * illegal instruction. Fields are WARL: writes keep only legal values.
 */
import type { GuestEnv } from './env.ts';
import { PRIV_M, PRIV_U, type Hart, type Priv } from './hart.ts';
import { Cause, GuestTrap, Irq } from './trap.ts';

/** CSR numbers by name. Entries marked unimplemented below are here for disassembly. */
export const CSR = {
  // Unprivileged counters (Zicntr): read-only shadows of the machine counters.
  cycle: 0xc00, time: 0xc01, instret: 0xc02, cycleh: 0xc80, timeh: 0xc81, instreth: 0xc82,
  // Supervisor (no S-mode here)
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, sscratch: 0x140, sepc: 0x141,
  scause: 0x142, stval: 0x143, sip: 0x144, satp: 0x180,
  // Machine information
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14, mconfigptr: 0xf15,
  // Machine trap setup
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305,
  mcounteren: 0x306, mstatush: 0x310, mcountinhibit: 0x320,
  // Machine trap handling
  mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  mnscratch: 0x740, mnepc: 0x741, mncause: 0x742, mnstatus: 0x744,
  // Memory protection
  pmpcfg0: 0x3a0, pmpcfg1: 0x3a1, pmpcfg2: 0x3a2, pmpcfg3: 0x3a3,
  pmpaddr0: 0x3b0, pmpaddr1: 0x3b1, pmpaddr2: 0x3b2, pmpaddr3: 0x3b3,
  pmpaddr4: 0x3b4, pmpaddr5: 0x3b5, pmpaddr6: 0x3b6, pmpaddr7: 0x3b7,
  pmpaddr8: 0x3b8, pmpaddr9: 0x3b9, pmpaddr10: 0x3ba, pmpaddr11: 0x3bb,
  pmpaddr12: 0x3bc, pmpaddr13: 0x3bd, pmpaddr14: 0x3be, pmpaddr15: 0x3bf,
  menvcfg: 0x30a, mseccfg: 0x747,
  // Machine counters
  mcycle: 0xb00, minstret: 0xb02, mcycleh: 0xb80, minstreth: 0xb82,
  // Debug triggers
  tselect: 0x7a0, tdata1: 0x7a1, tdata2: 0x7a2,
} as const;
export type CsrName = keyof typeof CSR;

const NAME_OF = new Map<number, CsrName>(Object.entries(CSR).map(([n, a]) => [a, n as CsrName]));
/** The name of a CSR number, for the disassembler; undefined when the table has none. */
export function csrName(addr: number): CsrName | undefined {
  return NAME_OF.get(addr);
}

// mstatus fields
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << MSTATUS_MPP_SHIFT;
/** Modify PRiVilege: M-mode loads and stores are checked by PMP as if at privilege MPP. */
export const MSTATUS_MPRV = 1 << 17;
/** Timeout Wait: wfi in U-mode raises illegal instruction. */
export const MSTATUS_TW = 1 << 21;
const MSTATUS_WRITABLE = MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPRV | MSTATUS_TW;

/** mip/mie bits: the machine software, timer and external interrupts. */
export const MIP_MSIP = 1 << Irq.machineSoftware;
export const MIP_MTIP = 1 << Irq.machineTimer;
export const MIP_MEIP = 1 << Irq.machineExternal;
export const MIP_MACHINE = MIP_MSIP | MIP_MTIP | MIP_MEIP;

/** misa: MXL = 1 (32-bit), extensions I, M and U (user mode). */
export const MISA = (1 << 30) | (1 << ('I'.charCodeAt(0) - 65)) | (1 << ('M'.charCodeAt(0) - 65)) | (1 << ('U'.charCodeAt(0) - 65));

/** mcounteren bits: CY, TM, IR (hpmcounters do not exist). */
const MCOUNTEREN_WRITABLE = 0b111;

/** Legal value of a privilege written to mstatus.MPP: M or U; anything else becomes U, as in
 * Spike for a hart without S-mode. */
const legalMpp = (p: number): Priv => (p === PRIV_M ? PRIV_M : PRIV_U);

const TWO32 = 0x1_0000_0000n;
const lo32 = (v: bigint): number => Number(v & 0xffffffffn) | 0;
const hi32 = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;
const withLo = (v: bigint, lo: number): bigint => (v & ~0xffffffffn) | BigInt(lo >>> 0);
const withHi = (v: bigint, hi: number): bigint => (BigInt(hi >>> 0) * TWO32) | (v & 0xffffffffn);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

const mcycle = (h: Hart, env: GuestEnv): bigint => u64(BigInt(env.clock.cycles) + h.mcycleOffset);
const setMcycle = (h: Hart, env: GuestEnv, v: bigint): void => {
  h.mcycleOffset = v - BigInt(env.clock.cycles);
};
const minstret = (h: Hart): bigint => u64(BigInt(h.instret) + h.minstretOffset);
/** A write to minstret is what the next instruction reads: it suppresses the increment of
 * the writing instruction itself (riscv-tests rv32mi instret_overflow checks this). */
const setMinstret = (h: Hart, v: bigint): void => {
  h.minstretOffset = v - BigInt(h.instret + 1);
};
const time64 = (env: GuestEnv): bigint => BigInt(env.readTime());

interface CsrImpl {
  read(h: Hart, env: GuestEnv): number;
  /** Absent for read-only CSRs (their numbers have csr[11:10] == 3, so writes trap first). */
  write?(h: Hart, env: GuestEnv, v: number): void;
}

const zero: CsrImpl = { read: () => 0, write: () => {} };
const constant = (value: number): CsrImpl => ({ read: () => value });

/** pmpcfg`n` and pmpaddr`i`, stored in the hart's Pmp (which applies the WARL and lock rules). */
const pmpcfg = (n: number): CsrImpl => ({ read: (h) => h.pmp.readCfg(n), write: (h, _env, v) => h.pmp.writeCfg(n, v) });
const pmpaddr = (i: number): CsrImpl => ({ read: (h) => h.pmp.readAddr(i), write: (h, _env, v) => h.pmp.writeAddr(i, v) });

/** Why not implemented: no S-mode (so no delegation), no paging, no Smepmp, no NMI, no
 * performance-counter inhibit. Accesses raise illegal instruction, which the riscv-tests
 * `p` environment expects of them (it guards each such write with a trap). */
const UNIMPLEMENTED = 'unimplemented';

const IMPL: Record<CsrName, CsrImpl | typeof UNIMPLEMENTED> = {
  cycle: { read: (h, env) => lo32(mcycle(h, env)) },
  cycleh: { read: (h, env) => hi32(mcycle(h, env)) },
  time: { read: (_h, env) => lo32(time64(env)) },
  timeh: { read: (_h, env) => hi32(time64(env)) },
  instret: { read: (h) => lo32(minstret(h)) },
  instreth: { read: (h) => hi32(minstret(h)) },

  sstatus: UNIMPLEMENTED, sie: UNIMPLEMENTED, stvec: UNIMPLEMENTED, scounteren: UNIMPLEMENTED,
  sscratch: UNIMPLEMENTED, sepc: UNIMPLEMENTED, scause: UNIMPLEMENTED, stval: UNIMPLEMENTED,
  sip: UNIMPLEMENTED, satp: UNIMPLEMENTED,

  mvendorid: constant(0), // non-commercial implementation
  marchid: constant(0),
  mimpid: constant(0),
  mhartid: { read: (h) => h.mhartid },
  mconfigptr: constant(0), // no configuration structure

  mstatus: {
    read: (h) => h.mstatus,
    write: (h, _env, v) => {
      const mpp = legalMpp((v >>> MSTATUS_MPP_SHIFT) & 3);
      h.mstatus = (v & MSTATUS_WRITABLE) | (mpp << MSTATUS_MPP_SHIFT);
    },
  },
  misa: { read: () => MISA, write: () => {} }, // WARL, fixed: extensions cannot be toggled
  medeleg: UNIMPLEMENTED,
  mideleg: UNIMPLEMENTED,
  mie: { read: (h) => h.mie, write: (h, _env, v) => { h.mie = v & MIP_MACHINE; } },
  mtvec: {
    read: (h) => h.mtvec,
    // MODE 2 and 3 are reserved: keep bit 0 (direct/vectored) only.
    write: (h, _env, v) => { h.mtvec = v & ~2; },
  },
  mcounteren: { read: (h) => h.mcounteren, write: (h, _env, v) => { h.mcounteren = v & MCOUNTEREN_WRITABLE; } },
  mstatush: zero, // MBE and SBE: little-endian only
  mcountinhibit: UNIMPLEMENTED,

  mscratch: { read: (h) => h.mscratch, write: (h, _env, v) => { h.mscratch = v | 0; } },
  // No C extension: IALIGN = 32, so mepc[1:0] read as zero.
  mepc: { read: (h) => h.mepc, write: (h, _env, v) => { h.mepc = v & ~3; } },
  mcause: { read: (h) => h.mcause, write: (h, _env, v) => { h.mcause = v | 0; } },
  mtval: { read: (h) => h.mtval, write: (h, _env, v) => { h.mtval = v | 0; } },
  // Without S-mode every mip bit is driven by the platform (MSIP, MTIP, MEIP) and read-only.
  mip: { read: (_h, env) => env.pendingInterrupts() & MIP_MACHINE, write: () => {} },
  mnscratch: UNIMPLEMENTED, mnepc: UNIMPLEMENTED, mncause: UNIMPLEMENTED, mnstatus: UNIMPLEMENTED,

  pmpcfg0: pmpcfg(0), pmpcfg1: pmpcfg(1), pmpcfg2: pmpcfg(2), pmpcfg3: pmpcfg(3),
  pmpaddr0: pmpaddr(0), pmpaddr1: pmpaddr(1), pmpaddr2: pmpaddr(2), pmpaddr3: pmpaddr(3),
  pmpaddr4: pmpaddr(4), pmpaddr5: pmpaddr(5), pmpaddr6: pmpaddr(6), pmpaddr7: pmpaddr(7),
  pmpaddr8: pmpaddr(8), pmpaddr9: pmpaddr(9), pmpaddr10: pmpaddr(10), pmpaddr11: pmpaddr(11),
  pmpaddr12: pmpaddr(12), pmpaddr13: pmpaddr(13), pmpaddr14: pmpaddr(14), pmpaddr15: pmpaddr(15),
  menvcfg: UNIMPLEMENTED, mseccfg: UNIMPLEMENTED,

  mcycle: { read: (h, env) => lo32(mcycle(h, env)), write: (h, env, v) => setMcycle(h, env, withLo(mcycle(h, env), v)) },
  mcycleh: { read: (h, env) => hi32(mcycle(h, env)), write: (h, env, v) => setMcycle(h, env, withHi(mcycle(h, env), v)) },
  minstret: { read: (h) => lo32(minstret(h)), write: (h, _env, v) => setMinstret(h, withLo(minstret(h), v)) },
  minstreth: { read: (h) => hi32(minstret(h)), write: (h, _env, v) => setMinstret(h, withHi(minstret(h), v)) },

  // Zero triggers: tselect reads 0 whatever is written and tdata1 reads type 0 ("no
  // trigger at this tselect"), which the debug spec allows and rv32mi breakpoint detects.
  tselect: zero,
  tdata1: zero,
  tdata2: zero,
};

/** Implementation by number, for the access path. */
const BY_ADDR = new Map<number, CsrImpl>();
for (const [name, impl] of Object.entries(IMPL)) {
  if (impl !== UNIMPLEMENTED) BY_ADDR.set(CSR[name as CsrName], impl);
}

/** Names of the CSRs this hart implements (for state dumps and lockstep comparison). */
export const IMPLEMENTED_CSRS: readonly CsrName[] = (Object.keys(IMPL) as CsrName[]).filter((n) => IMPL[n] !== UNIMPLEMENTED);

/** Counters U-mode may read when the matching mcounteren bit (csr[4:0]) is set. */
const isUserCounter = (addr: number): boolean => (addr & ~0x1f) === 0xc00 || (addr & ~0x1f) === 0xc80;

/**
 * The CSR half of a Zicsr instruction: checks the access, returns the old value (for rd)
 * and applies the write. `write` is false for csrrs/csrrc whose rs1 is x0 or uimm is 0
 * (they must not write, so they may read read-only CSRs). Throws GuestTrap(illegal
 * instruction, raw) on a refused access.
 */
export function csrAccess(
  h: Hart,
  env: GuestEnv,
  addr: number,
  op: 'rw' | 'rs' | 'rc',
  src: number,
  write: boolean,
  raw: number,
): number {
  const impl = BY_ADDR.get(addr);
  const illegal = () => new GuestTrap(Cause.illegalInstruction, raw >>> 0);
  if (impl === undefined) throw illegal();
  if (((addr >>> 8) & 3) > h.priv) throw illegal();
  if (h.priv === PRIV_U && isUserCounter(addr) && ((h.mcounteren >>> (addr & 31)) & 1) === 0) throw illegal();
  if (write && (((addr >>> 10) & 3) === 3 || impl.write === undefined)) throw illegal();
  const old = impl.read(h, env);
  if (write) impl.write!(h, env, op === 'rw' ? src : op === 'rs' ? old | src : old & ~src);
  return old;
}

/** Read a CSR as M-mode would, without side effects; undefined if not implemented. For
 * state dumps, commit logs and lockstep comparison, not for guest instructions. */
export function readCsr(h: Hart, env: GuestEnv, addr: number): number | undefined {
  return BY_ADDR.get(addr)?.read(h, env);
}

/** Privilege at which loads and stores are checked: MPP when M-mode sets mstatus.MPRV. */
export function dataPriv(h: Hart): Priv {
  return h.priv === PRIV_M && (h.mstatus & MSTATUS_MPRV) !== 0 ? legalMpp((h.mstatus >>> MSTATUS_MPP_SHIFT) & 3) : h.priv;
}

/** True when PMP can deny nothing the hart may do now: fetches at its privilege, loads and
 * stores at dataPriv(). Code that does not check PMP (translations, the unchecked
 * interpreter) may run only while this holds. It changes only through a CSR write, a trap
 * or mret. */
export function pmpTransparent(h: Hart): boolean {
  const pmp = h.pmp;
  return pmp.transparent(h.priv) && (h.priv !== PRIV_M || (h.mstatus & MSTATUS_MPRV) === 0 || pmp.transparent(dataPriv(h)));
}

/** Can interrupts reach this hart now, given its privilege and mstatus.MIE? (In U-mode
 * machine interrupts are always globally enabled.) */
export function interruptsEnabled(h: Hart): boolean {
  return h.priv !== PRIV_M || (h.mstatus & MSTATUS_MIE) !== 0;
}

/** Interrupt priority for machine interrupts: external, then software, then timer. */
const IRQ_PRIORITY = [Irq.machineExternal, Irq.machineSoftware, Irq.machineTimer] as const;

/** The interrupt to take now (pending in mip, enabled in mie, globally enabled), or -1. */
export function pendingInterrupt(h: Hart, env: GuestEnv): number {
  if (!interruptsEnabled(h) || h.mie === 0) return -1;
  const ready = env.pendingInterrupts() & h.mie;
  if (ready === 0) return -1;
  for (const irq of IRQ_PRIORITY) if (ready & (1 << irq)) return irq;
  return -1;
}

/**
 * Trap entry (privileged spec, "Machine Trap Handling"): mepc ← pc, mcause, mtval,
 * MPIE ← MIE, MIE ← 0, MPP ← privilege, privilege ← M, pc ← mtvec BASE, plus 4 × cause
 * for an interrupt when mtvec is vectored.
 */
export function enterTrap(h: Hart, mcause: number, mtval: number): void {
  const isInterrupt = mcause < 0;
  h.mepc = h.pc | 0;
  h.mcause = mcause | 0;
  h.mtval = mtval | 0;
  const mie = h.mstatus & MSTATUS_MIE;
  h.mstatus = (h.mstatus & ~(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)) | (mie ? MSTATUS_MPIE : 0) | (h.priv << MSTATUS_MPP_SHIFT);
  h.priv = PRIV_M;
  const base = (h.mtvec & ~3) >>> 0;
  h.pc = isInterrupt && (h.mtvec & 1) !== 0 ? (base + 4 * (mcause & 0x7fffffff)) >>> 0 : base;
}

/** mret: pc ← mepc, privilege ← MPP, MIE ← MPIE, MPIE ← 1, MPP ← U (the least-privileged
 * mode), and MPRV ← 0 when returning below M. */
export function returnFromTrap(h: Hart): void {
  const mpp = (h.mstatus >>> MSTATUS_MPP_SHIFT) & 3;
  const target = mpp === PRIV_M ? PRIV_M : PRIV_U;
  let s = h.mstatus & ~(MSTATUS_MIE | MSTATUS_MPP);
  if (s & MSTATUS_MPIE) s |= MSTATUS_MIE;
  s |= MSTATUS_MPIE;
  if (target !== PRIV_M) s &= ~MSTATUS_MPRV;
  h.mstatus = s;
  h.priv = target;
  h.pc = h.mepc >>> 0;
}
