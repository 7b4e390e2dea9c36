/**
 * Host code as text: one molecule per line, atoms separated by " ; ", operands in the order
 * of atoms.ts KIND_OPERANDS. Deterministic (golden tests compare it) and read back by
 * parser.ts: parse(print(x)) equals x.
 *
 *   li r40, 100 ; ld.w r5, 8(r2) ; addi r6, r6, -1
 *   { }                                          # an empty molecule (a scheduled bubble)
 *   exit.if r41, 0x80000040, 3 -> loop ; exit 0x80000010, 4
 *
 * Registers print as rN, immediates in signed decimal, guest pcs as 0x%08x. A chained exit
 * prints ` -> NAME` when the caller names its target translation; a module (several
 * translations) prints each under a `code NAME host=0x... tag=N` header.
 */
import { assertNever } from '../core/assert.ts';
import { ATOMS, KIND_OPERANDS, type OperandKind } from './atoms.ts';
import type { Atom, HostCode, Molecule } from './code.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function operand(a: Atom, k: OperandKind): string {
  switch (k) {
    case 'rd': return `r${a.rd}`;
    case 'rs1': return `r${a.rs1}`;
    case 'rs2': return `r${a.rs2}`;
    case 'rs3': return `r${a.rs3}`;
    case 'imm': return String(a.imm | 0);
    case 'mem': return `${a.imm | 0}(r${a.rs1})`;
    case 'pc': return hex(a.imm);
    case 'retPc': return hex(a.retPc);
    case 'retired': return String(a.retired);
    default: return assertNever(k, 'operand kind');
  }
}

/** Name a linked translation, or undefined to leave links out. */
export type LinkNamer = (target: HostCode) => string | undefined;

export function printAtom(a: Atom, linkName?: LinkNamer): string {
  const ops = KIND_OPERANDS[ATOMS[a.op].kind] as readonly OperandKind[];
  let s = ops.length === 0 ? a.op : `${a.op} ${ops.map((k) => operand(a, k)).join(', ')}`;
  if (a.link && linkName) {
    const n = linkName(a.link);
    if (n !== undefined) s += ` -> ${n}`;
  }
  return s;
}

export function printMolecule(m: Molecule, linkName?: LinkNamer): string {
  return m.atoms.length === 0 ? '{ }' : m.atoms.map((a) => printAtom(a, linkName)).join(' ; ');
}

/** The molecules of one translation, one per line (no header). */
export function printHostCode(code: HostCode, linkName?: LinkNamer): string {
  return code.molecules.map((m) => printMolecule(m, linkName) + '\n').join('');
}

/** A named translation of a module. */
export interface NamedCode {
  readonly name: string;
  readonly code: HostCode;
}

/** Several translations with headers; links to translations of the module print by name. */
export function printModule(mod: readonly NamedCode[]): string {
  const names = new Map<HostCode, string>(mod.map((n) => [n.code, n.name]));
  return mod
    .map((n) => `code ${n.name} host=${hex(n.code.hostAddr)} tag=${n.code.tag}\n${printHostCode(n.code, (t) => names.get(t))}`)
    .join('');
}
