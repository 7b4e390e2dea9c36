/**
 * The VLIW host's architectural state beyond the atoms themselves: the working register file
 * with its shadow copies, the gated store buffer and the alias table (DESIGN.md "Commit and
 * rollback"). Both executors operate on one HostState, and the guest hart's `x` registers
 * are a view of the working file (`regs.subarray(0, 32)`), so the interpreter and translated
 * code share guest state without copying.
 *
 * All storage is typed arrays sized once from the machine description; nothing here
 * allocates per access. The working registers live in the guest's linear memory (Memory.wasm),
 * so compiled translations use them in place.
 */
import type { AccessSize, Memory } from '../isa-guest/memory.ts';
import type { MachineDesc } from '../isa-host-vliw/machine.ts';

/** The D-cache timing port the store-buffer drain reports its writes to. */
export interface DataPort {
  data(addr: number, write: boolean): number;
}

/**
 * `v`, the bytes of [addr, addr+size) in memory, as the first `n` buffered stores see them:
 * each byte from the youngest store covering it. Sets `out.forwarded` when any byte came
 * from a store. (Shared by HostState and the fast executor, whose buffer is in wasm memory.)
 */
export function overlayStores(addr: number, size: number, v: number, n: number,
  sbAddr: ArrayLike<number>, sbSize: ArrayLike<number>, sbValue: ArrayLike<number>, out: { forwarded: boolean }): number {
  const full = (1 << size) - 1;
  let filled = 0;
  const end = addr + size;
  for (let e = n - 1; e >= 0 && filled !== full; e--) {
    const ea = sbAddr[e]!;
    const ee = ea + sbSize[e]!;
    if (ee <= addr || ea >= end) continue;
    const sv = sbValue[e]!;
    for (let b = 0; b < size; b++) {
      const ba = addr + b;
      if ((filled & (1 << b)) !== 0 || ba < ea || ba >= ee) continue;
      const byte = (sv >>> ((ba - ea) << 3)) & 0xff;
      v = (v & ~(0xff << (b << 3))) | (byte << (b << 3));
      filled |= 1 << b;
    }
  }
  out.forwarded = filled !== 0;
  return v;
}

export class HostState {
  /** Working registers r0..r(numRegs-1); r0 stays 0 (validated code never writes it). */
  readonly regs: Int32Array;
  /** Shadow copies of r0..r(numShadowed-1): the state at the last commit. */
  readonly shadow: Int32Array;
  /** The part of `regs` that has shadows (a preallocated view, so commits allocate nothing). */
  private readonly shadowed: Int32Array;

  // ---- gated store buffer: entries 0..sbCount-1, oldest first ----
  readonly sbAddr: Uint32Array;
  readonly sbSize: Uint8Array;
  readonly sbValue: Int32Array;
  sbCount = 0;

  // ---- alias table: protected byte ranges [alLo, alHi) ----
  readonly alLo: Float64Array;
  readonly alHi: Float64Array;
  alCount = 0;

  /**
   * Set by the runtime (from a code-write listener) when a commit wrote to a page holding
   * translated code: the executor then stops following chained exits, whose targets may be
   * stale. The executor clears it when a run starts.
   */
  stopRequested = false;

  constructor(
    readonly machine: MachineDesc,
    readonly memory: Memory,
  ) {
    // In the guest's linear memory, where the fast executor's compiled code reads them.
    this.regs = new Int32Array(memory.wasm.buffer, memory.alloc(machine.numRegs * 4, 8), machine.numRegs);
    this.shadow = new Int32Array(machine.numShadowed);
    this.shadowed = this.regs.subarray(0, machine.numShadowed);
    this.sbAddr = new Uint32Array(machine.storeBufferEntries);
    this.sbSize = new Uint8Array(machine.storeBufferEntries);
    this.sbValue = new Int32Array(machine.storeBufferEntries);
    this.alLo = new Float64Array(machine.aliasEntries);
    this.alHi = new Float64Array(machine.aliasEntries);
  }

  /** Make the working registers architectural (shadow ← working). */
  checkpoint(): void {
    this.shadow.set(this.shadowed);
  }

  /** Undo everything since the last commit: working ← shadow, buffered stores and alias
   * ranges discarded. Temporaries (r(numShadowed)..) keep whatever they held. */
  rollback(): void {
    this.regs.set(this.shadow);
    this.sbCount = 0;
    this.alCount = 0;
  }

  /** Buffer a store; false when the buffer is full (an overflow fault). */
  bufferStore(addr: number, size: AccessSize, value: number): boolean {
    const n = this.sbCount;
    if (n >= this.sbAddr.length) return false;
    this.sbAddr[n] = addr;
    this.sbSize[n] = size;
    this.sbValue[n] = value;
    this.sbCount = n + 1;
    return true;
  }

  /** Set by loadRam: did the last load take any byte from the store buffer? */
  forwarded = false;

  /**
   * Load from RAM as the executing translation sees it: memory overlaid, byte by byte, with
   * the youngest buffered store covering each byte. `addr` must be RAM and size-aligned.
   * Returns the raw value: zero-extended for sizes 1 and 2, int32 for size 4.
   */
  loadRam(addr: number, size: AccessSize): number {
    const v = this.memory.load(addr, size);
    this.forwarded = false;
    if (this.sbCount === 0) return v;
    const r = overlayStores(addr, size, v, this.sbCount, this.sbAddr, this.sbSize, this.sbValue, this);
    return size === 4 ? r | 0 : r >>> 0;
  }

  /** Write every buffered store to memory in order; returns the D-cache stall cycles. */
  drain(port: DataPort): number {
    let stall = 0;
    const n = this.sbCount;
    // Empty the buffer first: a code-write listener fired by a store may look at the state.
    this.sbCount = 0;
    for (let e = 0; e < n; e++) {
      const a = this.sbAddr[e]!;
      stall += port.data(a, true);
      this.memory.store(a, this.sbSize[e] as AccessSize, this.sbValue[e]!);
    }
    return stall;
  }

  /** Record a protected range; false when the alias table is full (an overflow fault). */
  protect(addr: number, size: number): boolean {
    const n = this.alCount;
    if (n >= this.alLo.length) return false;
    this.alLo[n] = addr;
    this.alHi[n] = addr + size;
    this.alCount = n + 1;
    return true;
  }

  /** Does [addr, addr+size) overlap a protected range? */
  aliases(addr: number, size: number): boolean {
    const end = addr + size;
    for (let i = 0; i < this.alCount; i++) if (addr < this.alHi[i]! && this.alLo[i]! < end) return true;
    return false;
  }

  clearAlias(): void {
    this.alCount = 0;
  }
}
