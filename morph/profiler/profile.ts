/**
 * The profiler: what tier 0 and the translations observe, feeding the tiering decisions
 * (hotness), the adaptive policies (rollback causes) and the reports. Plain maps keyed by
 * guest pc; one Profile per machine.
 */

import { FAULT_CAUSES, type FaultCause } from '../../sim-microarch/executor.ts';

export type RollbackCause = FaultCause;
export const ROLLBACK_CAUSES: readonly RollbackCause[] = FAULT_CAUSES;

export class Profile {
  /** Interpreted executions of the block starting at each guest pc. */
  readonly blockCounts = new Map<number, number>();
  /** Control-flow edges between successive dispatcher lookups: key = from * 2^32 + to. */
  readonly edgeCounts = new Map<number, number>();
  /** Rollbacks per translation entry pc and cause. */
  readonly rollbacks = new Map<number, Record<RollbackCause, number>>();
  /** Taken side exits per (translation entry pc, exit target). */
  readonly sideExits = new Map<number, number>();

  countBlock(pc: number): number {
    const n = (this.blockCounts.get(pc) ?? 0) + 1;
    this.blockCounts.set(pc, n);
    return n;
  }

  countEdge(from: number, to: number): void {
    const k = from * 0x100000000 + to;
    this.edgeCounts.set(k, (this.edgeCounts.get(k) ?? 0) + 1);
  }

  countRollback(entryPc: number, cause: RollbackCause): number {
    let r = this.rollbacks.get(entryPc);
    if (!r) {
      r = Object.fromEntries(FAULT_CAUSES.map((c) => [c, 0])) as Record<RollbackCause, number>;
      this.rollbacks.set(entryPc, r);
    }
    return ++r[cause];
  }

  countSideExit(entryPc: number, target: number): void {
    const k = entryPc * 0x100000000 + target;
    this.sideExits.set(k, (this.sideExits.get(k) ?? 0) + 1);
  }

  /** Taken side exits of the translation entered at `entryPc`, all targets together. */
  sideExitsOf(entryPc: number): number {
    let n = 0;
    const lo = entryPc * 0x100000000;
    for (const [k, c] of this.sideExits) if (k >= lo && k < lo + 0x100000000) n += c;
    return n;
  }

  /** Hottest blocks first (ties by pc, so the order is deterministic). */
  hottestBlocks(n: number): { pc: number; count: number }[] {
    return [...this.blockCounts].map(([pc, count]) => ({ pc, count }))
      .sort((a, b) => b.count - a.count || a.pc - b.pc).slice(0, n);
  }
}
