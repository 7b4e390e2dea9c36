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

/** One version of the translation of a guest entry point, and why it was made (reports). */
export interface HistoryEntry {
  readonly version: number;
  readonly tier: 1 | 2;
  readonly reason: string;
  /** Simulated cycle (CycleAccount total) at which the version was made. */
  readonly cycle: number;
}

/** What a tier-2 translation was allowed to speculate. */
export interface Speculation {
  readonly memory: boolean;
  readonly control: boolean;
}

/** Guest byte ranges [start, end) a translation was made from (a trace has several). */
export type GuestRanges = readonly (readonly [number, number])[];

export interface Translation {
  readonly id: number;
  readonly entryPc: number;
  /** Guest pc just past the region's last instruction (a trace: past its highest block). */
  readonly endPc: number;
  /** The guest code it was made from: [entryPc, endPc) for a block, each block of a trace. */
  readonly ranges: GuestRanges;
  readonly guestInsns: number;
  readonly tier: 1 | 2;
  /** Every version made for this entry pc so far, this one last. */
  readonly history: readonly HistoryEntry[];
  /** Tier 2: the speculation it uses (tier 1 speculates nothing). */
  readonly speculation: Speculation;
  /** Tier 2: the guest pcs of the blocks of the trace, in trace order. */
  readonly blocks: readonly number[];
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

/** What statistics and reports keep of a translation, live or dropped: everything but its
 * host code and IR. */
export interface TranslationSummary
  extends Pick<Translation, 'id' | 'entryPc' | 'endPc' | 'guestInsns' | 'tier' | 'history' | 'speculation' | 'blocks' | 'bytes' | 'rollbacks'> {
  readonly hostAddr: number;
  readonly molecules: number;
  readonly atoms: number;
  /** Molecules by the number of atoms they hold (index: atoms). */
  readonly fill: readonly number[];
  readonly executions: number;
  readonly cycles: number;
  readonly live: boolean;
}

const NO_HISTORY: readonly HistoryEntry[] = [];
const NONE_DROPPED: readonly Translation[] = [];

/** A dropped translation once compacted: its summary, with its history as a version count
 * into the entry pc's version list (one list per pc, not one copy per version). */
interface Compacted {
  /** Its history left out (NO_HISTORY): summaries() rebuilds it from `version`. */
  readonly summary: TranslationSummary;
  readonly version: number;
}

/**
 * Every translation made, in order. A translation is held whole while it is live. Once it
 * is dropped and its counts are final (TranslationHistory.compact(), called by the runtime
 * between steps), only its summary stays, except for the `keepWhole` dropped ones with the
 * most cycles, whose code reports print. A run that retranslates without end (a small
 * cache, self-modifying code) thus keeps a small record per translation, not its code.
 */
export class TranslationHistory {
  private readonly made: (Translation | Compacted)[] = [];
  private readonly versions = new Map<number, HistoryEntry[]>();
  private readonly pending: Translation[] = [];
  /** Dropped translations held whole, most cycles first (ties: lower id first); unused when
   * keepWhole is Infinity. */
  private readonly kept: Translation[] = [];
  private readonly byTier = [0, 0, 0];

  /** `keepWhole`: how many dropped translations to hold whole (Infinity: all). */
  constructor(readonly keepWhole: number) {}

  get length(): number { return this.made.length; }

  /** Translations made at `tier` so far. */
  count(tier: 1 | 2): number { return this.byTier[tier]!; }

  /** The history of `pc` with one more version appended (a copy: the new translation's). */
  newVersion(pc: number, tier: 1 | 2, reason: string, cycle: number): HistoryEntry[] {
    let h = this.versions.get(pc);
    if (!h) this.versions.set(pc, (h = []));
    h.push({ version: h.length + 1, tier, reason, cycle });
    return h.slice();
  }

  add(t: Translation): void {
    this.made.push(t);
    this.byTier[t.tier]!++;
  }

  /** `t` was dropped from the cache: compact it at the next compact(). */
  dropped(t: Translation): void { this.pending.push(t); }

  /**
   * Compact the translations dropped since the last call. Only where no executor is inside
   * a run: until then a dropped translation may still run to the end of it (and its counts
   * grow). Returns them, for the runtime to forget what it keeps by translation id.
   */
  compact(): readonly Translation[] {
    if (this.pending.length === 0) return NONE_DROPPED; // the common case: every step asks
    const done = this.pending.splice(0);
    if (this.keepWhole === Infinity) return done; // every one stays whole: no ranking needed
    for (const t of done) {
      let i = this.kept.length;
      while (i > 0 && byCyclesThenId(t, this.kept[i - 1]!) < 0) i--;
      this.kept.splice(i, 0, t);
      if (this.kept.length > this.keepWhole) this.summarize(this.kept.pop()!);
    }
    return done;
  }

  /** Every translation made, in order, as statistics see it. */
  summaries(): TranslationSummary[] {
    return this.made.map((e) => 'code' in e ? summaryOf(e, e.history) : {
      ...e.summary, history: this.versions.get(e.summary.entryPc)!.slice(0, e.version),
    });
  }

  /** The translations still held whole, in order made: the live ones, and the dropped ones
   * with the most cycles (`keepWhole` of them). */
  whole(): Translation[] {
    return this.made.filter((e): e is Translation => 'code' in e);
  }

  private summarize(t: Translation): void {
    this.made[this.indexOf(t.id)] = { summary: summaryOf(t, NO_HISTORY), version: t.history.length };
  }

  /** Index in `made` of the translation with id `id` (ids grow in the order made). */
  private indexOf(id: number): number {
    let lo = 0;
    let hi = this.made.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.made[mid]!;
      if (('code' in e ? e.id : e.summary.id) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The order reports print translations in (most cycles, then lower id): the history keeps
 * whole the dropped ones first in it. A comparator: negative when `a` comes first. */
export function byCyclesThenId(a: Translation, b: Translation): number {
  return b.code.cycles - a.code.cycles || a.id - b.id;
}

function summaryOf(t: Translation, history: readonly HistoryEntry[]): TranslationSummary {
  const fill: number[] = [];
  let atoms = 0;
  for (const m of t.code.molecules) {
    const k = m.atoms.length;
    while (fill.length <= k) fill.push(0);
    fill[k]!++;
    atoms += k;
  }
  return {
    id: t.id, entryPc: t.entryPc, endPc: t.endPc, guestInsns: t.guestInsns, tier: t.tier, history,
    speculation: t.speculation, blocks: t.blocks, bytes: t.bytes, hostAddr: t.code.hostAddr,
    molecules: t.code.molecules.length, atoms, fill, executions: t.code.execCount, cycles: t.code.cycles,
    rollbacks: t.rollbacks, live: t.valid,
  };
}

/** Dropped translations held whole by default: more than reports print schedules of. */
export const DEFAULT_KEEP_WHOLE = 16;

export class TranslationCache {
  private readonly byPc = new Map<number, Translation>();
  private readonly byPage = new Map<number, Set<Translation>>();
  private used = 0;
  private nextId = 0;
  /** Every translation made, for per-translation statistics and reports. */
  readonly history: TranslationHistory;
  /** Told of every translation dropped (`all` for a flush), whatever the reason, so that
   * structures that point at host code (the indirect-branch predictor, the fast executor's
   * compiled code) forget it. */
  onDrop: ((t: Translation | 'all') => void) | undefined;

  constructor(
    private readonly memory: Memory,
    readonly capacity: number,
    readonly base: number,
    readonly moleculeBytes: number,
    keepWhole = DEFAULT_KEEP_WHOLE,
  ) {
    this.history = new TranslationHistory(keepWhole);
  }

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
    for (const p of pagesOf(t.ranges)) {
      let s = this.byPage.get(p);
      if (!s) this.byPage.set(p, (s = new Set()));
      s.add(full);
      this.memory.watch(p << PAGE_BITS);
    }
    this.history.add(full);
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
    for (const t of this.byPc.values()) {
      this.unlinkIncoming(t);
      this.history.dropped(t);
    }
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
    for (const t of set) if (overlapsRanges(t.ranges, addr, size)) hit.push(t);
    for (const t of hit) this.drop(t);
    return hit;
  }

  /** Drop one translation (and unlink the exits chained to it). */
  remove(t: Translation): void { this.drop(t); }

  private drop(t: Translation): void {
    if (t.valid) this.history.dropped(t);
    this.unlinkOutgoing(t);
    this.unlinkIncoming(t);
    this.onDrop?.(t);
    if (this.byPc.get(t.entryPc) === t) this.byPc.delete(t.entryPc);
    for (const p of pagesOf(t.ranges)) this.byPage.get(p)?.delete(t);
    // Host code space is reclaimed only by a flush (a bump allocator, as in CMS).
  }

  /** Take `t`'s chained exits off their live targets' incoming lists (a target that lives on
   * would otherwise keep them, and grow, while translations chained to it are remade). */
  private unlinkOutgoing(t: Translation): void {
    for (const m of t.code.molecules) {
      for (const a of m.atoms) {
        if (a.link === null || a.link === t.code) continue;
        const target = this.byPc.get(a.imm >>> 0);
        if (target?.code !== a.link) continue;
        const i = target.incoming.indexOf(a);
        if (i >= 0) target.incoming.splice(i, 1);
      }
    }
  }

  private unlinkIncoming(t: Translation): void {
    for (const e of t.incoming) if (e.link === t.code) e.link = null;
    t.incoming.length = 0;
    t.valid = false;
  }
}

/** Does [addr, addr+size) overlap any of the ranges? */
export function overlapsRanges(ranges: GuestRanges, addr: number, size: number): boolean {
  for (const [lo, hi] of ranges) if (addr < hi && addr + size > lo) return true;
  return false;
}

/** The guest pages the ranges touch, each once. */
function pagesOf(ranges: GuestRanges): Set<number> {
  const out = new Set<number>();
  for (const [lo, hi] of ranges) for (let p = lo >>> PAGE_BITS; p <= ((hi - 1) >>> PAGE_BITS); p++) out.add(p);
  return out;
}
