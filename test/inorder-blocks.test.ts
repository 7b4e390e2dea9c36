// The in-order core's fast engine times a basic block at a time (TimingBlock in
// sim-microarch/inorder.ts): hand-written programs aimed at each thing a block can get wrong —
// a hazard crossing a block boundary, a register rewritten by a block too short to outlast a
// pending result, an exception in the middle of a block, an interrupt due inside one, a store
// into a block's own words, and cache accesses whose order matters (fetches and data share
// the L2) — each run on both engines and compared field by field: cycles, every category,
// every statistic, the clock, registers. The reference engine is the oracle.
import { describe, expect, it, vi } from 'vitest';
import { BARE_BASE, BareEnv } from './helpers/bare-env.ts';
import { asm, asmLines } from '../isa-guest/encode.ts';
import { Hart } from '../isa-guest/hart.ts';
import { paramRegistry } from '../morph/config.ts';
import { CycleAccount } from '../sim-microarch/cycles.ts';
import { InorderCore } from '../sim-microarch/inorder.ts';

const BASE = BARE_BASE;
const DATA = 0x80010000;

interface Case {
  readonly program: string;
  readonly data?: readonly number[];
  readonly cfg?: Record<string, number>;
  readonly timerAt?: number;
  readonly platform?: 'user' | 'machine';
  /** Steps per run() call (the run is cut in pieces of this many). */
  readonly piece?: number;
}

/**
 * `body` (s0 = DATA) behind a trap vector at BASE + 128 whose handler skips the trapping
 * instruction (mepc + 4): programs whose loads trap now and then and go on.
 */
function skipLoadOnTrap(body: string): string {
  const head = ['lui t0, 0x80000', 'addi t0, t0, 128', 'csrrw zero, mtvec, t0', 'lui s0, 0x80010'];
  const lines = [...head, ...body.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '')];
  if (lines.length > 32) throw new Error('skipLoadOnTrap: the body overlaps the handler');
  const pad = Array<string>(32 - lines.length).fill('addi zero, zero, 0');
  return [...lines, ...pad, 'csrrs t4, mepc, zero', 'addi t4, t4, 4', 'csrrw zero, mepc, t4', 'mret'].join('\n');
}

/** mtvec at BASE + 128 (word 32) and the machine timer interrupt enabled (mstatus.MIE is set
 * by the program when its loop starts). */
const TIMER_ON = ['lui t0, 0x80000', 'addi t0, t0, 128', 'csrrw zero, mtvec, t0', 'addi t1, zero, 128', 'csrrs zero, mie, t1'].join('\n');

function run(engine: 'reference' | 'fast', c: Case) {
  const env = new BareEnv(c.platform ?? 'user', c.timerAt ?? Infinity);
  asmLines(c.program).forEach((w, i) => env.memory.store32(BASE + 4 * i, w));
  (c.data ?? []).forEach((w, i) => env.memory.store32(DATA + 4 * i, w));
  const hart = new Hart();
  hart.pc = BASE;
  const account = new CycleAccount();
  const cfg = paramRegistry.resolve({
    'cache.l2Latency': 10, 'cache.memLatency': 100, 'inorder.systemCost': 5, ...c.cfg, 'inorder.engine': engine,
  });
  const core = new InorderCore(hart, env, cfg, account);
  // How many blocks the fast engine timed whole (not compared: the reference has none).
  const blocks = vi.spyOn(core, 'blockRetired');
  const stops: string[] = [];
  for (let n = 0; n < 100_000 && env.exitCode === undefined; n++) stops.push(core.run(c.piece ?? 1_000_000));
  expect(env.exitCode, `${engine} engine: the program did not exit`).toBeDefined();
  expect(account.total()).toBe(env.clock.cycles);
  return {
    blocks: blocks.mock.calls.length,
    exitCode: env.exitCode,
    stops: stops.join(' '),
    clock: env.clock.cycles,
    breakdown: account.record(),
    stats: core.stats(),
    x: Array.from(hart.x),
    pc: hart.pc,
    mepc: hart.mepc,
  };
}

/** Both engines on `c`, field by field; returns the reference run, and how many blocks the
 * fast engine timed whole. */
function agree(c: Case) {
  const ref = run('reference', c);
  const fast = run('fast', c);
  expect(ref.blocks).toBe(0);
  for (const key of Object.keys(ref) as (keyof typeof ref)[]) if (key !== 'blocks') expect(fast[key], key).toEqual(ref[key]);
  return { ...ref, blocks: fast.blocks };
}

describe('in-order fast engine: timing blocks against the reference engine', () => {
  it('hazards crossing block boundaries (load-use and multiply after a not-taken branch or a jump)', () => {
    // Long latencies so results stay pending across the block's end; maxLag is 8 here.
    const cfg = { 'inorder.loadUse': 3, 'inorder.mulLatency': 9, 'inorder.branchPenalty': 1 };
    const program = `
      lui s0, 0x80010
      addi a0, zero, 20
      addi a2, zero, 3
      lw a1, 0(s0)          # loop: a block ends at the not-taken beq with the load pending
      beq a1, a0, 64
      add a3, a1, a1        # reads it first thing: a load-use stall across the boundary
      mul a4, a3, a2
      bne zero, zero, 64    # never taken: the product is still pending
      add a5, a4, a4        # multiply stall across the boundary
      mul a1, a5, a2        # a1 pending (9 cycles) ...
      jal zero, 4           # ... across a jump to the next word
      addi a1, zero, 7      # a 2-instruction block rewrites a1: its readiness must replace the product's
      beq a0, zero, 64
      add a6, a1, a1        # so this does not stall
      addi a0, a0, -1
      bne a0, zero, -48
      ecall`;
    const ref = agree({ program, data: [1000], cfg });
    expect(ref.exitCode).toBe(0);
    expect(ref.blocks).toBeGreaterThan(50); // the loop's 5 blocks ran as blocks
    expect(ref.stats['inorder.loadUseStalls']).toBeGreaterThan(0);
    expect(ref.stats['inorder.mulStalls']).toBeGreaterThan(0);
    // The same with other latencies, and with a zero branch penalty (a jump then leaves
    // more pending at the next block's entry).
    agree({ program, data: [1000], cfg: { 'inorder.loadUse': 1, 'inorder.mulLatency': 4, 'inorder.branchPenalty': 0 } });
    agree({ program, data: [1000], cfg: { 'inorder.loadUse': 0, 'inorder.mulLatency': 1, 'inorder.branchPenalty': 3 } });
  });

  it('a load result still pending after a block ends is a load-use stall in the next one', () => {
    // The producer a block leaves in its exit writes decides how the next block's stall counts.
    const program = `
      lui s0, 0x80010
      addi a0, zero, 50
      lw a1, 0(s0)          # loop
      bne zero, zero, 64    # never taken: the load is still pending at the next block
      add a3, a1, a1
      lw a2, 4(s0)
      jal zero, 4           # the same across a jump of a 1-cycle bubble
      add a4, a2, a2
      addi a0, a0, -1
      bne a0, zero, -28
      ecall`;
    const ref = agree({ program, data: [3, 4], cfg: { 'inorder.loadUse': 3, 'inorder.branchPenalty': 1 } });
    expect(ref.exitCode).toBe(0);
    expect(ref.blocks).toBeGreaterThan(50);
    expect(ref.stats['inorder.loadUseStalls']).toBeGreaterThan(0);
    expect(ref.stats['inorder.mulStalls']).toBe(0);
  });

  it('an exception in the middle of a block (a misaligned load every other iteration)', () => {
    const ref = agree({
      program: skipLoadOnTrap(`
        addi a0, zero, 10
        andi t1, a0, 1      # loop
        add t2, s0, t1
        lw t3, 0(t2)        # misaligned when a0 is odd: the block's first two retire, then the trap
        add a1, a1, t3
        sw a1, 4(s0)
        addi a0, a0, -1
        bne a0, zero, -24
        ecall`),
      data: [5, 0],
    });
    expect(ref.stats['inorder.traps']).toBe(5);
    expect(ref.blocks).toBeGreaterThan(5);
  });

  it('a timer interrupt due inside a block is taken at the same boundary', () => {
    // Blocks that load and store miss the small caches now and then: the clock can reach
    // the timer anywhere in them. The handler exits with mcycle as it reads it.
    const program = `${TIMER_ON}
      lui s0, 0x80010
      csrrsi zero, mstatus, 8
      lw a1, 0(s0)          # loop
      addi a1, a1, 1
      sw a1, 0(s0)
      lw a2, 1024(s0)       # conflicts with the first line in the direct-mapped L1D
      add s0, s0, a2
      mul a3, a1, a1
      jal zero, -24` + '\naddi zero, zero, 0'.repeat(18) + `
      csrrs a0, mcycle, zero
      ecall`;
    const cfg = { 'cache.l1dSize': 1024, 'cache.l1dAssoc': 1, 'cache.l1dLine': 16 };
    for (const timerAt of [300, 777, 1001, 2345, 5000]) {
      for (const platform of ['user', 'machine'] as const) {
        const ref = agree({ program, data: [0, 16], cfg, timerAt, platform });
        expect(ref.stats['inorder.traps']).toBe(1);
        // The loop loads and stores, so it runs as blocks only where no device can be
        // reached (user), and only while the clock is far enough from the timer that no block
        // can reach it (its bound counts every access as a miss to memory: 5 x 110 cycles).
        if (platform === 'user' && timerAt >= 2345) expect(ref.blocks).toBeGreaterThan(5);
        expect(ref.exitCode).toBeGreaterThanOrEqual(timerAt);
      }
    }
  });

  it('machine platform: blocks without memory accesses run whole, and the timer is taken where the per-step engine takes it', () => {
    // Only loads and stores keep a machine-platform block from running whole (a device read
    // must see the clock as of its instruction): this loop has none. Its multiplies and a
    // divide make the block's cycles uneven, so the timer falls at varied points in it.
    const program = `${TIMER_ON}
      addi a1, zero, 7
      addi a2, zero, 3
      csrrsi zero, mstatus, 8
      mul a3, a1, a2        # loop
      add a1, a1, a3
      div a4, a1, a2
      xor a2, a2, a4
      andi a2, a2, 255
      ori a2, a2, 1
      jal zero, -24` + '\naddi zero, zero, 0'.repeat(17) + `
      csrrs a0, mcycle, zero
      ecall`;
    for (const timerAt of [150, 1001, 4321, 20000]) {
      const ref = agree({ program, timerAt, platform: 'machine' });
      expect(ref.stats['inorder.traps']).toBe(1);
      expect(ref.exitCode).toBeGreaterThanOrEqual(timerAt);
      if (timerAt >= 4321) expect(ref.blocks).toBeGreaterThan(20);
    }
  });

  it('a store into the words of a block (self-modifying code), earlier or later in it', () => {
    const mul = asm('mul a1, a1, a2'); // replaces `addi a1, a1, 1`, with a dependent after it
    // Another block rewrites a word of the loop's first block once.
    agree({
      program: `
        lui s0, 0x80000
        addi a0, zero, 6
        addi a2, zero, 3
        lui t3, 0x80010
        lw t0, 0(t3)
        addi a1, a1, 1       # loop (BASE + 20), rewritten when a0 == 3
        add a3, a1, a1
        addi t1, zero, 3
        bne a0, t1, 8
        sw t0, 20(s0)
        addi a0, a0, -1
        bne a0, zero, -24
        ecall`,
      data: [mul],
      cfg: { 'inorder.mulLatency': 6 },
    });
    // A block stores into its own next word every iteration: it is cut after the store.
    agree({
      program: `
        lui s0, 0x80000
        addi a0, zero, 8
        addi a2, zero, 3
        lui t3, 0x80010
        lw t0, 0(t3)
        sw t0, 24(s0)        # loop (BASE + 20): rewrites the next word
        addi a1, a1, 1
        add a3, a1, a1
        addi a0, a0, -1
        bne a0, zero, -16
        ecall`,
      data: [mul],
      cfg: { 'inorder.mulLatency': 6 },
    });
  });

  it('fetches and data accesses reach the shared L2 in program order', () => {
    // Direct-mapped everything: the loop's two code lines (BASE + 0x40, + 0x50) and its
    // data lines (DATA + 0x40, + 0x50) share L2 sets (DATA - BASE is a multiple of the L2
    // size), and jumping to the far copy of the loop (BASE + 1024 + 0x40) evicts the code
    // from the 1 KiB L1I, so every block refetches through an L2 that its loads just changed.
    const cfg = {
      'cache.l1iSize': 1024, 'cache.l1iAssoc': 1, 'cache.l1iLine': 16,
      'cache.l1dSize': 1024, 'cache.l1dAssoc': 1, 'cache.l1dLine': 16,
      'cache.l2Size': 4096, 'cache.l2Assoc': 1, 'cache.l2Line': 16,
    };
    const body = (back: number) => `
      lw a1, 0x50(s0)       # the data line that shares the L2 set of the next code line
      sw a1, 0x40(s0)
      add a2, a2, a1
      addi a3, a3, 1
      lw a4, 0x450(s0)      # evicts the first from the L1D
      addi a0, a0, -1
      beq a0, zero, ${back}`;
    const pad = (n: number) => '\naddi zero, zero, 0'.repeat(n);
    // BASE: setup, then at + 0x40 the first copy (falls into a jump to the second), at
    // BASE + 1024 + 0x40 the second copy, which jumps back; both exit when a0 reaches 0.
    const program = `
      lui s0, 0x80010
      addi a0, zero, 40
      jal zero, 0x38` + pad(13) + body(0x408) + `
      jal zero, 0x3e4` + pad(248) + body(8) + `
      jal zero, -0x41c
      ecall`;
    const words = asmLines(program);
    expect(words.length).toBeLessThan(512);
    const ref = agree({ program, data: Array.from({ length: 0x500 / 4 }, (_, i) => i), cfg });
    expect(ref.stats['cache.l2Misses']).toBeGreaterThan(40);
    expect(ref.blocks).toBeGreaterThan(40);
  });

  it('while PMP may deny, every fetch is checked: no block runs past a PMP boundary', () => {
    // U-mode loops over w16..w22 three times (blocks are built and run), then an ebreak
    // makes the handler lower the executable top to w19, inside that block, and return to
    // w16: the fetch of w19 must fault (mcause 1, the exit code).
    const ref = agree({
      platform: 'machine',
      program: `
        lui t0, 0x80000
        addi t0, t0, 128      # mtvec: w32
        csrrw zero, mtvec, t0
        lui t1, 0x80000
        addi t1, t1, 96       # U may execute below w24 (TOR)
        srli t1, t1, 2
        csrrw zero, pmpaddr0, t1
        addi t2, zero, 15
        csrrw zero, pmpcfg0, t2
        lui t3, 0x80000
        addi t3, t3, 64       # U entry: w16
        csrrw zero, mepc, t3
        lui t4, 2
        addi t4, t4, -2048
        csrrc zero, mstatus, t4
        mret
        addi a1, a1, 1        # w16
        addi a1, a1, 1
        addi a1, a1, 1
        addi a1, a1, 1        # w19
        addi a2, a2, 1
        slti t5, a2, 3
        bne t5, zero, -24
        ebreak` + '\naddi zero, zero, 0'.repeat(8) + `
        csrrs t6, mcause, zero  # w32: the handler
        addi t5, zero, 3
        bne t6, t5, 20
        addi t1, t1, -5       # breakpoint: the top down to w19, back to w16
        csrrw zero, pmpaddr0, t1
        csrrw zero, mepc, t3
        mret
        addi a0, t6, 0
        ecall`,
    });
    expect(ref.exitCode).toBe(1);
  });

  // Blocks that retire whole follow one another inside the interpreter's loop (a chain) as
  // long as each stays in the page and fits the steps and cycles left: what stops a chain
  // must stop it at the same instruction as the per-step engine.
  it('a chain of blocks whose earlier block rewrites a later one (self-modifying code)', () => {
    const mul = asm('mul a1, a1, a2');
    const ref = agree({
      program: `
        lui s0, 0x80000
        addi a0, zero, 8
        lui t3, 0x80010
        lw t0, 0(t3)
        addi a2, zero, 3
        addi a1, a1, 1       # loop (w5): a block ending in a branch ...
        andi t1, a0, 3
        bne t1, zero, 12
        sw t0, 44(s0)        # ... when a0 % 4 == 0, a block that rewrites w11 of the next block
        jal zero, 4
        addi t2, a1, 5       # w10: the next block in the chain
        addi a1, a1, 2       # w11: becomes mul a1, a1, a2
        add a3, a1, a1
        addi a0, a0, -1
        bne a0, zero, -36
        ecall`,
      data: [mul],
      cfg: { 'inorder.mulLatency': 6 },
    });
    expect(ref.blocks).toBeGreaterThan(10);
    expect(ref.stats['inorder.mulStalls']).toBeGreaterThan(0);
  });

  it('a trap in the middle of the third block of a chain, and chains cut by the steps left', () => {
    const program = skipLoadOnTrap(`
      addi a0, zero, 12
      addi a1, a1, 1        # loop (w5): block 1 ends in a jump ...
      jal zero, 4
      andi t1, a0, 1        # ... block 2 in a branch taken when a0 is even ...
      beq zero, t1, 4
      add t2, s0, t1        # ... block 3 loads misaligned when a0 is odd: a trap after one instruction
      lw t3, 0(t2)
      add a2, a2, t3
      addi a0, a0, -1
      bne a0, zero, -32
      ecall`);
    const ref = agree({ program, data: [5, 0] });
    expect(ref.stats['inorder.traps']).toBe(6);
    expect(ref.blocks).toBeGreaterThan(20);
    for (const piece of [1, 2, 3, 4, 7, 11]) agree({ program, data: [5, 0], piece });
  });

  it('a straight line across a page boundary: two blocks, the second on the next page', () => {
    // w1020..w1023 end the first page (a block ends there without a branch) and fall into
    // w1024, the first word of the next page, which reads a product still pending.
    const ref = agree({
      program: `
        addi a0, zero, 20
        jal zero, 4076` + '\naddi zero, zero, 0'.repeat(1018) + `
        addi a1, a1, 3        # w1020: loop
        mul a2, a1, a1
        add a3, a3, a2
        addi a4, a4, 1
        add a5, a2, a4        # w1024: the next page
        addi a0, a0, -1
        bne a0, zero, -24
        ecall`,
      cfg: { 'inorder.mulLatency': 6 },
    });
    expect(ref.blocks).toBeGreaterThan(30);
    expect(ref.stats['inorder.mulStalls']).toBeGreaterThan(0);
  });

  it('runs cut in pieces of a few steps agree (a block must fit in the steps left)', () => {
    for (const piece of [1, 2, 3, 5, 8]) {
      agree({
        program: `
          lui s0, 0x80010
          addi a0, zero, 30
          lw a1, 0(s0)
          add a1, a1, a0
          sw a1, 4(s0)
          mul a2, a1, a1
          addi a0, a0, -1
          bne a0, zero, -20
          ecall`,
        data: [3],
        piece,
      });
    }
  });
});
