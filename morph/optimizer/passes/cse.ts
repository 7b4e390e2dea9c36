/**
 * Common-subexpression elimination: walking forward, remembers which location holds the
 * result of each pure operation and each load (keyed by operation and operand locations,
 * commutative operands in a fixed order); a later instruction computing the same value
 * while that location and the operands still hold becomes a copy of it (copy propagation
 * and DCE then clean up). A load is reused only if no store in between may overlap it:
 * a store is known not to overlap only when it has the same base location and a disjoint
 * byte range. Reusing an earlier load cannot drop a fault: the earlier access to the same
 * bytes already succeeded. A word load of what a word store wrote reads the stored register
 * (store-to-load forwarding; the store did not fault, so neither would the load).
 * Side exits not taken change nothing, so values live across them.
 */
import { assertNever } from '../../../core/assert.ts';
import { ALU_COMMUTES, copy, def, uses, type IrInst, type IrRegion, type Loc } from '../ir.ts';
import type { Pass } from '../passes.ts';

interface Avail {
  readonly holder: Loc;
  /** Locations the value was computed from. */
  readonly operands: readonly Loc[];
  /** For loads: the bytes read, as base location + offset range. */
  readonly mem?: { readonly base: Loc; readonly imm: number; readonly size: number };
}

/** Do [imm1, imm1+s1) and [imm2, imm2+s2) overlap, offsets from the same base, modulo 2^32? */
function mayOverlap(imm1: number, s1: number, imm2: number, s2: number): boolean {
  return ((imm2 - imm1) >>> 0) < s1 || ((imm1 - imm2) >>> 0) < s2;
}

/** A word load is the same whether marked signed or not. */
const loadKey = (size: number, signed: boolean, base: Loc, imm: number): string => `load ${size} ${size < 4 && signed} ${base} ${imm}`;

function keyOf(i: IrInst): string | undefined {
  switch (i.op) {
    case 'alu': {
      const [a, b] = ALU_COMMUTES[i.alu] && i.b < i.a ? [i.b, i.a] : [i.a, i.b];
      return `alu ${i.alu} ${a} ${b}`;
    }
    case 'alui': return `alui ${i.alu} ${i.a} ${i.imm}`;
    case 'li': return `li ${i.imm}`;
    case 'cmp': return `cmp ${i.cond} ${i.a} ${i.b}`;
    case 'load': return loadKey(i.size, i.signed, i.base, i.imm);
    case 'store': case 'exit': case 'exitIf': case 'exitInd': return undefined;
    default: return assertNever(i, 'IR instruction');
  }
}

export function cse(r: IrRegion): IrRegion {
  const avail = new Map<string, Avail>();
  const out: IrInst[] = [];
  for (const orig of r.insts) {
    let i: IrInst = orig;
    const key = keyOf(i);
    const d = def(i);
    const hit = key === undefined ? undefined : avail.get(key);
    if (hit && d !== undefined) {
      if (hit.holder === d) continue; // it already holds that value
      i = copy(d, hit.holder);
    }
    if (i.op === 'store') {
      for (const [k, v] of avail) {
        if (v.mem && (v.mem.base !== i.base || mayOverlap(v.mem.imm, v.mem.size, i.imm, i.size))) avail.delete(k);
      }
      // A word load of the bytes a word store just wrote reads the stored register.
      if (i.size === 4) avail.set(loadKey(4, false, i.base, i.imm), { holder: i.src, operands: [i.base], mem: { base: i.base, imm: i.imm, size: 4 } });
    }
    if (d !== undefined) {
      for (const [k, v] of avail) if (v.holder === d || v.operands.includes(d)) avail.delete(k);
      // A value computed from its own destination (x5 = add x5, 1) is gone once written.
      const operands = uses(orig);
      if (key !== undefined && !hit && !operands.includes(d)) {
        avail.set(key, { holder: d, operands, mem: orig.op === 'load' ? { base: orig.base, imm: orig.imm, size: orig.size } : undefined });
      }
    }
    out.push(i);
  }
  return { ...r, insts: out };
}

export const csePass: Pass = {
  name: 'cse',
  description: 'reuse an earlier identical computation or load (no possibly-overlapping store in between)',
  run: cse,
};
