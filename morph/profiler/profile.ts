/**
 * The profiler: what tier 0 and the translations observe, feeding the tiering decisions
 * (hotness), the adaptive policies (rollback causes) and the reports. Plain maps keyed by
 * guest pc or translation id; one Profile per machine.
 *
 * Tier 2 needs exact exit counts per translation (which way each branch went): in
 * `run.mode=optimize` the runtime counts every exit taken, chained transfers included
 * (`countExit`), and every rollback by translation and cause (`countFault`). The branch
 * biases of traces that were re-made are kept per branch pc (`noteBranch`), so a trace
 * re-formed later follows the path that became hot.
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
  /** Exits taken per translation id, by guest target (optimize mode only). */
  private readonly exits = new Map<number, Map<number, number>>();
  /** Rollbacks per translation id and cause. */
  private readonly faults = new Map<number, Record<RollbackCause, number>>();
  /** Branch outcomes observed by tier-2 traces, per guest branch pc. */
  private readonly branches = new Map<number, { taken: number; notTaken: number }>();

  /** `n` exits taken by translation `id` to guest pc `target`. */
  countExit(id: number, target: number, n = 1): void {
    let m = this.exits.get(id);
    if (!m) this.exits.set(id, (m = new Map()));
    m.set(target, (m.get(target) ?? 0) + n);
  }

  /** Exits taken by translation `id` to guest pc `target`. */
  exitCount(id: number, target: number): number {
    return this.exits.get(id)?.get(target >>> 0) ?? 0;
  }

  /** Exits taken by translation `id`, by target (empty when none). */
  exitsOf(id: number): ReadonlyMap<number, number> {
    return this.exits.get(id) ?? new Map();
  }

  countFault(id: number, cause: RollbackCause): void {
    let r = this.faults.get(id);
    if (!r) this.faults.set(id, (r = zeroCauses()));
    r[cause]++;
  }

  /** Rollbacks of translation `id` by cause. */
  faultsOf(id: number): Readonly<Record<RollbackCause, number>> {
    return this.faults.get(id) ?? zeroCauses();
  }

  /** Forget what was counted for translation `id` (dropped, and no longer a profile source). */
  forget(id: number): void {
    this.exits.delete(id);
    this.faults.delete(id);
  }

  /** Record branch outcomes seen by a trace (replaces older observations of that branch). */
  noteBranch(pc: number, taken: number, notTaken: number): void {
    this.branches.set(pc, { taken, notTaken });
  }

  branchOf(pc: number): { readonly taken: number; readonly notTaken: number } | undefined {
    return this.branches.get(pc);
  }

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
    if (!r) this.rollbacks.set(entryPc, (r = zeroCauses()));
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

const zeroCauses = (): Record<RollbackCause, number> =>
  Object.fromEntries(FAULT_CAUSES.map((c) => [c, 0])) as Record<RollbackCause, number>;
