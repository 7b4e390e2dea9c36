/**
 * Address-arithmetic folding: a load or store whose base was computed as `base + constant`
 * (`t = add b, c`, or `t = li c` as `x0 + c`, chains included) addresses `c + offset(b)`
 * directly, as the host's memory atoms take any 32-bit offset. The address is the same
 * modulo 2^32, so the access and any fault are unchanged; the add usually becomes dead.
 * A known sum is forgotten as soon as its destination or its base is overwritten.
 */
import { def, type IrInst, type IrRegion, type Loc } from '../ir.ts';
import type { Pass } from '../passes.ts';

export function foldAddress(r: IrRegion): IrRegion {
  /** t → (b, c): location t holds b + c. */
  const sum = new Map<Loc, { readonly base: Loc; readonly imm: number }>();
  const out: IrInst[] = [];
  for (const orig of r.insts) {
    let i: IrInst = orig;
    if (i.op === 'load' || i.op === 'store') {
      const s = sum.get(i.base);
      if (s) i = { ...i, base: s.base, imm: (i.imm + s.imm) | 0 };
    }
    const d = def(i);
    if (d === undefined) {
      out.push(i);
      continue;
    }
    for (const [k, v] of sum) if (k === d || v.base === d) sum.delete(k);
    if (i.op === 'li') sum.set(d, { base: 0, imm: i.imm });
    else if (i.op === 'alui' && i.alu === 'add' && i.a !== d) {
      const inner = sum.get(i.a);
      sum.set(d, inner ? { base: inner.base, imm: (inner.imm + i.imm) | 0 } : { base: i.a, imm: i.imm });
    }
    out.push(i);
  }
  return { ...r, insts: out };
}

export const foldAddressPass: Pass = {
  name: 'fold-address',
  description: 'fold base + constant address arithmetic into load/store offsets',
  run: foldAddress,
};
