/**
 * Copy propagation: after a copy `d = add a, 0` (the IR's register move), later reads of
 * `d` read `a` instead, for as long as neither is overwritten — so the copy itself usually
 * becomes dead (DCE deletes it when `d` is a temporary or a guest register overwritten
 * before the next commit point). A copy into a location that already holds the value (`d = add d, 0` included)
 * does nothing and is dropped.
 */
import { def, isCopy, mapUses, type IrInst, type IrRegion, type Loc } from '../ir.ts';
import type { Pass } from '../passes.ts';

export function copyProp(r: IrRegion): IrRegion {
  /** d → a: location d currently holds the same value as location a. */
  const copyOf = new Map<Loc, Loc>();
  const out: IrInst[] = [];
  for (const orig of r.insts) {
    const i = mapUses(orig, (l) => copyOf.get(l) ?? l);
    // d = add a, 0 where d already holds a's value (self-copies included) does nothing.
    if (isCopy(i) && (i.a === i.dst || copyOf.get(i.dst) === i.a)) continue;
    const d = def(i);
    if (d !== undefined) {
      for (const [k, v] of copyOf) if (k === d || v === d) copyOf.delete(k);
    }
    if (isCopy(i)) copyOf.set(i.dst, i.a);
    out.push(i);
  }
  return { ...r, insts: out };
}

export const copyPropPass: Pass = {
  name: 'copy-prop',
  description: 'read the source of a register copy instead of its destination while both hold',
  run: copyProp,
};
