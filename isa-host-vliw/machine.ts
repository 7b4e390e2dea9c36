/**
 * A machine description: the static shape of the VLIW host that code is scheduled for and
 * validated against. Plain data, so experiments can build their own; sim-microarch derives
 * the default one from the parameter registry (machineDescFromConfig).
 */

/** Functional-unit classes; a molecule holds at most `slots[c]` atoms of class c. */
export type UnitClass = 'alu' | 'mem' | 'mul' | 'br';
export const UNIT_CLASSES = ['alu', 'mem', 'mul', 'br'] as const satisfies readonly UnitClass[];

/** Latency classes: cycles from issue until the result may be read by a later molecule. */
export type LatencyClass = 'alu' | 'mul' | 'div' | 'load' | 'store' | 'br';
export const LATENCY_CLASSES = ['alu', 'mul', 'div', 'load', 'store', 'br'] as const satisfies readonly LatencyClass[];

export interface MachineDesc {
  /** Maximum atoms per molecule. */
  readonly width: number;
  readonly slots: Readonly<Record<UnitClass, number>>;
  readonly latency: Readonly<Record<LatencyClass, number>>;
  /** Integer registers r0..r(numRegs-1); r0 reads as zero. */
  readonly numRegs: number;
  /** Registers r0..r(numShadowed-1) have shadow copies (they hold guest architectural state). */
  readonly numShadowed: number;
  /** Gated store buffer capacity; one more uncommitted store is an overflow fault. */
  readonly storeBufferEntries: number;
  /** Alias table capacity (protected load ranges live at once). */
  readonly aliasEntries: number;
}
