/**
 * Guest physical memory: 4 KiB pages of RAM in a flat page table, plus memory-mapped
 * devices. Aligned accesses never cross a page (misaligned ones trap before they get here),
 * so every access is one table lookup and one typed-array index.
 *
 * The bytes live in one WebAssembly.Memory (shared, so growing it never detaches a view):
 * the fast executor's compiled translations read and write guest RAM in place. Its linear
 * layout: a page table (per guest page: the byte offset of the page, 0 when not allocated)
 * at PAGE_TABLE_OFFSET, the `watched` bits at WATCHED_OFFSET, then pages and other users'
 * areas (`alloc`) handed out from a bump pointer.
 *
 * Pages holding code that has been decoded or translated are "watched" (Transmeta's T-bit):
 * a write to such a page calls the code-write listeners, which drop stale decodings and
 * translations (self-modifying code).
 */
import { Cause, GuestTrap } from './trap.ts';

export const PAGE_BITS = 12;
export const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
const NUM_PAGES = 1 << (32 - PAGE_BITS);
const WASM_PAGE = 65536;
/** Byte offsets, in the linear memory, of the page table (Int32 per guest page) and the watch bits. */
export const PAGE_TABLE_OFFSET = 0;
export const WATCHED_OFFSET = NUM_PAGES * 4;
const FIRST_FREE = WATCHED_OFFSET + NUM_PAGES;
/** Most the linear memory may grow to (wasm pages of 64 KiB: 4 GiB, the wasm32 limit). */
const MAX_WASM_PAGES = 65536;

export type AccessSize = 1 | 2 | 4;

/** A memory-mapped device. Offsets are relative to `base`; values are unsigned for sizes 1 and 2. */
export interface Device {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

/** Told that guest bytes [addr, addr+size) changed on a page holding code: a store (1, 2 or 4
 * bytes), or a whole page unmapped (4096: whatever is mapped there later is other bytes). */
export type CodeWriteListener = (addr: number, size: number) => void;

/**
 * Sees every store into a RAM range it does not own, after the store has landed: HTIF's
 * `tohost` is an ordinary variable in a .tohost section, so it cannot be a device page.
 * It rides on the same per-page slow path as code watches (bit WATCH_STORE of `watched`).
 */
export interface StoreWatcher {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  stored(addr: number, size: AccessSize): void;
}

/** Bits of `Memory.watched`: a page holds decoded/translated code; a store watcher covers it. */
export const WATCH_CODE = 1;
export const WATCH_STORE = 2;

export class Memory {
  /** The linear memory holding the page table, the watch bits, RAM pages and `alloc` areas. */
  readonly wasm = new WebAssembly.Memory({ initial: Math.ceil((FIRST_FREE + 16 * PAGE_SIZE) / WASM_PAGE), maximum: MAX_WASM_PAGES, shared: true });
  /** Per guest page: byte offset of its storage in `wasm`, 0 when not (yet) allocated. */
  readonly pageTable = new Int32Array(this.wasm.buffer, PAGE_TABLE_OFFSET, NUM_PAGES);
  private top = FIRST_FREE;
  /** Current size of `wasm` in bytes (reading `wasm.buffer` makes a new object each time). */
  linearBytes = this.wasm.buffer.byteLength;
  /** Storage of unmapped pages, reused (zeroed) by later allocations. */
  private readonly freePages: number[] = [];
  // Views of the whole linear memory (host is little-endian, as RISC-V), renewed when it
  // grows. An access is one page-table lookup and one index: a page's offset plus the
  // offset within it, `>>> k` so offsets past 2 GiB (negative in the Int32 table) still work.
  private u8!: Uint8Array;
  private u16!: Uint16Array;
  private i32!: Int32Array;
  /** Mapped RAM pages not yet allocated. */
  private readonly lazy = new Uint8Array(NUM_PAGES);
  private readonly devices: Device[] = [];
  /** Per page: non-zero when stores to it must take the slow path: WATCH_CODE when some
   * consumer holds decoded or translated code from it, WATCH_STORE for a store watcher. */
  readonly watched = new Uint8Array(this.wasm.buffer, WATCHED_OFFSET, NUM_PAGES);
  private readonly listeners: CodeWriteListener[] = [];
  private readonly storeWatchers: StoreWatcher[] = [];

  constructor() { this.renewViews(); }

  private renewViews(): void {
    const b = this.wasm.buffer;
    this.u8 = new Uint8Array(b);
    this.u16 = new Uint16Array(b);
    this.i32 = new Int32Array(b);
  }

  /** Map zero-filled RAM over [base, base+size); both must be page-aligned. */
  mapRam(base: number, size: number): void {
    if ((base & PAGE_MASK) !== 0 || (size & PAGE_MASK) !== 0) throw new Error('mapRam: unaligned region');
    const lo = base >>> 0;
    const hi = lo + size;
    for (const d of this.devices) {
      if (d.base < hi && d.base + d.size > lo) throw new Error(`mapRam: 0x${Math.max(lo, d.base).toString(16)} already mapped`);
    }
    for (let idx = lo >>> PAGE_BITS; idx < hi / PAGE_SIZE; idx++) {
      if (this.pageTable[idx] || this.lazy[idx]) throw new Error(`mapRam: 0x${(idx * PAGE_SIZE).toString(16)} already mapped`);
    }
    // Pages are allocated on first touch: a 64 MiB machine costs nothing until used.
    this.lazy.fill(1, lo >>> PAGE_BITS, Math.ceil(hi / PAGE_SIZE));
  }

  /** The linear offset of page idx, allocating it if it is mapped RAM not yet touched; 0 when not RAM. */
  private lazyPage(idx: number): number {
    if (!this.lazy[idx]) return 0;
    this.lazy[idx] = 0;
    const reused = this.freePages.pop();
    const off = reused ?? this.alloc(PAGE_SIZE, PAGE_SIZE);
    if (reused !== undefined) this.u8.fill(0, reused >>> 0, (reused >>> 0) + PAGE_SIZE);
    this.pageTable[idx] = off;
    return off;
  }
  /** The linear offset of the page holding addr (allocated on first touch), 0 when not RAM. */
  private page(addr: number): number {
    const idx = addr >>> PAGE_BITS;
    return this.pageTable[idx] || this.lazyPage(idx);
  }

  /**
   * Reserve `bytes` of the linear memory (never freed; `align` a power of two). Offsets are
   * stable: the memory is shared, so growing it keeps every existing view valid.
   */
  alloc(bytes: number, align = 8): number {
    const off = (this.top + align - 1) & ~(align - 1);
    const end = off + bytes;
    const have = this.linearBytes;
    if (end > have) {
      const want = Math.max(Math.ceil(end / WASM_PAGE), Math.min(MAX_WASM_PAGES, 2 * (have / WASM_PAGE)));
      if (want > MAX_WASM_PAGES) throw new Error('guest memory: the 4 GiB linear memory is full');
      this.wasm.grow(want - have / WASM_PAGE);
      this.linearBytes = this.wasm.buffer.byteLength;
      this.renewViews();
    }
    this.top = end;
    return off;
  }

  /** Byte offset of RAM page `idx` in the linear memory, allocating it on first touch; 0 when the page is not RAM. */
  pageOffset(idx: number): number {
    return this.pageTable[idx] || this.lazyPage(idx);
  }

  /** Remove RAM pages (munmap). Unmapped pages fault on access. Code decoded or translated
   * from them is dropped as if overwritten: a page mapped there later holds other bytes, and
   * its first store would not always come before the code is run again (a fresh zero page). */
  unmapRam(base: number, size: number): void {
    for (let a = base >>> 0; a < base + size; a += PAGE_SIZE) {
      const idx = a >>> PAGE_BITS;
      if (this.watched[idx]! & WATCH_CODE) {
        for (const l of this.listeners) l(a, PAGE_SIZE);
        this.watched[idx] = this.watched[idx]! & ~WATCH_CODE;
      }
      if (this.pageTable[idx]) this.freePages.push(this.pageTable[idx]!);
      this.pageTable[idx] = 0;
      this.lazy[idx] = 0;
    }
  }

  addDevice(dev: Device): void {
    for (let a = dev.base; a < dev.base + dev.size; a += PAGE_SIZE) {
      if (this.pageTable[a >>> PAGE_BITS] || this.lazy[a >>> PAGE_BITS]) throw new Error(`device ${dev.name} overlaps RAM at 0x${a.toString(16)}`);
    }
    this.devices.push(dev);
  }

  isRam(addr: number): boolean { return this.pageTable[addr >>> PAGE_BITS] !== 0 || this.lazy[addr >>> PAGE_BITS] === 1; }

  deviceAt(addr: number): Device | undefined {
    const a = addr >>> 0;
    for (const d of this.devices) if (a >= d.base && a - d.base < d.size) return d;
    return undefined;
  }

  /** Is [addr, addr+len) RAM, or a device region, or neither (then unmapped somewhere)? */
  isRamRange(addr: number, len: number): boolean {
    if (len <= 0) return true;
    for (let p = addr >>> PAGE_BITS; p <= (addr + len - 1) >>> PAGE_BITS; p++) if (!this.pageTable[p] && !this.lazy[p]) return false;
    return true;
  }

  addCodeWriteListener(l: CodeWriteListener): void { this.listeners.push(l); }
  watch(addr: number): void { this.watched[addr >>> PAGE_BITS] |= WATCH_CODE; }
  unwatchAll(): void {
    this.watched.fill(0);
    for (const w of this.storeWatchers) this.markStoreWatched(w);
  }

  addStoreWatcher(w: StoreWatcher): void {
    this.storeWatchers.push(w);
    this.markStoreWatched(w);
  }
  /** Would a store to [addr, addr+size) reach a store watcher (a device acting at the store)? */
  storeIsWatched(addr: number, size: number): boolean {
    if ((this.watched[addr >>> PAGE_BITS]! & WATCH_STORE) === 0) return false;
    const a = addr >>> 0;
    for (const w of this.storeWatchers) if (a + size > w.base && a < w.base + w.size) return true;
    return false;
  }
  private markStoreWatched(w: StoreWatcher): void {
    for (let p = w.base >>> PAGE_BITS; p <= (w.base + w.size - 1) >>> PAGE_BITS; p++) this.watched[p] |= WATCH_STORE;
  }

  // ---- loads (values: u8, u16 zero-extended; 32-bit as signed int32) ----
  load8(addr: number): number {
    const p = this.page(addr);
    return p ? this.u8[(p + (addr & PAGE_MASK)) >>> 0]! : this.deviceRead(addr, 1, Cause.loadAccessFault);
  }
  load16(addr: number): number {
    const p = this.page(addr);
    return p ? this.u16[(p + (addr & PAGE_MASK)) >>> 1]! : this.deviceRead(addr, 2, Cause.loadAccessFault);
  }
  load32(addr: number): number {
    const p = this.page(addr);
    return p ? this.i32[(p + (addr & PAGE_MASK)) >>> 2]! : this.deviceRead(addr, 4, Cause.loadAccessFault) | 0;
  }
  /** Instruction fetch: RAM only (executing from a device is an access fault). */
  fetch32(addr: number): number {
    const p = this.page(addr);
    if (!p) throw new GuestTrap(Cause.instructionAccessFault, addr >>> 0);
    return this.i32[(p + (addr & PAGE_MASK)) >>> 2]!;
  }

  // ---- stores ----
  store8(addr: number, v: number): void {
    const p = this.page(addr);
    if (!p) return this.deviceWrite(addr, 1, v & 0xff);
    this.u8[(p + (addr & PAGE_MASK)) >>> 0] = v;
    if (this.watched[addr >>> PAGE_BITS]) this.codeWritten(addr, 1);
  }
  store16(addr: number, v: number): void {
    const p = this.page(addr);
    if (!p) return this.deviceWrite(addr, 2, v & 0xffff);
    this.u16[(p + (addr & PAGE_MASK)) >>> 1] = v;
    if (this.watched[addr >>> PAGE_BITS]) this.codeWritten(addr, 2);
  }
  store32(addr: number, v: number): void {
    const p = this.page(addr);
    if (!p) return this.deviceWrite(addr, 4, v >>> 0);
    this.i32[(p + (addr & PAGE_MASK)) >>> 2] = v;
    if (this.watched[addr >>> PAGE_BITS]) this.codeWritten(addr, 4);
  }

  load(addr: number, size: AccessSize): number {
    return size === 1 ? this.load8(addr) : size === 2 ? this.load16(addr) : this.load32(addr);
  }
  store(addr: number, size: AccessSize, v: number): void {
    if (size === 1) this.store8(addr, v);
    else if (size === 2) this.store16(addr, v);
    else this.store32(addr, v);
  }

  // ---- bulk access for loaders and syscalls (RAM only; throws GuestTrap on a hole) ----
  writeBytes(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.store8RamOrFault(addr + i, bytes[i]!);
  }
  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const a = (addr + i) >>> 0;
      const p = this.page(a);
      if (!p) throw new GuestTrap(Cause.loadAccessFault, a);
      out[i] = this.u8[(p + (a & PAGE_MASK)) >>> 0]!;
    }
    return out;
  }
  /** NUL-terminated string at addr (at most `max` bytes). */
  readCString(addr: number, max = 4096): string {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.load8((addr + i) >>> 0);
      if (b === 0) break;
      bytes.push(b);
    }
    return Buffer.from(bytes).toString('utf8');
  }

  private store8RamOrFault(addr: number, v: number): void {
    const a = addr >>> 0;
    const p = this.page(a);
    if (!p) throw new GuestTrap(Cause.storeAccessFault, a);
    this.u8[(p + (a & PAGE_MASK)) >>> 0] = v;
    if (this.watched[a >>> PAGE_BITS]) this.codeWritten(a, 1);
  }

  private deviceRead(addr: number, size: AccessSize, cause: typeof Cause.loadAccessFault): number {
    const d = this.deviceAt(addr);
    if (!d) throw new GuestTrap(cause, addr >>> 0);
    return d.read((addr >>> 0) - d.base, size);
  }
  private deviceWrite(addr: number, size: AccessSize, v: number): void {
    const d = this.deviceAt(addr);
    if (!d) throw new GuestTrap(Cause.storeAccessFault, addr >>> 0);
    d.write((addr >>> 0) - d.base, size, v);
  }
  /** A store to RAM at [addr, addr+size) landed behind Memory's back (compiled code wrote the
   * linear memory on a watched page): tell the code-write listeners and store watchers. */
  stored(addr: number, size: AccessSize): void {
    if (this.watched[(addr >>> 0) >>> PAGE_BITS]) this.codeWritten(addr, size);
  }

  private codeWritten(addr: number, size: AccessSize): void {
    const a = addr >>> 0;
    const bits = this.watched[a >>> PAGE_BITS]!;
    if (bits & WATCH_CODE) for (const l of this.listeners) l(a, size);
    if (bits & WATCH_STORE) {
      for (const w of this.storeWatchers) if (a + size > w.base && a < w.base + w.size) w.stored(a, size);
    }
  }
}
