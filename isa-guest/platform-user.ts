/**
 * The user platform: a process VM giving one static RV32 program the Linux RISC-V
 * (rv32, ilp32) system-call ABI, the way qemu-riscv32 runs it: `ecall` with the number in
 * a7, arguments in a0..a5, the result (or -errno) in a0. Syscall numbers are the
 * asm-generic ones as QEMU's linux-user/riscv/syscall32_nr.h lists them for rv32 (so 62
 * is llseek, 80 fstat64, 222 mmap2, 403 clock_gettime64). Everything is deterministic:
 * empty environment, fixed pid, time from simulated cycles, standard streams that look
 * like pipes.
 *
 * Address space (below 2 GiB, like a 32-bit Linux process without randomization):
 *   image (ELF segments) | brk heap ->   ...   <- mmap window | guard | stack | stackTop
 */
import type { GuestEnv, GuestRegs, SimClock } from './env.ts';
import { PAGE_SIZE, type Memory } from './memory.ts';
import type { InputQueue } from './devices.ts';
import { Cause } from './trap.ts';

/** System-call numbers (asm-generic, rv32). */
export const Sys = {
  ioctl: 29,
  close: 57,
  llseek: 62,
  read: 63,
  write: 64,
  writev: 66,
  fstat64: 80,
  exit: 93,
  exitGroup: 94,
  setTidAddress: 96,
  /** The generic clock_gettime with a 32-bit timespec. rv32 Linux and qemu-riscv32 lack it
   * (they only have clock_gettime64); kept for newlib-style code built for older ABIs. */
  clockGettime32: 113,
  uname: 160,
  getpid: 172,
  gettid: 178,
  brk: 214,
  munmap: 215,
  mmap2: 222,
  mprotect: 226,
  clockGettime64: 403,
} as const;

/** errno values (asm-generic/errno-base.h, errno.h). */
export const Errno = {
  EBADF: 9,
  ENOMEM: 12,
  EFAULT: 14,
  EINVAL: 22,
  ENOTTY: 25,
  ESPIPE: 29,
  ENOSYS: 38,
} as const;

/** Signal numbers (asm-generic/signal.h). */
const Signal = { SIGILL: 4, SIGTRAP: 5, SIGBUS: 7, SIGSEGV: 11 } as const;

/** The signal Linux sends for each exception a user process cannot handle (arch/riscv/kernel/traps.c). */
const SIGNAL_OF_CAUSE: Readonly<Record<number, readonly [number, string]>> = {
  [Cause.instructionAddressMisaligned]: [Signal.SIGBUS, 'SIGBUS'],
  [Cause.instructionAccessFault]: [Signal.SIGSEGV, 'SIGSEGV'],
  [Cause.illegalInstruction]: [Signal.SIGILL, 'SIGILL'],
  [Cause.breakpoint]: [Signal.SIGTRAP, 'SIGTRAP'],
  [Cause.loadAddressMisaligned]: [Signal.SIGBUS, 'SIGBUS'],
  [Cause.loadAccessFault]: [Signal.SIGSEGV, 'SIGSEGV'],
  [Cause.storeAddressMisaligned]: [Signal.SIGBUS, 'SIGBUS'],
  [Cause.storeAccessFault]: [Signal.SIGSEGV, 'SIGSEGV'],
};
const CAUSE_WORDS: Readonly<Record<number, string>> = {
  [Cause.instructionAddressMisaligned]: 'misaligned jump target',
  [Cause.instructionAccessFault]: 'jump to unmapped memory',
  [Cause.illegalInstruction]: 'illegal instruction',
  [Cause.breakpoint]: 'ebreak',
  [Cause.loadAddressMisaligned]: 'misaligned load',
  [Cause.loadAccessFault]: 'load from unmapped memory',
  [Cause.storeAddressMisaligned]: 'misaligned store',
  [Cause.storeAccessFault]: 'store to unmapped memory',
};

const PROT_MASK = 0x7; // PROT_READ | PROT_WRITE | PROT_EXEC
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_TYPE = 0x0f;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
/** Flags harmless for an anonymous private mapping here: NORESERVE, POPULATE, STACK, ... */
const MAP_IGNORED = 0x4000 | 0x8000 | 0x20000 | 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x10000;

const S_IFIFO = 0o010000;
/** struct stat64 of asm-generic/stat.h (what qemu-riscv32 writes for fstat64): 104 bytes. */
const STAT64_SIZE = 104;
/** One of the 65-byte fields of struct new_utsname. */
const UTS_FIELD = 65;
const CLOCKID_MAX = 7; // CLOCK_REALTIME .. CLOCK_BOOTTIME, all from simulated time here
const UIO_MAXIOV = 1024;
/** Fixed process id: deterministic, and not 1 (init) so programs do not take themselves for it. */
const PID = 1000;

const pageUp = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;

/** The address-space layout the loader chose. */
export interface UserLayout {
  /** Initial program break: page-aligned end of the highest segment. */
  readonly brkStart: number;
  /** The break may not pass this (mmap window, or the mmapMiB budget). */
  readonly brkLimit: number;
  /** [mmapLow, mmapHigh): anonymous mappings, allocated top-down. */
  readonly mmapLow: number;
  readonly mmapHigh: number;
}

export interface UserPlatformOptions {
  readonly memory: Memory;
  readonly clock: SimClock;
  readonly layout: UserLayout;
  /** platform.clockMHz and platform.mtimeDivider. */
  readonly clockMHz: number;
  readonly mtimeDivider: number;
  readonly stdout: (b: Uint8Array) => void;
  readonly stderr: (b: Uint8Array) => void;
  readonly stdin: InputQueue;
  /** Simulator diagnostics (unknown syscalls); never the guest's own stderr. */
  readonly warn: (msg: string) => void;
  /** platform.misalignedCost. */
  readonly misalignedCost: number;
}

export class UserPlatform implements GuestEnv {
  readonly name = 'user';
  readonly memory: Memory;
  readonly clock: SimClock;
  exitCode: number | undefined = undefined;
  /** Current program break. */
  brk: number;
  private readonly layout: UserLayout;
  private readonly opts: UserPlatformOptions;
  /** fds 0, 1, 2 while open; close() clears them so later use fails with EBADF, as on Linux. */
  private readonly open = [true, true, true];
  private readonly warned = new Set<number>();

  constructor(opts: UserPlatformOptions) {
    this.opts = opts;
    this.memory = opts.memory;
    this.clock = opts.clock;
    this.layout = opts.layout;
    this.brk = opts.layout.brkStart;
  }

  /** platform.misalignedCost: Linux completes misaligned user accesses (see docs/verification.md). */
  get misalignedCost(): number { return this.opts.misalignedCost; }

  /**
   * Linux has no trap handler for the process to take: a fault kills it with a signal (what
   * arch/riscv/kernel/traps.c sends for each cause), and its parent sees the status 128 +
   * signal number, as a shell reports it. A one-line warning names the fault.
   */
  fatalTrap(regs: GuestRegs, cause: number, tval: number): boolean {
    const [sig, name] = SIGNAL_OF_CAUSE[cause] ?? [Signal.SIGSEGV, 'SIGSEGV'];
    const what = CAUSE_WORDS[cause] ?? `exception ${cause}`;
    this.opts.warn(`guest killed by ${name}: ${what} (address 0x${(tval >>> 0).toString(16)}) at pc 0x${(regs.pc >>> 0).toString(16)}`);
    this.exitCode ??= 128 + sig;
    return true;
  }

  pendingInterrupts(): number { return 0; }
  nextEventCycle(): number { return Infinity; }
  /** The time CSR ticks at the same timebase as the machine platform's mtime. */
  readTime(): number { return Math.floor(this.clock.cycles / this.opts.mtimeDivider); }

  ecall(regs: GuestRegs): boolean {
    const x = regs.x;
    x[10] = this.syscall(x[17]!, x[10]! >>> 0, x[11]! >>> 0, x[12]! >>> 0, x[13]! >>> 0, x[14]! >>> 0, x[15]! >>> 0);
    return true;
  }

  /** One system call; returns the value for a0 (negative errno on failure). */
  syscall(n: number, a0: number, a1: number, a2: number, a3: number, _a4: number, a5: number): number {
    switch (n) {
      case Sys.read: return this.read(a0, a1, a2);
      case Sys.write: return this.write(a0, a1, a2);
      case Sys.writev: return this.writev(a0, a1, a2);
      case Sys.close: return this.close(a0);
      case Sys.fstat64: return this.fstat64(a0, a1);
      case Sys.ioctl: return this.isOpen(a0) ? -Errno.ENOTTY : -Errno.EBADF; // not a terminal
      case Sys.llseek: return this.isOpen(a0) ? -Errno.ESPIPE : -Errno.EBADF; // pipes do not seek
      case Sys.exit:
      case Sys.exitGroup:
        this.exitCode ??= a0 & 0xff; // the parent sees the low 8 bits of the status
        return a0 | 0;
      case Sys.setTidAddress:
      case Sys.getpid:
      case Sys.gettid:
        return PID;
      case Sys.uname: return this.uname(a0);
      case Sys.brk: return this.setBrk(a0);
      case Sys.mmap2: return this.mmap2(a0, a1, a2, a3, a5);
      case Sys.munmap: return this.munmap(a0, a1);
      case Sys.mprotect: return this.mprotect(a0, a1, a2);
      case Sys.clockGettime32: return this.clockGettime(a0, a1, false);
      case Sys.clockGettime64: return this.clockGettime(a0, a1, true);
      default:
        if (!this.warned.has(n)) {
          this.warned.add(n);
          this.opts.warn(`user platform: unsupported system call ${n} (a7); returning -ENOSYS`);
        }
        return -Errno.ENOSYS;
    }
  }

  private isOpen(fd: number): boolean { return fd < 3 && this.open[fd]!; }

  /** Is [addr, addr+len) guest RAM, without wrapping past 4 GiB? */
  private userRange(addr: number, len: number): boolean {
    return addr + len <= 2 ** 32 && this.memory.isRamRange(addr, len);
  }

  private read(fd: number, buf: number, count: number): number {
    if (fd !== 0 || !this.open[0]) return -Errno.EBADF; // 1 and 2 are write ends of pipes
    if (!this.userRange(buf, count)) return -Errno.EFAULT;
    const data = this.opts.stdin.take(count);
    this.memory.writeBytes(buf, data);
    return data.length;
  }

  private sink(fd: number): ((b: Uint8Array) => void) | undefined {
    if (!this.isOpen(fd)) return undefined;
    return fd === 1 ? this.opts.stdout : fd === 2 ? this.opts.stderr : undefined;
  }

  private write(fd: number, buf: number, count: number): number {
    const sink = this.sink(fd);
    if (!sink) return -Errno.EBADF;
    if ((count | 0) < 0) return -Errno.EINVAL;
    if (!this.userRange(buf, count)) return -Errno.EFAULT;
    if (count > 0) sink(this.memory.readBytes(buf, count));
    return count;
  }

  /** struct iovec { void *iov_base; size_t iov_len; } is 8 bytes on ilp32. */
  private writev(fd: number, iov: number, iovcnt: number): number {
    const sink = this.sink(fd);
    if (!sink) return -Errno.EBADF;
    if ((iovcnt | 0) < 0 || iovcnt > UIO_MAXIOV) return -Errno.EINVAL;
    if (!this.userRange(iov, iovcnt * 8)) return -Errno.EFAULT;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const base = this.memory.load32(iov + 8 * i) >>> 0;
      const len = this.memory.load32(iov + 8 * i + 4) >>> 0;
      total += len;
      if ((len | 0) < 0 || total > 0x7fffffff) return -Errno.EINVAL;
      if (!this.userRange(base, len)) return -Errno.EFAULT;
      if (len > 0) parts.push(this.memory.readBytes(base, len));
    }
    if (total > 0) sink(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    return total;
  }

  private close(fd: number): number {
    if (!this.isOpen(fd)) return -Errno.EBADF;
    this.open[fd] = false;
    return 0;
  }

  /** The standard streams are pipes (S_IFIFO, like a piped qemu run); everything else is zero. */
  private fstat64(fd: number, statbuf: number): number {
    if (!this.isOpen(fd)) return -Errno.EBADF;
    if (!this.userRange(statbuf, STAT64_SIZE)) return -Errno.EFAULT;
    const st = new DataView(new ArrayBuffer(STAT64_SIZE));
    st.setUint32(8, fd + 1, true); // st_ino (u64 at 8): distinct per stream
    st.setUint32(16, S_IFIFO | 0o600, true); // st_mode
    st.setUint32(20, 1, true); // st_nlink
    st.setInt32(56, PAGE_SIZE, true); // st_blksize
    this.memory.writeBytes(statbuf, new Uint8Array(st.buffer));
    return 0;
  }

  private uname(buf: number): number {
    if (!this.userRange(buf, 6 * UTS_FIELD)) return -Errno.EFAULT;
    const fields = ['Linux', 'morphsim', '6.1.0', '#1 morphsim', 'riscv32', '(none)'];
    const out = new Uint8Array(6 * UTS_FIELD);
    fields.forEach((f, i) => out.set(Buffer.from(f, 'latin1'), i * UTS_FIELD));
    this.memory.writeBytes(buf, out);
    return 0;
  }

  /**
   * Linux semantics: brk(addr) moves the break when it can and returns the new break;
   * otherwise (below the start, past the limit) it returns the current one. Growing maps
   * zeroed pages; shrinking unmaps whole pages above the new break.
   */
  private setBrk(addr: number): number {
    const { brkStart, brkLimit } = this.layout;
    if (addr < brkStart || addr > brkLimit) return this.brk;
    const oldTop = pageUp(this.brk);
    const newTop = pageUp(addr);
    if (newTop > oldTop) this.memory.mapRam(oldTop, newTop - oldTop);
    else if (newTop < oldTop) this.memory.unmapRam(newTop, oldTop - newTop);
    this.brk = addr;
    return addr;
  }

  /**
   * mmap2(addr, length, prot, flags, fd, pgoffset): anonymous private mappings only.
   * Without MAP_FIXED the address hint is ignored and the highest free range of the mmap
   * window is used (Linux's top-down allocator, minus randomization). MAP_FIXED replaces
   * pages inside the window with zeroed ones.
   */
  private mmap2(addr: number, length: number, prot: number, flags: number, pgoff: number): number {
    if (length === 0 || (prot & ~PROT_MASK) !== 0) return -Errno.EINVAL;
    const type = flags & MAP_TYPE;
    if (type !== MAP_PRIVATE && type !== MAP_SHARED) return -Errno.EINVAL;
    if (!(flags & MAP_ANONYMOUS) || type === MAP_SHARED) return -Errno.ENOSYS; // no files, no sharing
    if ((flags & ~(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_IGNORED)) !== 0) return -Errno.EINVAL;
    if (pgoff !== 0) return -Errno.EINVAL;
    const len = pageUp(length);
    if (len > 2 ** 32 - PAGE_SIZE) return -Errno.ENOMEM;
    const { mmapLow, mmapHigh } = this.layout;
    if (flags & MAP_FIXED) {
      if (addr % PAGE_SIZE !== 0) return -Errno.EINVAL;
      if (addr < mmapLow || addr + len > mmapHigh) return -Errno.ENOMEM;
      this.memory.unmapRam(addr, len);
      this.memory.mapRam(addr, len);
      return addr;
    }
    // Highest run of free pages that fits, scanning down from the top of the window.
    let runTop = mmapHigh;
    for (let p = mmapHigh - PAGE_SIZE; p >= mmapLow; p -= PAGE_SIZE) {
      if (this.memory.isRam(p)) {
        runTop = p;
        continue;
      }
      if (runTop - p >= len) {
        this.memory.mapRam(p, len);
        return p;
      }
    }
    return -Errno.ENOMEM;
  }

  /** Only mappings of the mmap window can be removed here; unmapped pages are fine (Linux). */
  private munmap(addr: number, length: number): number {
    if (addr % PAGE_SIZE !== 0 || length === 0) return -Errno.EINVAL;
    const len = pageUp(length);
    if (addr < this.layout.mmapLow || addr + len > this.layout.mmapHigh) return -Errno.EINVAL;
    this.memory.unmapRam(addr, len);
    return 0;
  }

  /** Page protection is not modelled: succeed on mapped pages, as Linux would for these. */
  private mprotect(addr: number, length: number, prot: number): number {
    if (addr % PAGE_SIZE !== 0 || (prot & ~PROT_MASK) !== 0) return -Errno.EINVAL;
    return this.userRange(addr, pageUp(length)) ? 0 : -Errno.ENOMEM;
  }

  /**
   * clock_gettime: every clock reads simulated time, ns = cycles * 1000 / clockMHz, with
   * the epoch at cycle 0. The 64-bit variant writes struct __kernel_timespec {s64 tv_sec;
   * s64 tv_nsec}; the 32-bit one struct old_timespec32 {s32 tv_sec; s32 tv_nsec}.
   */
  private clockGettime(clk: number, tp: number, wide: boolean): number {
    if (clk > CLOCKID_MAX) return -Errno.EINVAL;
    const size = wide ? 16 : 8;
    if (!this.userRange(tp, size)) return -Errno.EFAULT;
    const ns = (BigInt(this.clock.cycles) * 1000n) / BigInt(this.opts.clockMHz);
    const sec = ns / 1_000_000_000n;
    const nsec = Number(ns % 1_000_000_000n);
    const ts = new DataView(new ArrayBuffer(size));
    if (wide) {
      ts.setBigInt64(0, sec, true);
      ts.setBigInt64(8, BigInt(nsec), true);
    } else {
      ts.setInt32(0, Number(BigInt.asIntN(32, sec)), true);
      ts.setInt32(4, nsec, true);
    }
    this.memory.writeBytes(tp, new Uint8Array(ts.buffer));
    return 0;
  }
}

// ---------------------------------------------------------------------------------------
// Initial process stack

/** Top of the user stack: just below 2 GiB, leaving the top MiB unmapped. */
export const STACK_TOP = 0x7ff00000;
/** Unmapped gap between the mmap window and the stack, so a stack overflow faults. */
export const STACK_GUARD = 0x100000;

/** Auxiliary vector tags (include/uapi/linux/auxvec.h). */
export const At = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9,
  UID: 11, EUID: 12, GID: 13, EGID: 14, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, EXECFN: 31,
} as const;

/** AT_HWCAP of RISC-V: bit (letter - 'a') per single-letter extension; RV32IM has I and M. */
const HWCAP_RV32IM = (1 << ('i'.charCodeAt(0) - 97)) | (1 << ('m'.charCodeAt(0) - 97));
/** sysconf(_SC_CLK_TCK): USER_HZ. */
const CLK_TCK = 100;
/** AT_RANDOM's 16 bytes: fixed, so every run sees the same stack-protector canary. */
const AT_RANDOM_BYTES = Uint8Array.from([
  0x6d, 0x6f, 0x72, 0x70, 0x68, 0x73, 0x69, 0x6d, 0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
]);

export interface StackImage {
  readonly argv: readonly string[];
  /** The executable's path (AT_EXECFN). */
  readonly execfn: string;
  readonly entry: number;
  readonly phdr: { readonly vaddr: number; readonly entsize: number; readonly num: number };
}

/**
 * Lay out the initial stack below `top` as Linux's create_elf_tables does (without
 * randomization) and return sp: at sp, argc; then argv[], NULL; envp[] (empty), NULL;
 * auxv pairs ending in AT_NULL. Above them the 16 AT_RANDOM bytes, then the argv strings,
 * then the execfn string, then one zero word at the very top. sp is 16-byte aligned.
 * Throws RangeError when it does not fit in `limit` bytes.
 */
export function buildInitialStack(memory: Memory, top: number, limit: number, img: StackImage): number {
  const enc = (s: string) => Buffer.from(`${s}\0`, 'utf8');
  let p = top - 4; // the end marker word
  const execfn = enc(img.execfn);
  p -= execfn.length;
  const execfnAddr = p;
  const argStrings = img.argv.map(enc);
  const argLen = argStrings.reduce((n, b) => n + b.length, 0);
  p -= argLen;
  const argvAddrs: number[] = [];
  for (let i = 0, a = p; i < argStrings.length; a += argStrings[i]!.length, i++) argvAddrs.push(a);
  p -= p % 16;
  p -= AT_RANDOM_BYTES.length;
  const randomAddr = p;

  const auxv: [number, number][] = [
    [At.HWCAP, HWCAP_RV32IM], [At.PAGESZ, PAGE_SIZE], [At.CLKTCK, CLK_TCK],
    [At.PHDR, img.phdr.vaddr], [At.PHENT, img.phdr.entsize], [At.PHNUM, img.phdr.num],
    [At.BASE, 0], [At.FLAGS, 0], [At.ENTRY, img.entry],
    [At.UID, 0], [At.EUID, 0], [At.GID, 0], [At.EGID, 0], [At.SECURE, 0],
    [At.RANDOM, randomAddr], [At.EXECFN, execfnAddr], [At.NULL, 0],
  ];
  const words = [img.argv.length, ...argvAddrs, 0, 0, ...auxv.flat()];
  const below = p - words.length * 4;
  const sp = below - (below % 16);
  if (top - sp > limit) throw new RangeError(`the initial stack needs ${top - sp} bytes`);

  const table = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((w, i) => table.setUint32(i * 4, w >>> 0, true));
  memory.writeBytes(sp, new Uint8Array(table.buffer));
  memory.writeBytes(randomAddr, AT_RANDOM_BYTES);
  for (let i = 0; i < argStrings.length; i++) memory.writeBytes(argvAddrs[i]!, argStrings[i]!);
  memory.writeBytes(execfnAddr, execfn);
  return sp;
}
