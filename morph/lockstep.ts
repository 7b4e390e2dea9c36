/**
 * Lockstep verification (`--verify lockstep`): a second, independent machine runs the same
 * program on the reference interpreter, and at every translation exit (including each
 * transfer through a chained exit, inside one executor run) and after every interpreted
 * block, the two are compared:
 * pc, privilege, all 32 registers, the machine CSRs, instret, and every byte either machine
 * wrote during the step. The first divergence stops the run with a report that names the
 * translation (guest pc range and symbol), prints its guest and host code, and the first
 * differing register or address (DESIGN.md invariant 1 and 2: the diagram commutes).
 *
 * Guest-visible time must agree too: device registers (mtime) and clock_gettime are read
 * only by interpreted code (translations never touch devices, and system calls are
 * interpreted), so wherever the main machine starts interpreting, the checker records its
 * clock against the retired-instruction count, and the reference sets its own clock to that
 * value when it reaches the same count; both interpreters then advance time identically.
 * The reference takes interrupts exactly where the main machine delivered them, never on
 * its own.
 */
import { ExitCode, MorphsimError } from '../core/errors.ts';
import { CSR, readCsr } from '../isa-guest/csr.ts';
import { decode } from '../isa-guest/decode.ts';
import { disasm, hex32, REG_NAMES } from '../isa-guest/disasm.ts';
import type { Memory } from '../isa-guest/memory.ts';
import { printHostCode } from '../isa-host-vliw/printer.ts';
import { GuestMachine } from './machine.ts';
import type { StepInfo } from './runtime.ts';
import type { Translation } from './tcache.ts';

/** CSRs compared at every commit (by name, from the guest ISA's CSR table). */
const CHECKED_CSRS = ['mstatus', 'mie', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch', 'minstret'] as const;
const CHECKED_CSR_NUMBERS = CHECKED_CSRS.map((name) => CSR[name]);

export interface LockstepChecker {
  /** Comparisons made so far. */
  readonly checks: number;
}

/** Record every store a memory takes, as (address, size) pairs appended to `into`
 * (instrumentation for this checker only; a flat list is cheaper than a set of bytes, and
 * a byte written twice is simply compared twice). */
function logWrites(mem: Memory, into: number[]): void {
  const s8 = mem.store8.bind(mem);
  const s16 = mem.store16.bind(mem);
  const s32 = mem.store32.bind(mem);
  mem.store8 = (a, v) => { into.push(a >>> 0, 1); s8(a, v); };
  mem.store16 = (a, v) => { into.push(a >>> 0, 2); s16(a, v); };
  mem.store32 = (a, v) => { into.push(a >>> 0, 4); s32(a, v); };
}

const byteAt = (m: Memory, addr: number): number | undefined => (m.isRam(addr) ? m.load8(addr) : undefined);

/** The lowest written byte whose value differs between the two memories, or -1. */
function firstDifference(written: readonly number[], ma: Memory, mb: Memory): number {
  let first = -1;
  for (let i = 0; i < written.length; i += 2) {
    const base = written[i]!;
    for (let k = 0; k < written[i + 1]!; k++) {
      const addr = (base + k) >>> 0;
      if ((first < 0 || addr < first) && byteAt(ma, addr) !== byteAt(mb, addr)) first = addr;
    }
  }
  return first;
}

export function attachLockstep(main: GuestMachine): LockstepChecker {
  const runtime = main.runtime;
  if (!runtime) throw new Error('lockstep verification needs the code-morphing runtime');
  // The guest's input: the reference reads the chunks the main machine's input took, in the
  // same order (it runs behind, so each is there when it asks; it asks where the main did).
  const input: (Uint8Array | null)[] = [];
  if (main.opts.stdin) main.onInput = (chunk) => { input.push(chunk); };
  const ref = new GuestMachine(main.image, {
    config: { ...main.opts.config, 'run.mode': 'interp', 'run.core': 'cms' },
    args: main.opts.args,
    platform: main.program.env.name,
    lockstepReference: true,
    warn: () => {}, // the main machine has already said it
    ...(main.opts.stdin ? { stdin: () => input.shift() ?? null } : {}),
  });
  const written: number[] = [];
  logWrites(main.program.env.memory, written);
  logWrites(ref.program.env.memory, written);
  const state = { checks: 0 };
  // Interrupts the main machine delivered, as the instret at which each was taken.
  const irqAt: number[] = [];
  main.interp.onInterrupt = () => irqAt.push(main.hart.instret);
  // Where the main machine started interpreting: [instret, clock cycles].
  const anchors: [number, number][] = [];
  runtime.onInterpret = () => anchors.push([main.hart.instret, main.clock.cycles]);

  /** Bring the reference to `target` retired instructions, then compare. */
  function sync(info: StepInfo, target: number, pc: number, midRun: boolean): void {
    const rh = ref.hart;
    let q = 0;
    let an = 0;
    for (;;) {
      while (an < anchors.length && anchors[an]![0] === rh.instret) ref.clock.cycles = anchors[an++]![1];
      while (q < irqAt.length && irqAt[q]! === rh.instret) {
        if (!ref.interp.takeInterruptIfPending()) fail(info, `the reference could not take the interrupt the runtime delivered at instret ${irqAt[q]}`);
        q++;
      }
      if (rh.instret >= target) break;
      const before = rh.instret;
      const pcBefore = rh.pc;
      // Run freely up to the next point where the reference must be told something.
      const next = Math.min(target, an < anchors.length ? anchors[an]![0] : target, q < irqAt.length ? irqAt[q]! : target);
      if (next - before > 1) ref.interp.run(next - before);
      else ref.interp.step();
      // A trap retires nothing but still moves the reference; stop when it stalls for good.
      if (rh.instret === before && rh.pc === pcBefore && ref.exitCode === undefined) break;
      if (ref.exitCode !== undefined) break;
    }
    irqAt.splice(0, q);
    anchors.splice(0, an);
    // After the main machine's trap entry (an exception retires nothing) the reference
    // must be at the same point too: step it over the traps it has not taken yet (counted,
    // not judged by pc: a trap may land where it was raised, at a faulting mtvec).
    while (!midRun && ref.interp.trapsTaken < main.interp.trapsTaken && rh.instret === target && ref.exitCode === undefined) {
      const before = ref.interp.trapsTaken;
      ref.interp.step();
      if (ref.interp.trapsTaken === before) break; // it retired instead: compare() reports it
    }
    compare(info, target, pc, midRun);
    written.length = 0;
    state.checks++;
  }

  // Under verification, the IR pass pipeline checks the IR after every pass too.
  runtime.verifyPasses = true;
  runtime.onStep = (info: StepInfo) => {
    sync(info, main.hart.instret, main.hart.pc, false);
    anchors.length = 0;
  };
  // Inside a chained run, compare at every translation exit too.
  runtime.onChain = (info: StepInfo, instret: number, pc: number) => sync(info, instret, pc, true);

  /** `instret` and `pc` are where the main machine is (mid-run, its hart fields lag). */
  function compare(info: StepInfo, instret: number, pc: number, midRun: boolean): void {
    const a = main.hart;
    const b = ref.hart;
    const hex = hex32;
    if (instret !== b.instret) fail(info, `instret: translated ${instret}, reference ${b.instret}`);
    if ((pc >>> 0) !== (b.pc >>> 0)) fail(info, `pc: translated ${hex(pc)}, reference ${hex(b.pc)}`);
    if (!midRun && a.priv !== b.priv) fail(info, `privilege: translated ${a.priv}, reference ${b.priv}`);
    for (let r = 1; r < 32; r++) {
      if (a.x[r] !== b.x[r]) fail(info, `register x${r} (${REG_NAMES[r]}): translated ${hex(a.x[r]!)}, reference ${hex(b.x[r]!)}`);
    }
    // Translations never touch CSRs or privilege (those instructions are interpreted), so
    // mid-run only registers and memory can differ.
    for (let i = 0; !midRun && i < CHECKED_CSR_NUMBERS.length; i++) {
      const va = readCsr(a, main.program.env, CHECKED_CSR_NUMBERS[i]!);
      const vb = readCsr(b, ref.program.env, CHECKED_CSR_NUMBERS[i]!);
      if (va !== vb) fail(info, `CSR ${CHECKED_CSRS[i]}: translated ${hex(va ?? 0)}, reference ${hex(vb ?? 0)}`);
    }
    const ma = main.program.env.memory;
    const mb = ref.program.env.memory;
    const first = firstDifference(written, ma, mb);
    if (first >= 0) fail(info, `memory byte ${hex(first)}: translated ${byteAt(ma, first) ?? 'unmapped'}, reference ${byteAt(mb, first) ?? 'unmapped'}`);
  }

  function fail(info: StepInfo, what: string): never {
    throw new MorphsimError(`lockstep divergence after ${main.hart.instret} instructions: ${what}\n${describe(info.translation)}`, ExitCode.divergence);
  }

  function describe(t: Translation | undefined): string {
    if (!t) return 'in interpreted code (no translation ran in this step)';
    const mem = main.program.env.memory;
    const sym = main.image.symbolize(t.entryPc);
    const lines = [`translation #${t.id}, guest 0x${t.entryPc.toString(16)}..0x${t.endPc.toString(16)}${sym ? ` <${sym}>` : ''}, ${t.guestInsns} guest instructions:`];
    for (const [lo, hi] of t.ranges) {
      for (let pc = lo; pc < hi; pc += 4) {
        const raw = mem.isRam(pc) ? mem.load32(pc) : 0;
        const d = decode(raw);
        lines.push(`  ${pc.toString(16).padStart(8, '0')}: ${d ? disasm(d, pc) : '(illegal)'}`);
      }
    }
    lines.push('host code:', printHostCode(t.code).replace(/^/gm, '  '));
    return lines.join('\n');
  }

  return state;
}
