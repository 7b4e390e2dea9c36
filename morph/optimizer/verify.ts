/**
 * The IR verifier: checks that a region is well formed, so a pass that breaks the IR is
 * caught right after it runs (the pass runner names it) instead of as a wrong result later.
 *
 * A region is well formed when: every location is a guest register x0..x31 or a temporary
 * below `temps`; x0 is never written (it reads as zero); a temporary is read only after an
 * instruction has written it (the region is straight-line, so "earlier" is "dominates");
 * immediates are 32-bit integers and guest pcs 32-bit, 4-byte aligned addresses; every
 * exit's retired count is at most `guestInsns` and the counts never decrease along the
 * region (a later exit has done at least the work of an earlier one); and the region ends
 * in its only unconditional exit (nothing after it could run).
 */
import { assertNever } from '../../core/assert.ts';
import { ALU, BRANCH } from '../../core/alu.ts';
import { def, isUnconditionalExit, printInst, TEMP_BASE, uses, type IrInst, type IrRegion, type Loc } from './ir.ts';

export interface IrProblem {
  /** Index of the offending instruction, or -1 for the region as a whole. */
  readonly index: number;
  readonly message: string;
}

const isInt32 = (v: number): boolean => Number.isInteger(v) && (v | 0) === v;
const isGuestPc = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff && (v & 3) === 0;
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Every problem of the region (empty when it is well formed). */
export function verifyRegion(r: IrRegion): IrProblem[] {
  const out: IrProblem[] = [];
  const bad = (index: number, message: string): void => { out.push({ index, message }); };
  if (!Number.isInteger(r.temps) || r.temps < 0) bad(-1, `bad temporary count ${r.temps}`);
  if (!isGuestPc(r.entryPc)) bad(-1, `bad entry pc ${r.entryPc}`);
  if (!isGuestPc(r.endPc)) bad(-1, `bad end pc ${r.endPc}`);
  if (!Number.isInteger(r.guestInsns) || r.guestInsns < 1) bad(-1, `bad guest instruction count ${r.guestInsns}`);
  if (r.insts.length === 0) bad(-1, 'empty region');

  const defined = new Set<Loc>();
  let lastRetired = 0;
  const checkLoc = (k: number, l: Loc, what: string): boolean => {
    if (!Number.isInteger(l) || l < 0 || l >= TEMP_BASE + r.temps) {
      bad(k, `${what} location ${l} out of range (x0..x31, t0..t${r.temps - 1})`);
      return false;
    }
    return true;
  };
  const checkExit = (k: number, retired: number): void => {
    if (!Number.isInteger(retired) || retired < 0 || retired > r.guestInsns) bad(k, `retired count ${retired} outside 0..${r.guestInsns}`);
    else if (retired < lastRetired) bad(k, `retired count ${retired} below an earlier exit's ${lastRetired}`);
    else lastRetired = retired;
  };

  r.insts.forEach((i, k) => {
    for (const u of uses(i)) {
      if (checkLoc(k, u, 'source') && u >= TEMP_BASE && !defined.has(u)) bad(k, `t${u - TEMP_BASE} read before it is written`);
    }
    const d = def(i);
    if (d !== undefined && checkLoc(k, d, 'destination')) {
      if (d === 0) bad(k, 'writes x0');
      defined.add(d);
    }
    switch (i.op) {
      case 'alu': case 'alui':
        if (!has(ALU, i.alu)) bad(k, `unknown ALU operation '${String(i.alu)}'`);
        if (i.op === 'alui' && !isInt32(i.imm)) bad(k, `immediate ${i.imm} is not a 32-bit integer`);
        break;
      case 'li':
        if (!isInt32(i.imm)) bad(k, `immediate ${i.imm} is not a 32-bit integer`);
        break;
      case 'cmp':
        if (!has(BRANCH, i.cond)) bad(k, `unknown comparison '${String(i.cond)}'`);
        break;
      case 'load': case 'store':
        if (i.size !== 1 && i.size !== 2 && i.size !== 4) bad(k, `bad access size ${String(i.size)}`);
        if (!isInt32(i.imm)) bad(k, `offset ${i.imm} is not a 32-bit integer`);
        if (!isGuestPc(i.pc)) bad(k, `bad guest pc ${i.pc}`);
        if (i.op === 'load' && typeof i.signed !== 'boolean') bad(k, 'load without signedness');
        break;
      case 'exit': case 'exitIf':
        if (!isGuestPc(i.target)) bad(k, `bad exit target ${i.target}`);
        if (i.op === 'exit' && i.call !== undefined && !isGuestPc(i.call)) bad(k, `bad return address ${i.call}`);
        checkExit(k, i.retired);
        break;
      case 'exitInd':
        if (i.call !== undefined && !isGuestPc(i.call)) bad(k, `bad return address ${i.call}`);
        if (i.call !== undefined && i.ret) bad(k, 'both a call and a return');
        checkExit(k, i.retired);
        break;
      default:
        assertNever(i, 'IR instruction');
    }
    if (isUnconditionalExit(i) && k !== r.insts.length - 1) bad(k + 1, 'unreachable: follows an unconditional exit');
  });
  const last = r.insts[r.insts.length - 1];
  if (last && !isUnconditionalExit(last)) bad(r.insts.length - 1, 'the region does not end in an unconditional exit');
  return out;
}

/** One line per problem, with the instruction it is about. */
export function formatIrProblems(r: IrRegion, problems: readonly IrProblem[]): string {
  return problems.map((p) => {
    const i: IrInst | undefined = r.insts[p.index];
    return p.index < 0 || !i ? `  region: ${p.message}` : `  #${p.index} ${printInst(i)}: ${p.message}`;
  }).join('\n');
}
