/**
 * Constant folding and propagation: tracks which locations hold known constants (x0 always
 * holds 0) walking forward, and evaluates what it can with the one ALU definition
 * (core/alu.ts), so folding is exactly RV32 arithmetic, wraparound and division corner
 * cases included. An operation on two constants becomes `li`; a constant second operand
 * becomes an immediate (a constant first operand too, when the operation commutes); a
 * constant zero operand becomes x0; a constant base folds into a load/store offset; a side
 * exit whose condition is known either disappears (never taken) or becomes the region's
 * final exit (always taken, and the unreachable rest is dropped), and past a side exit not
 * taken its condition is known to be zero; an indirect exit to a
 * known, aligned address becomes a direct exit, which the runtime can chain (a call stays a
 * call; a return stays indirect, so the return-address stack still pops).
 */
import { assertNever } from '../../../core/assert.ts';
import { ALU, BRANCH } from '../../../core/alu.ts';
import { ALU_COMMUTES, def, type IrInst, type IrRegion, type Loc } from '../ir.ts';
import type { Pass } from '../passes.ts';

export function constFold(r: IrRegion): IrRegion {
  const known = new Map<Loc, number>();
  const val = (l: Loc): number | undefined => (l === 0 ? 0 : known.get(l));
  /** A location that reads as zero is better read as x0 (one use fewer). */
  const zeroed = (l: Loc): Loc => (val(l) === 0 ? 0 : l);
  const out: IrInst[] = [];
  for (const orig of r.insts) {
    let i: IrInst = orig;
    switch (i.op) {
      case 'alu': {
        const a = val(i.a);
        const b = val(i.b);
        if (a !== undefined && b !== undefined) i = { op: 'li', dst: i.dst, imm: ALU[i.alu](a, b) };
        else if (b !== undefined) i = { op: 'alui', alu: i.alu, dst: i.dst, a: i.a, imm: b };
        else if (a !== undefined && ALU_COMMUTES[i.alu]) i = { op: 'alui', alu: i.alu, dst: i.dst, a: i.b, imm: a };
        else i = { ...i, a: zeroed(i.a) };
        break;
      }
      case 'alui': {
        const a = val(i.a);
        if (a !== undefined) i = { op: 'li', dst: i.dst, imm: ALU[i.alu](a, i.imm) };
        break;
      }
      case 'li': break;
      case 'cmp': {
        const a = val(i.a);
        const b = val(i.b);
        if (a !== undefined && b !== undefined) i = { op: 'li', dst: i.dst, imm: BRANCH[i.cond](a, b) ? 1 : 0 };
        else i = { ...i, a: zeroed(i.a), b: zeroed(i.b) };
        break;
      }
      case 'load': {
        const base = val(i.base);
        if (base !== undefined && i.base !== 0) i = { ...i, base: 0, imm: (base + i.imm) | 0 };
        break;
      }
      case 'store': {
        const base = val(i.base);
        if (base !== undefined && i.base !== 0) i = { ...i, base: 0, imm: (base + i.imm) | 0 };
        i = { ...i, src: zeroed(i.src) };
        break;
      }
      case 'exit': break;
      case 'exitIf': {
        const c = val(i.cond);
        if (c === 0) continue; // never taken
        if (c !== undefined) {
          out.push({ op: 'exit', target: i.target, retired: i.retired });
          return { ...r, insts: out };
        }
        // Past a side exit not taken, its condition is known to be zero.
        out.push(i);
        known.set(i.cond, 0);
        continue;
      }
      case 'exitInd': {
        const t = val(i.target);
        // A return stays indirect: its pop keeps the return-address stack balanced.
        if (t !== undefined && (t & 3) === 0 && !i.ret) {
          i = i.call !== undefined ? { op: 'exit', target: t >>> 0, retired: i.retired, call: i.call } : { op: 'exit', target: t >>> 0, retired: i.retired };
        }
        break;
      }
      default: assertNever(i, 'IR instruction');
    }
    const d = def(i);
    if (d !== undefined) {
      if (i.op === 'li') known.set(d, i.imm);
      else known.delete(d);
    }
    out.push(i);
  }
  return { ...r, insts: out };
}

export const constFoldPass: Pass = {
  name: 'const-fold',
  description: 'evaluate operations on known constants and propagate them into immediates, offsets and exits',
  run: constFold,
};
