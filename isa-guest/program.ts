/**
 * Program loading: turns a parsed ELF image into a ready-to-run guest environment (memory
 * with the segments mapped, the platform's devices or process state, the initial stack)
 * plus the entry point and initial registers. The caller creates the hart and copies
 * those in. Everything is created per call from immutable inputs, so one image can be
 * loaded into two independent machines in one process (the lockstep checker does).
 */
import { assertNever } from '../core/assert.ts';
import { UsageError } from '../core/errors.ts';
import type { Config } from '../core/params.ts';
import { Clint, Htif, InputQueue, MACHINE_DEVICE_WINDOWS, Uart16550 } from './devices.ts';
import { PF_X, type ElfImage } from './elf.ts';
import type { SimClock } from './env.ts';
import { Memory, PAGE_SIZE } from './memory.ts';
import { platformParams } from './params.ts';
import { MachinePlatform, RAM_BASE } from './platform-machine.ts';
import { buildInitialStack, STACK_GUARD, STACK_TOP, UserPlatform } from './platform-user.ts';

export type PlatformName = 'user' | 'machine';

export interface LoadOptions {
  /** Overrides the choice made from the image (see choosePlatform). */
  readonly platform?: PlatformName;
  /** The guest's arguments after the program name; argv[0] is the image name. */
  readonly args: readonly string[];
  /** A resolved configuration holding the platform.* parameters. */
  readonly config: Config;
  /** This machine's simulated clock (mtime, clock_gettime read it). */
  readonly clock: SimClock;
  readonly stdout: (b: Uint8Array) => void;
  readonly stderr: (b: Uint8Array) => void;
  /** Guest input, chunk by chunk; null (or no callback) is end of input. */
  readonly stdin?: () => Uint8Array | null;
  /** Simulator diagnostics such as unsupported syscalls; default: one line on process.stderr. */
  readonly warn?: (msg: string) => void;
}

/** Registers the platform sets before the first instruction; all others are zero. */
export interface InitialRegs {
  readonly sp: number;
  /** user: 0 (no rtld_fini); machine: mhartid, 0, as Spike's reset vector passes it. */
  readonly a0: number;
  /** machine: the device-tree address (none here: 0). */
  readonly a1: number;
}

export type LoadedEnv = UserPlatform | MachinePlatform;

export interface LoadedProgram {
  readonly env: LoadedEnv;
  readonly entry: number;
  readonly initialRegs: InitialRegs;
}

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
const defaultWarn = (m: string): void => { process.stderr.write(`morphsim: ${m}\n`); };
const MiB = 1 << 20;

/**
 * machine when the image has a `tohost` symbol (HTIF) or its entry point is at or above
 * RAM_BASE (bare-metal link address); user otherwise (Linux links at 0x10000).
 */
export function choosePlatform(image: ElfImage): PlatformName {
  return image.symbol('tohost') !== undefined || image.entry >= RAM_BASE ? 'machine' : 'user';
}

export function loadProgram(image: ElfImage, opts: LoadOptions): LoadedProgram {
  const platform = opts.platform ?? choosePlatform(image);
  // EF_RISCV_RVC says only that compressed instructions may be present: the official
  // rv32mi-p-ma_fetch carries some that a hart without C must never reach (its misaligned
  // jumps trap first). Run such a file; a compressed instruction that does execute is an
  // illegal instruction, as on any hart without C.
  if (image.rvc) {
    (opts.warn ?? defaultWarn)(
      `${image.name}: marked as containing compressed (RVC) instructions; morphsim implements RV32IM without C, so executing one raises illegal instruction (build with -march=rv32im to be sure)`);
  }
  const input = new InputQueue(opts.stdin);
  switch (platform) {
    case 'machine': return loadMachine(image, opts, input);
    case 'user': return loadUser(image, opts, input);
    default: return assertNever(platform, 'platform');
  }
}

/**
 * The machine platform loads every PT_LOAD segment into RAM whatever its p_flags, and any
 * of it may be executed, as Spike and QEMU's `-kernel` loader do (bare-metal link scripts,
 * upstream riscv-tests' among them, often leave p_flags at 0). What protects morphsim itself
 * stays: segments must lie in RAM, clear of the device windows.
 */
function loadMachine(image: ElfImage, opts: LoadOptions, input: InputQueue): LoadedProgram {
  const p = platformParams.read(opts.config);
  const ramEnd = RAM_BASE + p.ramMiB * MiB;
  for (const s of image.segments) {
    const end = s.vaddr + s.memsz;
    const span = `${hex(s.vaddr)}..${hex(end)}`;
    for (const d of MACHINE_DEVICE_WINDOWS) {
      if (s.vaddr < d.base + d.size && end > d.base)
        throw new UsageError(`${image.name}: segment ${span} overlaps the ${d.name} registers at ${hex(d.base)} (machine platform)`);
    }
    if (s.vaddr < RAM_BASE || end > ramEnd)
      throw new UsageError(`${image.name}: segment ${span} lies outside the machine's RAM ${hex(RAM_BASE)}..${hex(ramEnd)} (platform.ramMiB=${p.ramMiB})`);
  }
  const memory = new Memory();
  memory.mapRam(RAM_BASE, p.ramMiB * MiB);
  for (const s of image.segments) memory.writeBytes(s.vaddr, s.data);

  const clint = new Clint(opts.clock, p.mtimeDivider);
  const uart = new Uart16550(opts.stdout, input);
  memory.addDevice(clint);
  memory.addDevice(uart);

  let htif: Htif | undefined;
  const tohost = image.symbol('tohost');
  if (tohost) {
    const fromhost = image.symbol('fromhost');
    for (const [what, sym] of [['tohost', tohost], ['fromhost', fromhost]] as const) {
      if (sym && ((sym.value & 7) !== 0 || !memory.isRamRange(sym.value, 8)))
        throw new UsageError(`${image.name}: ${what} at ${hex(sym.value)} must be an 8-byte aligned variable in RAM`);
    }
    htif = new Htif(memory, tohost.value, fromhost?.value, opts.stdout, opts.stderr);
    memory.addStoreWatcher(htif);
  }
  return {
    env: new MachinePlatform(memory, opts.clock, clint, uart, htif),
    entry: image.entry,
    initialRegs: { sp: 0, a0: 0, a1: 0 },
  };
}

function loadUser(image: ElfImage, opts: LoadOptions, input: InputQueue): LoadedProgram {
  const p = platformParams.read(opts.config);
  // Linux maps each segment with its p_flags and would fault on the first fetch; say so now.
  if (((image.segmentOf(image.entry)?.flags ?? 0) & PF_X) === 0)
    throw new UsageError(`${image.name}: entry point ${hex(image.entry)} is not inside an executable segment (user platform: Linux maps segments with their ELF permissions)`);
  const stackSize = p.stackKiB * 1024;
  const stackBottom = STACK_TOP - stackSize;
  const mmapHigh = stackBottom - STACK_GUARD;
  const mmapLow = mmapHigh - p.mmapMiB * MiB;
  const imageEnd = Math.max(...image.segments.map((s) => s.vaddr + s.memsz));
  if (imageEnd > mmapLow) {
    throw new UsageError(`${image.name}: the image reaches ${hex(imageEnd)}, into the user platform's mmap window and stack `
      + `(${hex(mmapLow)}..${hex(STACK_TOP)}); lower platform.mmapMiB or platform.stackKiB`);
  }
  const brkStart = Math.ceil(imageEnd / PAGE_SIZE) * PAGE_SIZE;
  const layout = { brkStart, brkLimit: Math.min(brkStart + p.mmapMiB * MiB, mmapLow), mmapLow, mmapHigh };

  const memory = new Memory();
  for (const s of image.segments) {
    for (let a = s.vaddr - (s.vaddr % PAGE_SIZE); a < s.vaddr + s.memsz; a += PAGE_SIZE) {
      if (!memory.isRam(a)) memory.mapRam(a, PAGE_SIZE);
    }
    memory.writeBytes(s.vaddr, s.data);
  }
  memory.mapRam(stackBottom, stackSize);
  let sp: number;
  try {
    sp = buildInitialStack(memory, STACK_TOP, stackSize, {
      argv: [image.name, ...opts.args], execfn: image.name, entry: image.entry, phdr: image.phdr,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`${image.name}: the arguments do not fit in the stack (platform.stackKiB=${p.stackKiB})`);
    throw e;
  }
  const env = new UserPlatform({
    memory, clock: opts.clock, layout, clockMHz: p.clockMHz, mtimeDivider: p.mtimeDivider,
    stdout: opts.stdout, stderr: opts.stderr, stdin: input,
    warn: opts.warn ?? defaultWarn, misalignedCost: p.misalignedCost,
  });
  return { env, entry: image.entry, initialRegs: { sp, a0: 0, a1: 0 } };
}
