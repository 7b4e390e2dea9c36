/**
 * Host code: atoms grouped into molecules, molecules into a HostCode (one translation), and
 * the helpers the translator uses to emit them.
 *
 * Molecule semantics (the contract the validator checks and both executors implement):
 * - A molecule issues in one cycle. All its atoms read their source registers at issue.
 * - A result becomes visible `latency` cycles after issue (machine.ts latency classes). There
 *   are no interlocks: the schedule must not read a register while a write to it from an
 *   earlier molecule is still in flight. An atom may read a register that another atom of the
 *   SAME molecule writes: it sees the old value (so `mov r5, r6 ; mov r6, r5` swaps).
 *   A molecule writes a register at most once, and writes to one register land in issue
 *   order. Under these rules (which the validator enforces), landing every write at the end
 *   of its molecule gives exactly the results of landing it `latency` cycles later; the
 *   executors do the former.
 * - A commit, or a taken exit, first waits until every result in flight has landed (the
 *   wait, known statically per molecule, is charged as execute cycles). So a value produced
 *   by an earlier translation is always ready at entry.
 * - Memory atoms act in slot order within a molecule (a load after a store in the same
 *   molecule sees it). A cache miss stalls the whole machine, which preserves the schedule.
 * - Then the molecule's register writes land, then `commit` (if present) takes effect, then
 *   the first exit in slot order whose condition holds (read at issue) is taken. Taking an
 *   exit commits. A fault in any atom abandons the molecule and rolls back.
 *
 * Register conventions: r0 reads as zero and is never written; r0..r(numShadowed-1) have
 * shadow copies and hold guest x0..x31 from r0; the rest are temporaries.
 */
import { ATOMS, type AtomOp, type LoadWidth, type StoreWidth } from './atoms.ts';
import type { AluOp, BranchCond } from '../core/alu.ts';

/** A host register number (r0..). */
export type HostReg = number;
/** A guest (RISC-V) address. */
export type GuestAddr = number;

/**
 * One atom. Every atom has every field (unused ones are 0), so all atoms share one shape and
 * the code that walks them stays monomorphic. Field use per kind: atoms.ts KIND_OPERANDS.
 */
export interface Atom {
  readonly op: AtomOp;
  readonly rd: HostReg;
  readonly rs1: HostReg;
  readonly rs2: HostReg;
  readonly rs3: HostReg;
  /** Immediate (signed 32-bit), memory offset, or guest pc (unsigned) for commit/exits. */
  readonly imm: number;
  /** commit/exits: guest instructions of this translation retired at this point. */
  readonly retired: number;
  /** exit.call/exit.icall: the guest return address pushed on the return-address stack. */
  readonly retPc: number;
  /** exit/exit.if/exit.call: the translation this exit is chained to, or null (return to the
   * dispatcher). Patched by the translation cache; runtime state, not part of the code. */
  link: HostCode | null;
}

export interface Molecule {
  readonly atoms: readonly Atom[];
}

/** One translation. */
export interface HostCode {
  readonly molecules: readonly Molecule[];
  /** Address of molecule 0 in the translation cache (for the I-cache); molecule i is at
   * hostAddr + i * vliw.moleculeBytes. */
  hostAddr: number;
  /** Owner id for the runtime (which translation this is). */
  readonly tag: number;
  /** Times execution entered this translation (directly or chained). */
  execCount: number;
  /** Cycles spent in this translation (all categories, rolled-back runs included). */
  cycles: number;
  /** The runtime's tiering watch (optimize mode): from this execution count on, the
   * executors note each logged transfer out of this translation (ChainLog.noteDue). A lower
   * value than the runtime's real threshold only costs speed; undefined: never. */
  dueAt?: number;
}

export interface AtomFields {
  rd?: HostReg;
  rs1?: HostReg;
  rs2?: HostReg;
  rs3?: HostReg;
  imm?: number;
  retired?: number;
  retPc?: number;
  link?: HostCode | null;
}

/** Build an atom; immediates are normalized (guest pcs unsigned, other immediates int32). */
export function atom(op: AtomOp, f: AtomFields = {}): Atom {
  const k = ATOMS[op].kind;
  const isPc = k === 'commit' || k === 'exit' || k === 'exitIf' || k === 'exitCall';
  const imm = f.imm ?? 0;
  return {
    op,
    rd: f.rd ?? 0,
    rs1: f.rs1 ?? 0,
    rs2: f.rs2 ?? 0,
    rs3: f.rs3 ?? 0,
    imm: isPc ? imm >>> 0 : imm | 0,
    retired: f.retired ?? 0,
    retPc: (f.retPc ?? 0) >>> 0,
    link: f.link ?? null,
  };
}

// ---- typed emitters for the translator ----
export const alu = (op: AluOp, rd: HostReg, rs1: HostReg, rs2: HostReg): Atom => atom(op, { rd, rs1, rs2 });
export const aluImm = (op: AluOp, rd: HostReg, rs1: HostReg, imm: number): Atom => atom(`${op}i`, { rd, rs1, imm });
export const li = (rd: HostReg, imm: number): Atom => atom('li', { rd, imm });
export const mov = (rd: HostReg, rs1: HostReg): Atom => atom('mov', { rd, rs1 });
export const cmp = (cond: BranchCond, rd: HostReg, rs1: HostReg, rs2: HostReg): Atom => atom(`cmp.${cond}`, { rd, rs1, rs2 });
/** rd = rc != 0 ? ra : rb */
export const sel = (rd: HostReg, rc: HostReg, ra: HostReg, rb: HostReg): Atom => atom('sel', { rd, rs1: rc, rs2: ra, rs3: rb });
export type LoadKind = 'ld' | 'ldp' | 'ldio';
export type StoreKind = 'st' | 'stc' | 'stio';
/** rd = mem[base + offset]; kind ld (plain), ldp (protected), ldio (device). */
export const load = (kind: LoadKind, w: LoadWidth, rd: HostReg, base: HostReg, offset: number): Atom =>
  atom(`${kind}.${w}`, { rd, rs1: base, imm: offset });
/** mem[base + offset] = src; kind st (buffered), stc (alias-checked), stio (device). */
export const store = (kind: StoreKind, w: StoreWidth, src: HostReg, base: HostReg, offset: number): Atom =>
  atom(`${kind}.${w}`, { rs2: src, rs1: base, imm: offset });
export const commit = (guestPc: GuestAddr, retired: number): Atom => atom('commit', { imm: guestPc, retired });
export const exit = (guestPc: GuestAddr, retired: number, link: HostCode | null = null): Atom => atom('exit', { imm: guestPc, retired, link });
export const exitIf = (rc: HostReg, guestPc: GuestAddr, retired: number, link: HostCode | null = null): Atom =>
  atom('exit.if', { rs1: rc, imm: guestPc, retired, link });
export const exitInd = (rs: HostReg, retired: number): Atom => atom('exit.ind', { rs1: rs, retired });
/** A call: leave to guestPc and push retPc on the return-address stack. */
export const exitCall = (guestPc: GuestAddr, retPc: GuestAddr, retired: number, link: HostCode | null = null): Atom =>
  atom('exit.call', { imm: guestPc, retPc, retired, link });
/** An indirect call: leave to the pc in rs and push retPc. */
export const exitIndCall = (rs: HostReg, retPc: GuestAddr, retired: number): Atom => atom('exit.icall', { rs1: rs, retPc, retired });
/** A return: leave to the pc in rs, predicted by the return-address stack. */
export const exitRet = (rs: HostReg, retired: number): Atom => atom('exit.ret', { rs1: rs, retired });

export const molecule = (...atoms: Atom[]): Molecule => ({ atoms });

export function hostCode(molecules: readonly Molecule[], hostAddr = 0, tag = 0): HostCode {
  return { molecules, hostAddr, tag, execCount: 0, cycles: 0 };
}

/** Structural equality of two translations' code (links compared by identity). */
export function sameCode(a: HostCode, b: HostCode): boolean {
  if (a.hostAddr !== b.hostAddr || a.tag !== b.tag || a.molecules.length !== b.molecules.length) return false;
  for (let i = 0; i < a.molecules.length; i++) {
    const x = a.molecules[i]!.atoms;
    const y = b.molecules[i]!.atoms;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (!sameAtom(x[j]!, y[j]!)) return false;
  }
  return true;
}

export function sameAtom(x: Atom, y: Atom): boolean {
  return x.op === y.op && x.rd === y.rd && x.rs1 === y.rs1 && x.rs2 === y.rs2 && x.rs3 === y.rs3 &&
    x.imm === y.imm && x.retired === y.retired && x.retPc === y.retPc && x.link === y.link;
}
