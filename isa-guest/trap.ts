/**
 * Synchronous exceptions and interrupts, with the cause codes of the RISC-V privileged
 * spec (Volume II, table "Machine cause register (mcause) values after trap").
 */

export const Cause = {
  instructionAddressMisaligned: 0,
  instructionAccessFault: 1,
  illegalInstruction: 2,
  breakpoint: 3,
  loadAddressMisaligned: 4,
  loadAccessFault: 5,
  storeAddressMisaligned: 6,
  storeAccessFault: 7,
  ecallFromU: 8,
  ecallFromS: 9,
  ecallFromM: 11,
} as const;
export type CauseCode = (typeof Cause)[keyof typeof Cause];

/** Interrupt numbers (mcause with the top bit set; bit positions in mip/mie). */
export const Irq = {
  machineSoftware: 3,
  machineTimer: 7,
  machineExternal: 11,
} as const;

/** mcause value of interrupt `n` (the interrupt bit is bit 31 on RV32). */
export const interruptCause = (n: number): number => (0x80000000 | n) >>> 0;

/**
 * A synchronous exception raised while executing a guest instruction. Thrown (exceptions are
 * rare, and throwing keeps the common path free of status checks) and caught by whoever runs
 * guest code: the interpreter delivers it to mtvec; the VLIW executor turns it into a fault and
 * rolls back.
 */
export class GuestTrap extends Error {
  constructor(
    override readonly cause: CauseCode,
    /** mtval: the faulting address, or the instruction bits for illegal instructions. */
    readonly tval: number,
  ) {
    super(`guest trap cause=${cause} tval=0x${(tval >>> 0).toString(16)}`);
  }
}
