/**
 * Dead-code elimination: deletes pure instructions (no declared effects) whose result is
 * never read before it is overwritten or the region ends. Liveness runs backwards over the
 * straight-line region. A guest register is live at every `commit-point` instruction —
 * every exit (taking it commits all guest registers) and every store (the lowering may put
 * a commit before it to drain the gated store buffer) — so a guest register write is dead
 * only when the register is overwritten before any of those; temporaries die at exits.
 * Loads are kept even when their result is dead: removing one could drop a fault.
 */
import { def, hasEffect, hasEffects, TEMP_BASE, uses, type IrInst, type IrRegion } from '../ir.ts';
import type { Pass } from '../passes.ts';

export function dce(r: IrRegion): IrRegion {
  const live = new Uint8Array(TEMP_BASE + r.temps);
  const kept: IrInst[] = [];
  for (let k = r.insts.length - 1; k >= 0; k--) {
    const i = r.insts[k]!;
    const d = def(i);
    if (d !== undefined && !live[d] && !hasEffects(i)) continue;
    if (d !== undefined) live[d] = 0;
    if (hasEffect(i, 'commit-point')) live.fill(1, 1, TEMP_BASE);
    for (const u of uses(i)) live[u] = 1;
    kept.push(i);
  }
  return { ...r, insts: kept.reverse() };
}

export const dcePass: Pass = {
  name: 'dce',
  description: 'delete pure instructions whose result is dead (guest registers are live at every exit and store)',
  run: dce,
};
