/**
 * The cache hierarchy's timing model: split L1 instruction and data caches over a unified
 * L2 and main memory. Only tags are modelled (data lives in guest Memory), and the model
 * answers one question per access: how many stall cycles beyond an L1 hit does it cost.
 * Both the VLIW executors (molecule fetch, loads/stores) and the baseline in-order core call
 * it for every simulated memory access, so an access allocates nothing and touches only
 * typed arrays.
 *
 * Policies (fixed, documented here because they shape the numbers):
 * - set-associative with true LRU replacement (an invalid way is always the victim before
 *   any valid one);
 * - write-back, write-allocate: a write miss fills the line like a read, and a write marks
 *   it dirty. Writes cost exactly what reads cost: write-backs of dirty victims are counted
 *   (`writebacks`) but assumed absorbed by a write buffer, so they add no stall cycles and
 *   do not touch the next level;
 * - the L2 is non-inclusive, non-exclusive (NINE): every L1 miss looks up (and on a miss
 *   fills) the L2, but an L2 eviction does not invalidate L1 copies, and an L1 eviction
 *   does not remove the line from the L2. A line can therefore hit in an L1 after the L2
 *   has dropped it.
 */
import { UsageError } from '../core/errors.ts';
import type { Config } from '../core/params.ts';
import { counter, defineStats, formula, ratio, StatRegistry } from '../core/stats.ts';
import { cacheParams } from './params.ts';

/** Stall cycles beyond the L1-hit time (a cycle count, not an address). */
export type StallCycles = number;

const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * Reject a geometry the indexing cannot represent. `name` is the parameter prefix
 * ("cache.l1i"), so the message names the exact parameter ("cache.l1iSize") to fix.
 */
function checkGeometry(name: string, sizeBytes: number, assoc: number, lineBytes: number): void {
  const bad = (param: string, v: number, unit: string, what: string): never => {
    throw new UsageError(`parameter ${name}${param}: ${v} ${unit} ${what}`);
  };
  if (!isPow2(sizeBytes)) bad('Size', sizeBytes, 'bytes', 'is not a power of two');
  if (!isPow2(assoc)) bad('Assoc', assoc, 'ways', 'is not a power of two');
  if (!isPow2(lineBytes)) bad('Line', lineBytes, 'bytes', 'is not a power of two');
  // Tags are line addresses kept in an Int32Array: a line must hold at least a word.
  if (lineBytes < 4) bad('Line', lineBytes, 'bytes', 'is smaller than one 4-byte word');
  if (sizeBytes < assoc * lineBytes)
    bad('Size', sizeBytes, 'bytes', `is smaller than one set (${name}Assoc × ${name}Line = ${assoc * lineBytes} bytes)`);
}

/**
 * One set-associative, true-LRU, write-back write-allocate cache (tags only).
 *
 * Lookups rarely scan a set. A line's bucket is its low bits, line & bucketMask: its set
 * number and log2(4 × assoc) bits above it, so a set's lines spread over 4 × assoc buckets
 * and a bucket only ever holds lines of one set. Per bucket, `resident` counts the lines
 * present: 0 proves a miss without a scan. `hint` remembers the way that last held a line
 * of the bucket; it may be stale, so it is trusted only when that way's tag matches. The
 * set is scanned only when neither answers (the line is absent but shares its bucket with
 * a present one, or the hint points at the bucket's other line).
 * Replacement: each set keeps its ways in a doubly linked recency list, so a hit moves its
 * way to the front and a miss takes the way at the back, without comparing stamps. That is
 * true LRU exactly: initially every way is invalid and each list runs from the lowest way
 * (least recent) up; invalid ways are never touched, so a miss fills the lowest invalid way
 * before evicting any valid one, and then the least recently used.
 * (Measured on the in-order core, against per-way stamps scanned on every miss: 15-20 %
 * less time on the miss-bound workloads. An exact hash index from line to way lost: the
 * deletions of linear probing cost more than the scans they save.)
 */
export class Cache {
  readonly sets: number;
  readonly assoc: number;
  readonly lineBytes: number;
  hits = 0;
  misses = 0;
  /** Dirty lines evicted (counted only; see the file comment on write-back timing). */
  writebacks = 0;

  private readonly lineBits: number;
  private readonly setMask: number;
  /** Per way (set * assoc + way): the line address (addr >>> lineBits), or -1 when invalid.
   * Lines are non-negative (a line holds at least 4 bytes), so -1 is free as a marker. */
  private readonly tags: Int32Array;
  private readonly dirty: Uint8Array;
  /** Per way: the next more / less recently used way of its set, -1 at the ends. */
  private readonly newer: Int32Array;
  private readonly older: Int32Array;
  /** Per set: its most and least recently used way. */
  private readonly mruOf: Int32Array;
  private readonly lruOf: Int32Array;
  /** Per bucket: how many of its lines are present, and the way that last held one. */
  private readonly resident: Int32Array;
  private readonly hint: Int32Array;
  private readonly bucketMask: number;
  /** The line of the last access and its way (a line stays in its way until replaced, and
   * only an access to another line can replace it). -1: none. */
  private mruLine = -1;
  private mruWay = 0;

  constructor(
    /** Parameter prefix and label, e.g. "cache.l1d"; errors name `${name}Size` etc. */
    readonly name: string,
    readonly sizeBytes: number,
    assoc: number,
    lineBytes: number,
  ) {
    checkGeometry(name, sizeBytes, assoc, lineBytes);
    this.assoc = assoc;
    this.lineBytes = lineBytes;
    this.sets = sizeBytes / (assoc * lineBytes);
    this.lineBits = Math.log2(lineBytes);
    this.setMask = this.sets - 1;
    const ways = this.sets * assoc;
    this.tags = new Int32Array(ways);
    this.dirty = new Uint8Array(ways);
    this.newer = new Int32Array(ways);
    this.older = new Int32Array(ways);
    this.mruOf = new Int32Array(this.sets);
    this.lruOf = new Int32Array(this.sets);
    this.resident = new Int32Array(4 * ways);
    this.hint = new Int32Array(4 * ways);
    this.bucketMask = 4 * ways - 1;
    this.clear();
  }

  /** Every way invalid and clean; each set's recency list ordered by way (lowest least recent). */
  private clear(): void {
    this.tags.fill(-1);
    this.dirty.fill(0);
    this.resident.fill(0);
    const a = this.assoc;
    for (let set = 0; set < this.sets; set++) {
      const base = set * a;
      for (let k = 0; k < a; k++) {
        this.older[base + k] = k === 0 ? -1 : base + k - 1;
        this.newer[base + k] = k === a - 1 ? -1 : base + k + 1;
      }
      this.lruOf[set] = base;
      this.mruOf[set] = base + a - 1;
    }
    this.mruLine = -1;
  }

  /** Make way `w` of `set` the most recently used. */
  private touch(w: number, set: number): void {
    const m = this.mruOf[set]!;
    if (m === w) return;
    const newer = this.newer;
    const older = this.older;
    // Unlink (w is not the MRU, so it has a newer neighbour) ...
    const o = older[w]!;
    const n = newer[w]!;
    older[n] = o;
    if (o === -1) this.lruOf[set] = n;
    else newer[o] = n;
    // ... and put it in front.
    older[w] = m;
    newer[w] = -1;
    newer[m] = w;
    this.mruOf[set] = w;
  }

  /** The way holding `line` (its set's ways start at `base`), or -1. */
  private find(line: number, base: number): number {
    const h = line & this.bucketMask;
    const tags = this.tags;
    const w = this.hint[h]!;
    if (tags[w] === line) return w;
    if (this.resident[h] === 0) return -1;
    for (let k = base, end = base + this.assoc; k < end; k++) {
      if (tags[k] === line) {
        this.hint[h] = k;
        return k;
      }
    }
    return -1;
  }

  /** true on hit; on a miss the line is filled into the least recently used way of its set. */
  access(addr: number, write: boolean): boolean {
    const line = addr >>> this.lineBits;
    // Consecutive accesses mostly touch the same line (sequential fetch): it is already the
    // most recent of its set, so only the counters and the dirty bit change.
    if (line === this.mruLine) {
      if (write) this.dirty[this.mruWay] = 1;
      this.hits++;
      return true;
    }
    this.mruLine = line;
    const set = line & this.setMask;
    const base = set * this.assoc;
    const hit = this.find(line, base);
    if (hit !== -1) {
      this.touch(hit, set);
      if (write) this.dirty[hit] = 1;
      this.hits++;
      this.mruWay = hit;
      return true;
    }
    this.misses++;
    const victim = this.lruOf[set]!;
    const old = this.tags[victim]!;
    if (old !== -1) {
      if (this.dirty[victim] === 1) this.writebacks++;
      this.resident[old & this.bucketMask]--;
    }
    this.tags[victim] = line;
    this.dirty[victim] = write ? 1 : 0;
    const h = line & this.bucketMask;
    this.resident[h]++;
    this.hint[h] = victim;
    this.touch(victim, set);
    this.mruWay = victim;
    return false;
  }

  /** Is the line holding `addr` present? Does not count as an access or update LRU. */
  contains(addr: number): boolean {
    const line = addr >>> this.lineBits;
    return this.find(line, (line & this.setMask) * this.assoc) !== -1;
  }

  /** Empty the cache and zero its counters (a cold start). */
  reset(): void {
    this.clear();
    this.hits = 0;
    this.misses = 0;
    this.writebacks = 0;
  }
}

const hitRate = (level: string) => (g: (n: string) => number): number =>
  ratio(g(`cache.${level}Hits`), g(`cache.${level}Hits`) + g(`cache.${level}Misses`));

export const cacheStats = defineStats('cache', {
  l1iHits: counter('accesses', 'instruction fetches that hit in the L1 I-cache'),
  l1iMisses: counter('accesses', 'instruction fetches that missed in the L1 I-cache'),
  l1dHits: counter('accesses', 'loads and stores that hit in the L1 D-cache'),
  l1dMisses: counter('accesses', 'loads and stores that missed in the L1 D-cache (write-allocate: stores fill too)'),
  l1dWritebacks: counter('lines', 'dirty L1 D-cache lines evicted (absorbed by a write buffer: no stall cycles)'),
  l2Hits: counter('accesses', 'L1 misses (instruction or data) that hit in the unified L2'),
  l2Misses: counter('accesses', 'L1 misses that also missed in the L2 and went to memory'),
  l1iHitRate: formula('ratio', 'L1 I-cache hits per fetch', hitRate('l1i')),
  l1dHitRate: formula('ratio', 'L1 D-cache hits per load/store', hitRate('l1d')),
  l2HitRate: formula('ratio', 'L2 hits per L2 lookup (L1 misses)', hitRate('l2')),
});

const cacheRegistry = new StatRegistry([cacheStats]);

/** L1I + L1D over a unified L2 over memory, sized by the `cache.*` parameters. */
export class MemoryHierarchy {
  readonly l1i: Cache;
  readonly l1d: Cache;
  readonly l2: Cache;
  /** Extra cycles for an L1 miss that hits in the L2. */
  readonly l2Latency: number;
  /** Extra cycles, on top of l2Latency, for an L2 miss. */
  readonly memLatency: number;

  constructor(cfg: Config) {
    const p = cacheParams.read(cfg);
    this.l1i = new Cache('cache.l1i', p.l1iSize, p.l1iAssoc, p.l1iLine);
    this.l1d = new Cache('cache.l1d', p.l1dSize, p.l1dAssoc, p.l1dLine);
    this.l2 = new Cache('cache.l2', p.l2Size, p.l2Assoc, p.l2Line);
    this.l2Latency = p.l2Latency;
    this.memLatency = p.memLatency;
  }

  /** Stall cycles beyond an L1 hit for an instruction fetch at `addr`: 0 on an L1I hit,
   * l2Latency on an L1 miss that hits in the L2, l2Latency + memLatency on an L2 miss. */
  fetch(addr: number): StallCycles {
    if (this.l1i.access(addr, false)) return 0;
    return this.l2.access(addr, false) ? this.l2Latency : this.l2Latency + this.memLatency;
  }

  /** The same for a load (`write` false) or store (`write` true) through the L1D. */
  data(addr: number, write: boolean): StallCycles {
    if (this.l1d.access(addr, write)) return 0;
    // The L2 sees the fill as a read; it becomes dirty only when the L1 writes the line back,
    // which this model does not time (see the file comment).
    return this.l2.access(addr, false) ? this.l2Latency : this.l2Latency + this.memLatency;
  }

  /** Counters and hit rates, keyed "cache.<name>". */
  stats(): Record<string, number> {
    return cacheRegistry.evaluate(cacheStats.values({
      l1iHits: this.l1i.hits,
      l1iMisses: this.l1i.misses,
      l1dHits: this.l1d.hits,
      l1dMisses: this.l1d.misses,
      l1dWritebacks: this.l1d.writebacks,
      l2Hits: this.l2.hits,
      l2Misses: this.l2.misses,
    }));
  }

  reset(): void {
    this.l1i.reset();
    this.l1d.reset();
    this.l2.reset();
  }
}
