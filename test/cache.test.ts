// The cache timing model: hand-computed hit/miss sequences, LRU against an independent
// list-based model, the NINE L2, stall cycles per level, and geometry validation.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { paramRegistry } from '../morph/config.ts';
import { Cache, MemoryHierarchy } from '../sim-microarch/cache.ts';

describe('Cache', () => {
  it('2-way, 4 sets, 16-byte lines: conflict misses evict the least recently used way', () => {
    const c = new Cache('t', 128, 2, 16);
    expect(c.sets).toBe(4);
    // 0x000, 0x040, 0x080 are lines 0, 4, 8: all in set 0. 0x010 is line 1, set 1.
    const seq: [number, boolean][] = [
      [0x000, false], // cold miss; set 0 = {L0}
      [0x00c, true],  // same line (byte 12 of L0)
      [0x040, false], // cold miss; set 0 = {L0, L4}
      [0x000, true],  // L0 now most recent, L4 least
      [0x080, false], // conflict: evicts L4 (LRU; FIFO would have evicted L0)
      [0x044, false], // L4 was evicted: miss, evicts L0 (L8 is newer)
      [0x080, true],
      [0x000, false], // evicts L4
      [0x010, false], // set 1: cold miss, leaves set 0 alone
      [0x088, true],
      [0x040, false], // evicts L0 (L8 was used at the previous set-0 access)
    ];
    for (const [i, [addr, hit]] of seq.entries()) expect(c.access(addr, false), `access ${i} @0x${addr.toString(16)}`).toBe(hit);
    expect(c.hits).toBe(4);
    expect(c.misses).toBe(7);
    expect(c.contains(0x080)).toBe(true);
    expect(c.contains(0x040)).toBe(true);
    expect(c.contains(0x000)).toBe(false);
    expect(c.contains(0x010)).toBe(true);
  });

  it('write-allocate, write-back: a write miss fills; a dirty victim counts one write-back', () => {
    const c = new Cache('t', 128, 2, 16);
    expect(c.access(0x000, true)).toBe(false); // fills L0 dirty
    expect(c.access(0x004, false)).toBe(true); // the write allocated the line
    expect(c.access(0x040, false)).toBe(false);
    expect(c.access(0x040, false)).toBe(true); // L0 is now LRU
    expect(c.access(0x080, false)).toBe(false); // evicts dirty L0
    expect(c.writebacks).toBe(1);
    expect(c.access(0x0c0, false)).toBe(false); // evicts clean L4
    expect(c.writebacks).toBe(1);
  });

  it('agrees with a list-based true-LRU model on a long pseudo-random trace', () => {
    const sets = 8, assoc = 4, line = 32;
    const c = new Cache('t', sets * assoc * line, assoc, line);
    // Oracle: per set, an array of line numbers ordered most- to least-recently used.
    const model: number[][] = Array.from({ length: sets }, () => []);
    let x = 12345;
    let hits = 0;
    for (let i = 0; i < 20000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const addr = ((x >>> 8) % 4096) * 4; // 16 KiB footprint over a 1 KiB cache: plenty of conflicts
      const ln = addr >>> 5;
      const s = model[ln % sets]!;
      const at = s.indexOf(ln);
      const hit = at >= 0;
      if (hit) s.splice(at, 1);
      else if (s.length === assoc) s.pop();
      s.unshift(ln);
      if (hit) hits++;
      expect(c.access(addr, (x & 1) === 1)).toBe(hit);
    }
    expect(c.hits).toBe(hits);
    expect(hits).toBeGreaterThan(0);
    expect(c.misses).toBeGreaterThan(0);
  });

  // An independent, naive model: per set, its lines in recency order (most recent first),
  // found by scanning, with a dirty flag each. The cache's recency lists must make exactly
  // its decisions: the same hit or miss on every access, the same victim on every eviction
  // (the evicted line is gone, every line the model holds is present), the same write-backs.
  interface ModelLine { line: number; dirty: boolean }
  const GEOMETRIES: readonly [label: string, size: number, assoc: number, line: number][] = [
    ['direct-mapped', 1024, 1, 16],
    ['2-way', 2048, 2, 32],
    ['4-way', 4096, 4, 64],
    ['16-way', 8192, 16, 32],
    ['fully associative (1 set of 64 ways)', 4096, 64, 64],
    ['fully associative (1 set of 8 ways, 4-byte lines)', 32, 8, 4],
  ];
  for (const [label, size, assoc, lineBytes] of GEOMETRIES) {
    it(`matches a naive scanning true-LRU model on random streams: ${label}`, () => {
      const sets = size / (assoc * lineBytes);
      for (let seed = 1; seed <= 5; seed++) {
        const c = new Cache('t', size, assoc, lineBytes);
        const model: ModelLine[][] = Array.from({ length: sets }, () => []);
        let x = seed * 2654435761;
        const rand = (n: number): number => {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          return (x >>> 8) % n;
        };
        // Footprints from half the cache to 64 times it; addresses high in the
        // address space too (negative as int32), runs of sequential words and a hot set of lines.
        const footprint = size * [0.5, 2, 4, 8, 64][seed - 1]!;
        const origin = seed % 2 === 0 ? 0x8000_0000 | 0 : 0x1000;
        const hot = Array.from({ length: assoc + 1 }, () => rand(footprint));
        let hits = 0, misses = 0, writebacks = 0;
        let addrOffset = 0;
        let mismatch: string | undefined;
        for (let i = 0; i < 6000 && mismatch === undefined; i++) {
          const r = rand(10);
          // Seed 5: mostly lines 4 × size bytes apart, which share a lookup bucket.
          if (seed === 5 && r < 8) addrOffset = (rand(2 * assoc + 2) * 4 * size + rand(2) * lineBytes) % footprint;
          else if (r < 4) addrOffset = rand(footprint) & ~3;
          else if (r < 7) addrOffset = (addrOffset + 4) % footprint;
          else addrOffset = hot[rand(hot.length)]! & ~3;
          const addr = (origin + addrOffset) | 0;
          const write = rand(3) === 0;
          const line = addr >>> Math.log2(lineBytes);
          const set = model[line & (sets - 1)]!;
          const at = set.findIndex((l) => l.line === line);
          let victim: number | undefined;
          let entry: ModelLine;
          if (at >= 0) {
            hits++;
            entry = set.splice(at, 1)[0]!;
          } else {
            misses++;
            if (set.length === assoc) {
              const v = set.pop()!;
              victim = v.line;
              if (v.dirty) writebacks++;
            }
            entry = { line, dirty: false };
          }
          if (write) entry.dirty = true;
          set.unshift(entry);
          // Plain comparisons (an expect() per access would dominate the time); the first
          // mismatch is reported.
          const where = `seed ${seed}, access ${i} @0x${(addr >>> 0).toString(16)}`;
          const lb = Math.log2(lineBytes);
          if (c.access(addr, write) !== at >= 0) mismatch = `${where}: ${at >= 0 ? 'hit' : 'miss'} expected`;
          else if (victim !== undefined && c.contains(victim << lb)) mismatch = `${where}: victim 0x${victim.toString(16)} still present`;
          else if (c.writebacks !== writebacks) mismatch = `${where}: ${c.writebacks} write-backs, expected ${writebacks}`;
          else for (const l of set) if (!c.contains(l.line << lb)) mismatch = `${where}: line 0x${l.line.toString(16)} lost`;
        }
        expect(mismatch).toBeUndefined();
        expect([c.hits, c.misses]).toEqual([hits, misses]);
        // The stream must exercise both outcomes and evictions of dirty lines.
        expect(hits).toBeGreaterThan(100);
        expect(misses).toBeGreaterThan(seed === 1 ? 0 : 100);
        if (seed > 1) expect(writebacks).toBeGreaterThan(10);
      }
    });
  }

  it('reset empties the cache and its counters', () => {
    const c = new Cache('t', 128, 2, 16);
    c.access(0, true);
    c.access(0, false);
    c.reset();
    expect([c.hits, c.misses, c.writebacks]).toEqual([0, 0, 0]);
    expect(c.access(0, false)).toBe(false);
  });

  it('rejects geometries that are not powers of two, naming the parameter', () => {
    expect(() => new Cache('x.l1', 96, 2, 16)).toThrow(/parameter x\.l1Size: 96 bytes is not a power of two/);
    expect(() => new Cache('x.l1', 128, 3, 16)).toThrow(/parameter x\.l1Assoc: 3 ways is not a power of two/);
    expect(() => new Cache('x.l1', 128, 2, 24)).toThrow(/parameter x\.l1Line: 24 bytes/);
    expect(() => new Cache('x.l1', 64, 4, 32)).toThrow(/x\.l1Size: 64 bytes is smaller than one set/);
  });
});

describe('MemoryHierarchy', () => {
  // Direct-mapped 1 KiB L1s and a direct-mapped 4 KiB L2, 16-byte lines: easy to conflict by hand.
  const small = paramRegistry.resolve({
    'cache.l1iSize': 1024, 'cache.l1iAssoc': 1, 'cache.l1iLine': 16,
    'cache.l1dSize': 1024, 'cache.l1dAssoc': 1, 'cache.l1dLine': 16,
    'cache.l2Size': 4096, 'cache.l2Assoc': 1, 'cache.l2Line': 16,
    'cache.l2Latency': 10, 'cache.memLatency': 80,
  });
  const A = 0x80000000 | 0;

  it('charges 0 / l2Latency / l2Latency + memLatency by the level that serves the access', () => {
    const h = new MemoryHierarchy(small);
    expect(h.fetch(A)).toBe(90); // cold: memory
    expect(h.fetch(A + 4)).toBe(0); // same L1I line
    expect(h.fetch(A + 1024)).toBe(90); // evicts A from the direct-mapped L1I, new in L2
    expect(h.fetch(A)).toBe(10); // L1I miss, still in L2
    expect(h.data(A + 8, false)).toBe(10); // unified L2: the fetch brought the line in
    expect(h.data(A + 8, true)).toBe(0); // stores cost as loads
    expect(h.data(A + 64, true)).toBe(90);
    const s = h.stats();
    expect(s['cache.l1iHits']).toBe(1);
    expect(s['cache.l1iMisses']).toBe(3);
    expect(s['cache.l1dHits']).toBe(1);
    expect(s['cache.l1dMisses']).toBe(2);
    expect(s['cache.l2Hits']).toBe(2);
    expect(s['cache.l2Misses']).toBe(3);
    expect(s['cache.l1iHitRate']).toBeCloseTo(0.25, 12);
    expect(s['cache.l2HitRate']).toBeCloseTo(0.4, 12);
  });

  it('L2 is non-inclusive: an L2 eviction leaves the L1 copy, which still hits', () => {
    const h = new MemoryHierarchy(small);
    expect(h.fetch(A)).toBe(90);
    expect(h.data(A + 4096, false)).toBe(90); // same L2 set: evicts A from the L2 only
    expect(h.l2.contains(A)).toBe(false);
    expect(h.fetch(A)).toBe(0); // L1I kept its copy
    expect(h.data(A, false)).toBe(90); // not in L1D, no longer in L2
  });

  it('defaults build and reset', () => {
    const h = new MemoryHierarchy(paramRegistry.defaults());
    expect(h.l1d.sets).toBe(65536 / (16 * 64));
    h.fetch(0x1000);
    h.reset();
    expect(h.stats()['cache.l1iMisses']).toBe(0);
  });

  it('invalid configured geometry is a UsageError naming the parameter', () => {
    const bad = paramRegistry.resolve({ 'cache.l1iSize': 3000 });
    expect(() => new MemoryHierarchy(bad)).toThrow(UsageError);
    expect(() => new MemoryHierarchy(bad)).toThrow(/parameter cache\.l1iSize: 3000 bytes is not a power of two/);
    const tiny = paramRegistry.resolve({ 'cache.l1dSize': 1024, 'cache.l1dAssoc': 64, 'cache.l1dLine': 512 });
    expect(() => new MemoryHierarchy(tiny)).toThrow(/cache\.l1dSize: 1024 bytes is smaller than one set \(cache\.l1dAssoc × cache\.l1dLine = 32768 bytes\)/);
  });
});
