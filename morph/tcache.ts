/**
 * The translation cache: translations by guest entry pc, a bounded amount of host code
 * (bytes of molecules), flush-when-full eviction, exit chaining, and invalidation when the
 * guest writes its own code (Transmeta's T-bit: pages holding translated code are watched;
 * a store to one drops exactly the translations whose guest bytes it overlaps).
 */
import type { Memory } from '../isa-guest/memory.ts';
import { PAGE_BITS } from '../isa-guest/memory.ts';
import type { Atom, HostCode } from '../isa-host-vliw/code.ts';
import type { IrRegion } from './optimizer/ir.ts';

export interface Translation {
  readonly id: number;
  readonly entryPc: number;
  /** Guest pc just past the region's last instruction. */
  readonly endPc: number;
  readonly guestInsns: number;
  readonly tier: 1 | 2;
  readonly code: HostCode;
  readonly bytes: number;
  readonly region: IrRegion;
  /** Guest pc of the instruction each memory atom came from. */
  readonly guestPcOf: ReadonlyMap<Atom, number>;
  /** Exits of other translations (or this one) chained to this translation. */
  readonly incoming: Atom[];
  valid: boolean;
  // Per-translation statistics (--stats-json).
  cycles: number;
  rollbacks: number;
}

export class TranslationCache {
  private readonly byPc = new Map<number, Translation>();
  private readonly byPage = new Map<number, Set<Translation>>();
  private used = 0;
  private nextId = 0;
  /** Every translation ever made, for per-translation statistics. */
  readonly history: Translation[] = [];
  /** Told of every translation dropped (`all` for a flush), whatever the reason, so that
   * structures that point at host code (the indirect-branch predictor) forget it. */
  onDrop: ((t: Translation | 'all') => void) | undefined;

  constructor(
    private readonly memory: Memory,
    readonly capacity: number,
    readonly base: number,
    readonly moleculeBytes: number,
  ) {}

  get size(): number { return this.byPc.size; }
  get bytesUsed(): number { return this.used; }
  newId(): number { return this.nextId++; }

  lookup(pc: number): Translation | undefined { return this.byPc.get(pc); }

  /** Does the code fit without a flush? */
  fits(molecules: number): boolean { return this.used + molecules * this.moleculeBytes <= this.capacity; }

  /** Place a translation (the caller flushes first when it does not fit). */
  insert(t: Omit<Translation, 'bytes' | 'incoming' | 'valid' | 'cycles' | 'rollbacks'>): Translation {
    const bytes = t.code.molecules.length * this.moleculeBytes;
    t.code.hostAddr = this.base + this.used;
    this.used += bytes;
    const full: Translation = { ...t, bytes, incoming: [], valid: true, cycles: 0, rollbacks: 0 };
    const old = this.byPc.get(t.entryPc);
    if (old) this.drop(old);
    this.byPc.set(t.entryPc, full);
    for (let p = t.entryPc >>> PAGE_BITS; p <= ((t.endPc - 1) >>> PAGE_BITS); p++) {
      let s = this.byPage.get(p);
      if (!s) this.byPage.set(p, (s = new Set()));
      s.add(full);
      this.memory.watch(p << PAGE_BITS);
    }
    this.history.push(full);
    return full;
  }

  /** Chain an exit atom to its target translation. */
  link(exit: Atom, target: Translation): void {
    exit.link = target.code;
    target.incoming.push(exit);
  }

  /** Drop every translation; returns how many were dropped. */
  flush(): number {
    const n = this.byPc.size;
    for (const t of this.byPc.values()) this.unlinkIncoming(t);
    this.byPc.clear();
    this.byPage.clear();
    this.used = 0;
    this.onDrop?.('all');
    return n;
  }

  /** Drop the translations whose guest bytes overlap [addr, addr+size). */
  invalidateRange(addr: number, size: number): Translation[] {
    const set = this.byPage.get(addr >>> PAGE_BITS);
    if (!set) return [];
    const hit: Translation[] = [];
    for (const t of set) if (addr < t.endPc && addr + size > t.entryPc) hit.push(t);
    for (const t of hit) this.drop(t);
    return hit;
  }

  /** Drop one translation (and unlink the exits chained to it). */
  remove(t: Translation): void { this.drop(t); }

  private drop(t: Translation): void {
    this.unlinkIncoming(t);
    this.onDrop?.(t);
    if (this.byPc.get(t.entryPc) === t) this.byPc.delete(t.entryPc);
    for (let p = t.entryPc >>> PAGE_BITS; p <= ((t.endPc - 1) >>> PAGE_BITS); p++) this.byPage.get(p)?.delete(t);
    // Host code space is reclaimed only by a flush (a bump allocator, as in CMS).
  }

  private unlinkIncoming(t: Translation): void {
    for (const e of t.incoming) if (e.link === t.code) e.link = null;
    t.incoming.length = 0;
    t.valid = false;
  }
}
