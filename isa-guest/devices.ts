/**
 * The machine platform's devices, at the addresses of Spike and QEMU's `virt` board:
 *  - CLINT (SiFive core-local interruptor) at 0x02000000: msip, mtimecmp, mtime;
 *  - a 16550-compatible UART at 0x10000000 (register shift 0, byte registers);
 *  - HTIF `tohost`/`fromhost` (Spike's host-target interface) at the ELF's symbols.
 * All state lives in the device objects, one set per machine.
 */
import type { AccessSize, Device, Memory, StoreWatcher } from './memory.ts';
import type { SimClock } from './env.ts';
import { Cause, GuestTrap, Irq } from './trap.ts';

export const CLINT_BASE = 0x02000000;
export const CLINT_SIZE = 0x10000;
export const UART_BASE = 0x10000000;
export const UART_SIZE = 0x100;

/** The device windows of the machine platform, for load-time overlap checks. */
export const MACHINE_DEVICE_WINDOWS: readonly { readonly name: string; readonly base: number; readonly size: number }[] = [
  { name: 'CLINT', base: CLINT_BASE, size: CLINT_SIZE },
  { name: 'UART', base: UART_BASE, size: UART_SIZE },
];

const sizeMask = (size: AccessSize): number => (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff);

/**
 * Bytes the guest reads (UART receive, the user platform's read(0)), pulled lazily from
 * the embedder's stdin callback. A null or empty chunk means end of input, so a polling
 * guest can never make the simulator wait.
 */
export class InputQueue {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private eof = false;

  constructor(private readonly source: (() => Uint8Array | null) | undefined) {
    if (!source) this.eof = true;
  }

  /** Is at least one byte ready? */
  ready(): boolean {
    if (this.pos < this.buf.length) return true;
    if (this.eof) return false;
    const next = this.source!();
    if (!next || next.length === 0) {
      this.eof = true;
      return false;
    }
    this.buf = next;
    this.pos = 0;
    return true;
  }

  /** Up to `max` bytes; an empty array at end of input. */
  take(max: number): Uint8Array {
    if (max <= 0 || !this.ready()) return new Uint8Array(0);
    const n = Math.min(max, this.buf.length - this.pos);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// CLINT

const MSIP = 0x0;
const MTIMECMP = 0x4000;
const MTIME = 0xbff8;
const TWO32 = 2 ** 32;

/**
 * Core-local interruptor (one hart). mtime counts one tick every `divider` host cycles:
 * mtime = floor(cycles / divider) + offset, where a guest write to mtime sets the offset.
 * The 64-bit registers are two naturally aligned 32-bit words, the way RV32 software
 * accesses them. Byte and halfword accesses (the SiFive CLINT manual only defines word
 * accesses) act on the addressed bytes of the containing word: a read extracts them, a
 * write is a read-modify-write of that word. Other offsets fault, as in Spike.
 * Values stay exact while mtime and mtimecmp are below 2^53 ticks (285 years at 1 MHz).
 */
export class Clint implements Device {
  readonly name = 'clint';
  readonly base = CLINT_BASE;
  readonly size = CLINT_SIZE;
  private msip = 0;
  /** mtimecmp as two unsigned words; all-ones at reset, so no interrupt until programmed. */
  private cmpLo = 0xffffffff;
  private cmpHi = 0xffffffff;
  /** mtimecmp as a number, or Infinity when it is beyond any reachable mtime (>= 2^53). */
  private cmp = Infinity;
  private offset = 0;

  constructor(
    private readonly clock: SimClock,
    /** Host cycles per mtime tick (platform.mtimeDivider). */
    private readonly divider: number,
  ) {}

  /** Ticks of the counter itself, floor(cycles / divider), exact for every safe integer. */
  private ticks(): number {
    const c = this.clock.cycles;
    const d = this.divider;
    let q = Math.floor(c / d);
    if (q * d > c) q--; // the double quotient may round up to the next integer
    return q;
  }

  mtime(): number {
    return this.ticks() + this.offset;
  }

  /** mip bits this device drives now: MSIP from msip, MTIP while mtime >= mtimecmp. */
  pending(): number {
    let bits = this.msip ? 1 << Irq.machineSoftware : 0;
    if (this.mtime() >= this.cmp) bits |= 1 << Irq.machineTimer;
    return bits;
  }

  /**
   * The cycle at which pending() next changes without a guest write: the first cycle c
   * with floor(c / divider) + offset >= mtimecmp. Now, when an interrupt is already
   * pending (so a caller that checks at this cycle sees it). Infinity when never.
   */
  nextEventCycle(): number {
    if (this.msip || this.mtime() >= this.cmp) return this.clock.cycles;
    const cycle = (this.cmp - this.offset) * this.divider;
    return cycle <= Number.MAX_SAFE_INTEGER ? cycle : Infinity;
  }

  read(offset: number, size: AccessSize): number {
    const word = this.readWord(offset & ~3);
    return ((word >>> ((offset & 3) * 8)) & sizeMask(size)) >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    const wordOff = offset & ~3;
    if (size === 4) return this.writeWord(wordOff, value >>> 0);
    const shift = (offset & 3) * 8;
    const mask = sizeMask(size) << shift;
    const old = this.readWord(wordOff);
    this.writeWord(wordOff, ((old & ~mask) | ((value << shift) & mask)) >>> 0);
  }

  private readWord(off: number): number {
    switch (off) {
      case MSIP: return this.msip;
      case MTIMECMP: return this.cmpLo;
      case MTIMECMP + 4: return this.cmpHi;
      case MTIME: return this.mtime() >>> 0;
      case MTIME + 4: return Math.floor(this.mtime() / TWO32) >>> 0;
      default: throw new GuestTrap(Cause.loadAccessFault, (this.base + off) >>> 0);
    }
  }

  private writeWord(off: number, v: number): void {
    switch (off) {
      case MSIP:
        this.msip = v & 1; // the other bits are hardwired to zero
        return;
      case MTIMECMP:
      case MTIMECMP + 4:
        if (off === MTIMECMP) this.cmpLo = v;
        else this.cmpHi = v;
        this.cmp = this.cmpHi < 2 ** 21 ? this.cmpHi * TWO32 + this.cmpLo : Infinity;
        return;
      case MTIME:
      case MTIME + 4: {
        const now = this.mtime();
        const lo = off === MTIME ? v : now >>> 0;
        const hi = off === MTIME ? Math.floor(now / TWO32) : v;
        this.offset = hi * TWO32 + lo - this.ticks();
        return;
      }
      default:
        throw new GuestTrap(Cause.storeAccessFault, (this.base + off) >>> 0);
    }
  }
}

// ---------------------------------------------------------------------------------------
// UART

const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;
const LCR_DLAB = 0x80;
const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const IER_ERBFI = 0x01;
const IER_ETBEI = 0x02;
const IIR_NONE = 0x01;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;
const IIR_FIFO = 0xc0;
/** CTS, DSR and DCD asserted: a terminal is attached. */
const MSR_LINES = 0xb0;

/**
 * A 16550-style UART with register shift 0 (one byte per register, aliased every 8 bytes
 * over the 256-byte window, as QEMU's virt board maps it). Transmission is instantaneous:
 * THR writes go straight to stdout and LSR always reports the transmitter empty and idle.
 * Wider accesses address the same byte register. No interrupt line is wired (the machine
 * platform has no PLIC), but IER/IIR report what would be pending, for drivers that read them.
 */
export class Uart16550 implements Device {
  readonly name = 'uart';
  readonly base = UART_BASE;
  readonly size = UART_SIZE;
  private ier = 0;
  private fcr = 0;
  private lcr = 0x03; // 8N1, the usual reset-then-init value
  private mcr = 0;
  private scr = 0;
  private dll = 0x01;
  private dlm = 0;

  constructor(
    private readonly out: (b: Uint8Array) => void,
    private readonly input: InputQueue,
  ) {}

  read(offset: number, _size: AccessSize): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case RBR_THR_DLL:
        if (dlab) return this.dll;
        return this.input.ready() ? this.input.take(1)[0]! : 0;
      case IER_DLM: return dlab ? this.dlm : this.ier;
      case IIR_FCR: {
        const fifo = this.fcr & 1 ? IIR_FIFO : 0;
        if (this.ier & IER_ERBFI && this.input.ready()) return fifo | IIR_RDA;
        if (this.ier & IER_ETBEI) return fifo | IIR_THRE;
        return fifo | IIR_NONE;
      }
      case LCR: return this.lcr;
      case MCR: return this.mcr;
      case LSR: return LSR_THRE | LSR_TEMT | (this.input.ready() ? LSR_DR : 0);
      case MSR: return MSR_LINES;
      case SCR: return this.scr;
      default: return 0; // unreachable: offset & 7
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case RBR_THR_DLL:
        if (dlab) this.dll = v;
        else this.out(Uint8Array.of(v));
        return;
      case IER_DLM:
        if (dlab) this.dlm = v;
        else this.ier = v & 0x0f;
        return;
      case IIR_FCR: this.fcr = v; return; // FIFO resets are no-ops: nothing is ever queued
      case LCR: this.lcr = v; return;
      case MCR: this.mcr = v & 0x1f; return;
      case SCR: this.scr = v; return;
      default: return; // LSR and MSR are read-only
    }
  }
}

// ---------------------------------------------------------------------------------------
// HTIF

/** Spike's syscall-proxy numbers (the Linux generic numbers) and the errno values it returns. */
const HTIF_SYS_WRITE = 64;
const HTIF_SYS_EXIT = 93;
const EBADF = 9;
const EFAULT = 14;
const ENOSYS = 38;

/**
 * Spike's host-target interface, device 0 only. tohost/fromhost are 64-bit variables in
 * guest RAM; Spike polls them, we watch stores (Memory.addStoreWatcher) so the run stops at
 * the exact store. A store that writes tohost's low word issues the command held in it:
 *  - odd value v: the guest is done; exit code v >> 1 (riscv-tests: 1 = pass,
 *    (TESTNUM << 1) | 1 = failure of test TESTNUM);
 *  - even value p != 0: p points at magic_mem, eight 64-bit words {which, arg0, arg1, arg2,
 *    ...}; we run syscall `which` (write to fd 1/2, exit), put the result in magic_mem[0],
 *    clear tohost and set fromhost to 1, as Spike does.
 * RV32 code writes the low word first, then the (zero) high word, so the high word is
 * ignored; device 1 (console) commands, which need it, are not supported.
 */
export class Htif implements StoreWatcher {
  readonly name = 'htif';
  readonly size = 4;
  exitCode: number | undefined = undefined;

  constructor(
    private readonly memory: Memory,
    readonly base: number,
    private readonly fromhost: number | undefined,
    private readonly stdout: (b: Uint8Array) => void,
    private readonly stderr: (b: Uint8Array) => void,
  ) {}

  stored(_addr: number, _size: AccessSize): void {
    const v = this.memory.load32(this.base) >>> 0;
    if (v === 0) return;
    if (v & 1) {
      this.exitCode ??= v >>> 1;
      return;
    }
    this.syscall(v);
    this.memory.store32(this.base, 0);
    this.memory.store32(this.base + 4, 0);
    if (this.fromhost !== undefined && this.memory.isRamRange(this.fromhost, 8)) {
      this.memory.store32(this.fromhost, 1);
      this.memory.store32(this.fromhost + 4, 0);
    }
  }

  private syscall(magic: number): void {
    if (!this.memory.isRamRange(magic, 64)) return; // nowhere to read or answer: complete it unanswered
    const arg = (i: number) => this.memory.load32(magic + 8 * i) >>> 0;
    const which = arg(0);
    let ret: number;
    switch (which) {
      case HTIF_SYS_WRITE: {
        const [fd, buf, len] = [arg(1), arg(2), arg(3)];
        const sink = fd === 1 ? this.stdout : fd === 2 ? this.stderr : undefined;
        if (!sink) ret = -EBADF;
        else if (buf + len > 2 ** 32 || !this.memory.isRamRange(buf, len)) ret = -EFAULT;
        else {
          if (len > 0) sink(this.memory.readBytes(buf, len));
          ret = len;
        }
        break;
      }
      case HTIF_SYS_EXIT:
        this.exitCode ??= arg(1);
        ret = 0;
        break;
      default:
        ret = -ENOSYS;
    }
    this.memory.store32(magic, ret);
    this.memory.store32(magic + 4, ret < 0 ? -1 : 0);
  }
}
