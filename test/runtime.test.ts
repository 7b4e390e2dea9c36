// The code-morphing runtime's translation cache and dispatch loop: chaining, eviction of a
// full cache, invalidation of translations whose guest code was overwritten (self-modifying
// code, with and without fence.i), determinism of cycles, and the instruction limit. Each
// program's result is checked against the reference interpreter and against values worked
// out by hand; the statistics show the mechanism under test really ran.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asm } from '../isa-guest/encode.ts';
import { parseElf } from '../isa-guest/elf.ts';
import { assemble, exitWith, TOHOST, type AssembledProgram } from './helpers/guest-asm-program.ts';
import { expectSameAsInterp, INTERP, runGuest, TRANSLATE_T1, TRANSLATE_T2, type MemRanges } from './helpers/guest-asm-run.ts';

const WORKLOADS = join(import.meta.dirname, '..', 'workloads');
const everything = (p: AssembledProgram): MemRanges => [[p.base, p.end - p.base]];

/** A loop of four blocks (two paths through a diamond): s2 = Σ (odd i ? i : -2i), i = 1..n. */
function diamond(n: number): AssembledProgram {
  return assemble([
    '_start:', 'li s1, 0', 'li s2, 0', 'li s3, 0', `li s4, ${n}`,
    'loop:', 'addi s1, s1, 1', 'andi t0, s1, 1', 'beq t0, zero, even',
    'add s2, s2, s1', 'j next',
    'even:', 'slli t1, s1, 1', 'sub s2, s2, t1',
    'next:', 'xor s3, s3, s2', 'bne s1, s4, loop',
    'li a0, 0', ...exitWith('a0'),
    ...TOHOST,
  ]);
}

describe('translation cache and dispatch', () => {
  it('chaining: a loop of several blocks is linked exit to entry, results equal interp', () => {
    const n = 1000;
    const p = diamond(n);
    const { t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    // Σ odd i (i ≤ 1000) = 500² = 250000; Σ even 2i = 2 · 2 · (1 + … + 500) = 501000.
    expect(t1.state.x[18]).toBe(250000 - 501000);
    for (const r of [t1, t2]) {
      expect(r.result.stats['morph.chainsMade']).toBeGreaterThan(0);
      expect(r.result.stats['exec.chained']).toBeGreaterThan(n);
      // Chained transfers skip the dispatcher: far fewer lookups than block executions.
      expect(r.result.stats['morph.dispatches']).toBeLessThan(n / 4);
      expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.95);
    }
  });

  it('eviction: a 4 KiB translation cache flushes when a program touches more code, results equal interp', () => {
    // 120 blocks of 8 dependent adds (one molecule each, at least) chained by jumps, run 3 times:
    // about 120 × 9 molecules × 16 bytes = 17 KiB of host code against a 4 KiB cache.
    const blocks = 120;
    const lines = ['_start:', 'li s1, 0', 'li s2, 0', 'li s3, 3', 'round:'];
    for (let b = 0; b < blocks; b++) {
      lines.push(`b${b}:`);
      for (let k = 0; k < 8; k++) lines.push(`addi s2, s2, ${b + k}`);
      lines.push(`j b${b + 1}`);
    }
    lines.push(`b${blocks}:`, 'addi s1, s1, 1', 'beq s1, s3, done', 'j round', 'done:', 'li a0, 0', ...exitWith('a0'), ...TOHOST);
    const p = assemble(lines);
    const { t1, t2 } = expectSameAsInterp(p.image, { 'tier.tcacheBytes': 4096 }, { mem: everything(p) });
    // Per round Σ_b Σ_k (b + k) = 8 · Σ b + 120 · 28 = 8 · 7140 + 3360 = 60480.
    expect(t1.state.x[18]).toBe(3 * 60480);
    for (const r of [t1, t2]) {
      expect(r.result.stats['morph.flushes']).toBeGreaterThan(0);
      expect(r.result.stats['morph.evictions']).toBeGreaterThan(0);
      expect(r.machine.runtime!.tcache.bytesUsed).toBeLessThanOrEqual(4096);
    }
    // With the default (4 MiB) cache nothing is evicted: the flushes above come from the limit.
    const roomy = runGuest(p.image, TRANSLATE_T1);
    expect(roomy.result.stats['morph.flushes']).toBe(0);
    expect(roomy.state.x[18]).toBe(3 * 60480);
  });

  /** f is translated (50 calls), its first instruction overwritten, then called 50 more times. */
  function smcProgram(fenceI: boolean): AssembledProgram {
    return assemble([
      '_start:', 'li s1, 0', 'li s3, 50', 'li a0, 0',
      'loop1:', 'call f', 'addi s1, s1, 1', 'bne s1, s3, loop1',
      'la t0, patch', 'lw t1, 0(t0)', 'la t2, f', 'sw t1, 0(t2)',
      ...(fenceI ? ['fence.i'] : []),
      'li s1, 0',
      'loop2:', 'call f', 'addi s1, s1, 1', 'bne s1, s3, loop2',
      'li a1, 0', ...exitWith('a1'),
      'f: addi a0, a0, 1', 'ret',
      ...TOHOST,
      `patch: .word ${asm('addi a0, a0, 100')}`,
    ]);
  }

  for (const fenceI of [false, true]) {
    it(`invalidation: code overwritten after it was translated runs as new code${fenceI ? ' (with fence.i)' : ''}`, () => {
      const p = smcProgram(fenceI);
      // The store itself invalidates f's translation; fence.i (interpreted) adds nothing to undo.
      const { t1, t2 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
      for (const r of [t1, t2]) {
        expect(r.state.x[10]).toBe(50 * 1 + 50 * 100); // a0: the stale translation would give 100
        expect(r.result.stats['morph.invalidations']).toBeGreaterThan(0);
        expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.5);
      }
    });
  }

  it('invalidation: a translation remade again and again does not pile its old exits on the one it chains to', () => {
    // Each round rewrites A's first instruction (with itself): A is dropped and remade, and
    // its new version chains to B again. B lives on; only A's live version may be on its list.
    const rounds = 200;
    const p = assemble([
      '_start:', 'li s1, 0', `li s3, ${rounds}`, 'li a0, 0', 'la s4, blockA',
      'loop:', 'lw t1, 0(s4)', 'sw t1, 0(s4)', 'j blockA',
      'blockA:', 'addi a0, a0, 1', 'j blockB',
      'blockB:', 'addi s1, s1, 1', 'bne s1, s3, loop',
      'li a1, 0', ...exitWith('a1'), ...TOHOST,
    ]);
    const { t1 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    expect(t1.state.x[10]).toBe(rounds);
    expect(t1.result.stats['morph.invalidations']).toBeGreaterThan(rounds / 2);
    const b = t1.machine.runtime!.tcache.lookup(p.addr('blockB'))!;
    expect(b.valid).toBe(true);
    expect(b.incoming.length).toBeLessThanOrEqual(2);
  });

  // A translation's stores reach memory only at its commit, so a store that patches a later
  // instruction of the same translation must roll the translation back (cause smc) and let
  // the interpreter run it: the interpreter — the specification — sees code writes at once.
  it('invalidation: a store that patches a later instruction of its own block takes effect at once', () => {
    // The interpreter (the specification) sees a code write immediately; so must translations.
    const n = 20;
    const p = assemble([
      '_start:', 'li s1, 0', `li s3, ${n}`, 'li a0, 0', 'la s4, patch', 'la s5, target',
      'loop:', 'lw t1, 0(s4)', 'sw t1, 0(s5)', 'addi s1, s1, 1',
      'target: addi a0, a0, 1', // +100 from the first iteration on: the store before it patched it
      'bne s1, s3, loop',
      'li a1, 0', ...exitWith('a1'),
      ...TOHOST,
      `patch: .word ${asm('addi a0, a0, 100')}`,
    ]);
    const { t1 } = expectSameAsInterp(p.image, {}, { mem: everything(p) });
    expect(t1.state.x[10]).toBe(n * 100); // stale code in the first iteration would give 1 + (n - 1) · 100
    expect(t1.result.stats['morph.invalidations']).toBeGreaterThan(0);
    expect(t1.result.stats['exec.rollbackSmc']).toBeGreaterThan(0);
  });

  it('workloads/bin/smc.elf in translate mode, threshold 1: golden output', () => {
    const bytes = readFileSync(join(WORKLOADS, 'bin', 'smc.elf'));
    const image = parseElf(bytes, 'smc.elf');
    const r = runGuest(image, TRANSLATE_T1);
    expect(r.result.stop).toBe('exit');
    expect(r.state.exitCode).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(WORKLOADS, 'expected', 'smc.out'), 'utf8'));
    expect(r.result.stats['morph.invalidations']).toBeGreaterThan(0);
    expect(r.result.stats['morph.translatedFraction']).toBeGreaterThan(0.5);
  });

  it('determinism: the same program twice in translate mode gives identical cycles, breakdown and statistics', () => {
    const p = diamond(3000);
    const cfg = { ...TRANSLATE_T1, 'tier.tcacheBytes': 4096 };
    const a = runGuest(p.image, cfg);
    const b = runGuest(p.image, cfg);
    expect(b.result.cycles).toBe(a.result.cycles);
    expect(b.result.breakdown).toEqual(a.result.breakdown);
    expect(b.result.stats).toEqual(a.result.stats);
    expect(b.state).toEqual(a.state);
  });

  it('max-instret: run(N) stops at exactly N retired instructions, interpreted or translated', () => {
    const p = diamond(1_000_000);
    for (const n of [1, 7, 1000, 12345]) {
      const i = runGuest(p.image, INTERP, { maxInstret: n });
      expect(i.result.stop).toBe('limit');
      expect(i.result.instret).toBe(n);
      // A translation retires its region as a whole and cannot stop inside it, so near the
      // limit the runtime neither starts one that would pass N nor follows chained exits
      // (each chained translation could retire up to tier.maxRegionInsns more); it
      // interprets up to N instead. Translate mode could therefore only stop short of N,
      // never past it — and since the interpreter fills the gap, it reaches N exactly.
      for (const cfg of [TRANSLATE_T1, TRANSLATE_T2]) {
        const t = runGuest(p.image, cfg, { maxInstret: n });
        expect(t.result.stop).toBe('limit');
        expect(t.result.instret).toBe(n);
        expect(t.state.x.slice(9, 20)).toEqual(i.state.x.slice(9, 20));
        expect(t.state.pc).toBe(i.state.pc);
      }
    }
    // Large enough for translations and chains to run (the limit is not trivially interpreted).
    const t = runGuest(p.image, TRANSLATE_T1, { maxInstret: 12345 });
    expect(t.result.stats['exec.chained']).toBeGreaterThan(100);
  });
});
