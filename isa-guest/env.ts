/**
 * The narrow interface between guest execution (interpreter, baseline core, translated code)
 * and the platform it runs on (user: Linux syscalls; machine: CLINT, UART, HTIF).
 */
import type { Memory } from './memory.ts';

/** Simulated time: host cycles since reset. Owned by whoever drives execution and advanced
 * by it; devices (mtime) and clock_gettime read it. One object per machine, never global. */
export interface SimClock {
  cycles: number;
}

/** Register state the platform may touch (syscall arguments and results). */
export interface GuestRegs {
  readonly x: Int32Array;
  pc: number;
}

export interface GuestEnv {
  readonly name: 'user' | 'machine';
  readonly memory: Memory;
  readonly clock: SimClock;
  /**
   * Called for `ecall`. Returns true when the platform handled it (user platform: a Linux
   * syscall; the instruction then retires normally), false when the architectural trap
   * (environment call from M-mode) must be taken.
   */
  ecall(regs: GuestRegs): boolean;
  /** mip bits driven by devices now (MTIP from the CLINT timer, MSIP from msip). */
  pendingInterrupts(): number;
  /** Simulated cycle at which pendingInterrupts() may next change; Infinity if never. Lets
   * execution loops skip interrupt checks until then. Devices that change it (a write to
   * mtimecmp) must make this earlier, never later than the truth. */
  nextEventCycle(): number;
  /** mtime value as the `time` CSR reads it. */
  readTime(): number;
  /** Set once the guest asked to stop (exit/exit_group, HTIF tohost). */
  readonly exitCode: number | undefined;
  /**
   * Host cycles to complete a misaligned load or store in software, as Linux does for user
   * programs (the user platform); undefined: misaligned accesses trap, as the spec allows
   * (the machine platform).
   */
  readonly misalignedCost?: number;
  /**
   * A synchronous exception the hart is about to take. Returns true when the platform ends
   * the run instead (user platform: Linux kills the process with a signal; exitCode is then
   * set); false to enter the trap handler at mtvec.
   */
  fatalTrap?(regs: GuestRegs, cause: number, tval: number): boolean;
}
