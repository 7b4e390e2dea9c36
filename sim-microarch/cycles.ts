/**
 * Cycle accounting. Every simulated host cycle lands in exactly one category, and the
 * categories sum to the total (DESIGN.md invariant 4). Categories are declared once here,
 * with docs; engines add to a CycleAccount and reports read the declarations.
 */
import { counter, defineStats, formula, ratio, type CounterDef } from '../core/stats.ts';

const CATEGORY_DOCS = {
  interpret: 'code-morphing software interpreting cold guest instructions',
  translate: 'code-morphing software translating guest regions to host code',
  dispatch: 'dispatcher: translation-cache lookups and transfers to translations',
  chain: 'patching exits to jump directly to their target translation',
  execute: 'issuing molecules of translated code (one per cycle), or instructions on the baseline core',
  exit: 'leaving translations: taken side exits, chained jumps, returns to the dispatcher',
  stallIcache: 'instruction-fetch stalls on L1 I-cache misses',
  stallDcache: 'data stalls on L1 D-cache misses',
  stallPipeline: 'baseline core: load-use, multiply/divide and branch bubbles',
  system: 'baseline core: pipeline drains for CSR, ecall/mret and fence.i, and the platform emulating misaligned accesses',
  rollback: 'wasted work: cycles of translation runs that rolled back, plus the rollback itself',
  idle: 'wfi: time skipped while waiting for an interrupt',
} as const;

export type CycleCategory = keyof typeof CATEGORY_DOCS;
export const CYCLE_CATEGORIES = Object.keys(CATEGORY_DOCS) as readonly CycleCategory[];

export const cycleStats = defineStats('cycles', {
  ...(Object.fromEntries(CYCLE_CATEGORIES.map((c) => [c, counter('cycles', CATEGORY_DOCS[c])])) as Record<CycleCategory, CounterDef>),
  total: formula('cycles', 'all cycles; the sum of the categories', (g) =>
    CYCLE_CATEGORIES.reduce((s, c) => s + g(`cycles.${c}`), 0)),
  wastedFraction: formula('ratio', 'share of cycles lost to rollback', (g) => ratio(g('cycles.rollback'), g('cycles.total'))),
});

/** Index of each category in a CycleAccount's array (hot paths add by index). */
export const Cyc = Object.fromEntries(CYCLE_CATEGORIES.map((c, i) => [c, i])) as { readonly [K in CycleCategory]: number };

/** Per-machine cycle counters. Float64 holds exact integers up to 2^53 cycles. */
export class CycleAccount {
  readonly by = new Float64Array(CYCLE_CATEGORIES.length);

  add(cat: number, n: number): void { this.by[cat] += n; }
  total(): number {
    let s = 0;
    for (let i = 0; i < this.by.length; i++) s += this.by[i]!;
    return s;
  }
  /** Move `n` cycles from one category to another (e.g. execute → rollback when a run is undone). */
  move(from: number, to: number, n: number): void { this.by[from] -= n; this.by[to] += n; }
  snapshot(): Float64Array { return this.by.slice(); }
  /** The categories as `cycles.*` statistics for the registry. */
  statValues(): Record<string, number> { return cycleStats.values(this.record()); }
  record(): Record<CycleCategory, number> {
    return Object.fromEntries(CYCLE_CATEGORIES.map((c, i) => [c, this.by[i]!])) as Record<CycleCategory, number>;
  }
}
