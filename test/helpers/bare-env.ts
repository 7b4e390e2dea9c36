// A bare guest platform for the in-order core's hand-written programs.
import type { GuestEnv, GuestRegs } from '../../isa-guest/env.ts';
import { Memory } from '../../isa-guest/memory.ts';

export const BARE_BASE = 0x80000000;
const MTIP = 1 << 7;

/**
 * 1 MiB of RAM at BARE_BASE and no devices, `ecall` exits with a0, an optional timer
 * interrupt at `timerAt`. Named `user`, it is the platform on which the in-order fast engine
 * times blocks that load and store as blocks (the machine platform has devices).
 */
export class BareEnv implements GuestEnv {
  readonly memory = new Memory();
  readonly clock = { cycles: 0 };
  exitCode: number | undefined = undefined;
  constructor(readonly name: 'user' | 'machine' = 'machine', readonly timerAt = Infinity) { this.memory.mapRam(BARE_BASE, 1 << 20); }
  ecall(regs: GuestRegs): boolean {
    this.exitCode = regs.x[10];
    return true;
  }
  pendingInterrupts(): number { return this.clock.cycles >= this.timerAt ? MTIP : 0; }
  nextEventCycle(): number { return this.timerAt; }
  readTime(): number { return this.clock.cycles; }
}
