/**
 * The independent checker for host code (STYLE.md point 7): everything a translation must
 * satisfy to run correctly on the machine, checked from the atom table and the machine
 * description, without using the executor. The translator and scheduler run it after each
 * pass in debug mode; it returns every problem, each naming the molecule and atom.
 *
 * Timing is checked straight-line through molecule order, molecule i issuing at cycle i
 * (stalls freeze the whole machine, so they never reorder anything). At entry every register
 * is ready: a value produced by an earlier translation has landed (exits wait for it).
 */
import { assertNever } from '../core/assert.ts';
import { ATOMS, isChainable, isUncondExit, KIND_OPERANDS, type OperandKind } from './atoms.ts';
import type { Atom, HostCode } from './code.ts';
import { UNIT_CLASSES, type MachineDesc, type UnitClass } from './machine.ts';
import { printAtom } from './printer.ts';

export interface Problem {
  /** Molecule index. */
  readonly molecule: number;
  /** Atom index within the molecule, or -1 for a problem of the whole molecule/translation. */
  readonly atom: number;
  readonly message: string;
}

export const formatProblem = (p: Problem, code?: HostCode): string => {
  const a = code && p.atom >= 0 ? code.molecules[p.molecule]?.atoms[p.atom] : undefined;
  const where = p.atom >= 0 ? `molecule ${p.molecule}, atom ${p.atom}${a ? ` (${printAtom(a)})` : ''}` : `molecule ${p.molecule}`;
  return `${where}: ${p.message}`;
};

/** Registers an atom reads (at issue). */
export function atomReads(a: Atom): number[] {
  const out: number[] = [];
  for (const k of KIND_OPERANDS[ATOMS[a.op].kind] as readonly OperandKind[]) {
    if (k === 'rs1' || k === 'mem') out.push(a.rs1);
    else if (k === 'rs2') out.push(a.rs2);
    else if (k === 'rs3') out.push(a.rs3);
  }
  return out;
}

const SHIFT_IMM = new Set(['slli', 'srli', 'srai']);

/** Operand checks of one atom that need only the machine's register count. */
function checkOperands(a: Atom, m: MachineDesc, report: (msg: string) => void): void {
  const spec = ATOMS[a.op];
  if (!spec) { report(`unknown atom '${String(a.op)}'`); return; }
  const sig = KIND_OPERANDS[spec.kind] as readonly OperandKind[];
  const regOk = (name: string, r: number): void => {
    if (!Number.isInteger(r) || r < 0 || r >= m.numRegs) report(`${name} r${r} is not a register (r0..r${m.numRegs - 1})`);
  };
  const used = new Set<string>();
  for (const k of sig) {
    switch (k) {
      case 'rd':
        regOk('rd', a.rd);
        if (a.rd === 0) report('writes r0 (r0 is hard-wired to zero)');
        used.add('rd');
        break;
      case 'rs1': regOk('rs1', a.rs1); used.add('rs1'); break;
      case 'rs2': regOk('rs2', a.rs2); used.add('rs2'); break;
      case 'rs3': regOk('rs3', a.rs3); used.add('rs3'); break;
      case 'mem':
        regOk('base', a.rs1);
        used.add('rs1').add('imm');
        if (a.imm !== (a.imm | 0)) report(`offset ${a.imm} is not a signed 32-bit value`);
        break;
      case 'imm':
        used.add('imm');
        if (a.imm !== (a.imm | 0)) report(`immediate ${a.imm} is not a signed 32-bit value`);
        else if (SHIFT_IMM.has(a.op) && (a.imm < 0 || a.imm > 31)) report(`shift amount ${a.imm} is outside 0..31`);
        break;
      case 'pc':
        used.add('imm');
        if (a.imm !== a.imm >>> 0) report(`guest pc ${a.imm} is not an unsigned 32-bit address`);
        break;
      case 'retPc':
        used.add('retPc');
        if (a.retPc !== a.retPc >>> 0) report(`return address ${a.retPc} is not an unsigned 32-bit address`);
        break;
      case 'retired':
        used.add('retired');
        if (!Number.isInteger(a.retired) || a.retired < 0) report(`retired count ${a.retired} is not a non-negative integer`);
        break;
      default: assertNever(k, 'operand kind');
    }
  }
  for (const f of ['rd', 'rs1', 'rs2', 'rs3', 'imm', 'retPc', 'retired'] as const) {
    if (!used.has(f) && a[f] !== 0) report(`field ${f} = ${a[f]} is not an operand of ${a.op}`);
  }
  if (a.link !== null && !isChainable(spec.kind)) report('only exit, exit.if and exit.call can be chained (link set)');
}

/** All problems of `code` on machine `m`; empty when the code is valid. */
export function validate(code: HostCode, m: MachineDesc): Problem[] {
  const out: Problem[] = [];
  const mols = code.molecules;
  if (mols.length === 0) {
    out.push({ molecule: 0, atom: -1, message: 'empty translation (no molecules, so no exit)' });
    return out;
  }
  // Per register: the cycle its newest write lands and the molecule that issued it.
  const landAt = new Array<number>(m.numRegs).fill(0);
  const issuedAt = new Array<number>(m.numRegs).fill(-1);
  // Buffered stores since the last commit point (entry or commit).
  let storesSinceCommit = 0;

  for (let i = 0; i < mols.length; i++) {
    const atoms = mols[i]!.atoms;
    const bad = (j: number, message: string) => out.push({ molecule: i, atom: j, message });

    if (atoms.length > m.width) bad(-1, `${atoms.length} atoms exceed the issue width ${m.width}`);
    const perUnit: Record<UnitClass, number> = { alu: 0, mem: 0, mul: 0, br: 0 };
    for (const a of atoms) if (ATOMS[a.op]) perUnit[ATOMS[a.op].unit]++;
    for (const u of UNIT_CLASSES) {
      if (perUnit[u] > m.slots[u]) bad(-1, `${perUnit[u]} ${u} atoms exceed the ${m.slots[u]} ${u} slot${m.slots[u] === 1 ? '' : 's'}`);
    }

    let commitsHere = false;
    let ioHere = -1;
    let faultingOthers = 0;
    atoms.forEach((a, j) => {
      checkOperands(a, m, (msg) => bad(j, msg));
      const spec = ATOMS[a.op];
      if (!spec) return;
      // Reads see registers as of issue: a write from an EARLIER molecule still in flight is
      // a hazard (there are no interlocks); one from this molecule is not (the read gets the
      // old value, by definition).
      for (const r of atomReads(a)) {
        if (r >= 0 && r < m.numRegs && issuedAt[r]! < i && landAt[r]! > i) {
          bad(j, `reads r${r} in cycle ${i}, but the write issued in molecule ${issuedAt[r]} lands in cycle ${landAt[r]}`);
        }
      }
      if (spec.kind === 'commit' || isUncondExit(spec.kind)) commitsHere = true;
      if (spec.effects.device) {
        if (ioHere >= 0) bad(j, 'a second device access in one molecule');
        ioHere = j;
      } else if (spec.effects.mayFault) {
        faultingOthers++;
      }
    });

    // Device accesses cannot be undone, so nothing may roll them back: the molecule commits
    // (no interrupt can come between), holds no other atom that may fault, and no buffered
    // store is pending (it would otherwise reach memory after the device access).
    if (ioHere >= 0) {
      if (!commitsHere) bad(ioHere, 'device access in a molecule without commit, exit or exit.ind (a rollback would repeat it)');
      if (faultingOthers > 0) bad(ioHere, 'device access beside another atom that may fault (a rollback would repeat it)');
      if (storesSinceCommit > 0) bad(ioHere, `device access with ${storesSinceCommit} buffered store(s) not yet committed (it would overtake them)`);
    }

    // Register writes of this molecule (after all its reads).
    const landingHere = new Map<number, number>();
    atoms.forEach((a, j) => {
      const spec = ATOMS[a.op];
      if (!spec || !(KIND_OPERANDS[spec.kind] as readonly OperandKind[]).includes('rd')) return;
      const r = a.rd;
      if (r <= 0 || r >= m.numRegs) return; // already reported
      const land = i + m.latency[spec.latency];
      if (landingHere.has(r)) {
        bad(j, `two writes to r${r} in one molecule`);
      } else if (landAt[r]! > i) {
        // An earlier molecule's write is still in flight: writes must land in issue order.
        if (landAt[r] === land) bad(j, `two writes to r${r} land in the same cycle ${land}`);
        else if (landAt[r]! > land) bad(j, `write to r${r} lands in cycle ${land}, before the earlier write (molecule ${issuedAt[r]}) lands in cycle ${landAt[r]}`);
      }
      landingHere.set(r, land);
      landAt[r] = Math.max(landAt[r]!, land);
      issuedAt[r] = i;
    });

    for (const a of atoms) {
      const spec = ATOMS[a.op];
      if (spec?.kind === 'store' && spec.mode !== 'io') storesSinceCommit++;
    }
    if (commitsHere) {
      // A commit waits for results in flight, so after it everything has landed.
      storesSinceCommit = 0;
      for (let r = 0; r < m.numRegs; r++) if (landAt[r]! > i + 1) landAt[r] = i + 1;
    }
  }

  const last = mols[mols.length - 1]!.atoms;
  if (!last.some((a) => ATOMS[a.op] && isUncondExit(ATOMS[a.op].kind))) {
    out.push({ molecule: mols.length - 1, atom: -1, message: 'the last molecule has no exit or exit.ind (execution would fall off the end)' });
  }
  return out;
}

/** Throw with every problem listed when `code` is invalid (for debug checks between passes). */
export function assertValid(code: HostCode, m: MachineDesc, who = 'host code'): void {
  const ps = validate(code, m);
  if (ps.length > 0) throw new Error(`${who} is invalid:\n  ${ps.map((p) => formatProblem(p, code)).join('\n  ')}`);
}
