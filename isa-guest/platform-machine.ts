/**
 * The machine platform: a system VM with the environment of Spike and of the official
 * RISC-V ISA tests (riscv-tests `p`): bare M-mode, RAM at 0x80000000, a CLINT for the timer
 * and software interrupts, a 16550 UART, and HTIF tohost/fromhost for exit codes and
 * proxied output. `ecall` traps architecturally here (the guest's own trap handler deals
 * with it), so the platform only answers for its devices.
 */
import type { GuestEnv, SimClock } from './env.ts';
import type { Memory } from './memory.ts';
import type { Clint, Htif, Uart16550 } from './devices.ts';

export const RAM_BASE = 0x80000000;

export class MachinePlatform implements GuestEnv {
  readonly name = 'machine';

  constructor(
    readonly memory: Memory,
    readonly clock: SimClock,
    readonly clint: Clint,
    readonly uart: Uart16550,
    /** Present when the ELF defines `tohost`. */
    readonly htif: Htif | undefined,
  ) {}

  get exitCode(): number | undefined {
    return this.htif?.exitCode;
  }

  /** Environment calls from M-mode raise cause 11 through mtvec. */
  ecall(): boolean {
    return false;
  }

  pendingInterrupts(): number {
    return this.clint.pending();
  }

  nextEventCycle(): number {
    return this.clint.nextEventCycle();
  }

  readTime(): number {
    return this.clint.mtime();
  }
}
