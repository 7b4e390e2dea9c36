// The baseline in-order core: hand-computed cycle counts for each hazard and stall of the
// 5-stage model, architectural results identical to the reference interpreter, the clock
// kept equal to the cycle account (timer interrupts see the core's time), determinism.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BARE_BASE, BareEnv } from './helpers/bare-env.ts';
import { parseElf } from '../isa-guest/elf.ts';
import { asmLines } from '../isa-guest/encode.ts';
import { Hart } from '../isa-guest/hart.ts';
import { Interpreter } from '../isa-guest/interp.ts';
import { loadProgram } from '../isa-guest/program.ts';
import { paramRegistry } from '../morph/config.ts';
import { CycleAccount } from '../sim-microarch/cycles.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { InorderCore } from '../sim-microarch/inorder.ts';

const BASE = BARE_BASE;
const DATA = 0x80010000;

// Distinct values, so a latency charged to the wrong cause shows up in the totals.
const L2 = 10;
const MEM = 100;
const COLD = L2 + MEM; // an instruction or data line missing in L1 and L2
const SYS = 5;
const cfgOf = (extra: Record<string, number> = {}) => paramRegistry.resolve({
  'cache.l1iLine': 64, 'cache.l1dLine': 64, 'cache.l2Line': 64,
  'cache.l2Latency': L2, 'cache.memLatency': MEM,
  'inorder.branchPenalty': 2, 'inorder.loadUse': 1, 'inorder.mulLatency': 4, 'inorder.divLatency': 10,
  'inorder.systemCost': SYS,
  ...extra,
});

function load(env: BareEnv, program: string, data: readonly number[] = []) {
  asmLines(program).forEach((w, i) => env.memory.store32(BASE + 4 * i, w));
  data.forEach((w, i) => env.memory.store32(DATA + 4 * i, w));
  const hart = new Hart();
  hart.pc = BASE;
  return hart;
}

function runCore(program: string, opts: { data?: readonly number[]; cfg?: Record<string, number>; timerAt?: number; words?: [number, number][] } = {}) {
  const env = new BareEnv('machine', opts.timerAt);
  const hart = load(env, program, opts.data);
  for (const [addr, w] of opts.words ?? []) env.memory.store32(addr, w);
  const account = new CycleAccount();
  const core = new InorderCore(hart, env, cfgOf(opts.cfg), account);
  const r = core.run(100000);
  const acc = account.record();
  // Conservation: every cycle in one category, and simulated time is the core's time.
  expect(account.total()).toBe(env.clock.cycles);
  expect(core.cycles).toBe(env.clock.cycles);
  return { env, hart, core, r, acc, cycles: env.clock.cycles, stats: core.stats() };
}

describe('InorderCore timing (hand-computed)', () => {
  it('straight-line ALU code: one cycle each plus one cold I-cache miss per 64-byte line', () => {
    const prog = Array.from({ length: 20 }, () => 'addi a0, a0, 1').join('\n') + '\necall';
    const { r, env, cycles, acc, stats } = runCore(prog);
    expect(r).toBe('exit');
    expect(env.exitCode).toBe(20);
    // 21 instructions = 84 bytes = 2 lines; ecall drains.
    expect(cycles).toBe(21 + 2 * COLD + SYS);
    expect(acc.execute).toBe(21);
    expect(acc.stallIcache).toBe(2 * COLD);
    expect(acc.system).toBe(SYS);
    expect(acc.stallPipeline).toBe(0);
    expect(stats['inorder.instret']).toBe(21);
    expect(stats['cache.l1iMisses']).toBe(2);
    expect(stats['cache.l1iHits']).toBe(19);
    expect(stats['inorder.cpi']).toBeCloseTo(cycles / 21, 12);
  });

  it('load-use: a dependent instruction right after a load stalls loadUse cycles; one in between hides it', () => {
    const dep = runCore(`
      lui t0, 0x80010
      lw a0, 0(t0)
      addi a0, a0, 1
      ecall`, { data: [41] });
    expect(dep.env.exitCode).toBe(42);
    expect(dep.cycles).toBe(4 + COLD + COLD + 1 + SYS); // I-line, D-line, one bubble, drain
    expect(dep.acc.stallDcache).toBe(COLD);
    expect(dep.acc.stallPipeline).toBe(1);
    expect(dep.stats['inorder.loadUseStalls']).toBe(1);

    const hidden = runCore(`
      lui t0, 0x80010
      lw a0, 0(t0)
      addi a1, a1, 1
      addi a0, a0, 1
      ecall`, { data: [41] });
    expect(hidden.env.exitCode).toBe(42);
    expect(hidden.cycles).toBe(5 + COLD + COLD + SYS);
    expect(hidden.stats['inorder.loadUseStalls']).toBe(0);
  });

  it('second access to a D-cache line hits; stores cost as loads', () => {
    const { cycles, acc, stats, env } = runCore(`
      lui t0, 0x80010
      sw t0, 4(t0)
      lw a0, 4(t0)
      lw a1, 60(t0)
      lw a2, 64(t0)
      ecall`);
    expect(env.memory.load32(DATA + 4)).toBe(DATA | 0);
    expect(acc.stallDcache).toBe(COLD + COLD); // line 0 on the store (write-allocate), line 1 on the last load
    expect(cycles).toBe(6 + COLD + 2 * COLD + SYS);
    expect(stats['cache.l1dHits']).toBe(2);
    expect(stats['inorder.stores']).toBe(1);
    expect(stats['inorder.loads']).toBe(3);
  });

  it('a taken branch pays branchPenalty; a not-taken one nothing', () => {
    const { env, hart, cycles, acc, stats } = runCore(`
      addi a0, zero, 1
      beq a0, zero, 8
      addi a1, zero, 2
      bne a0, zero, 8
      addi a1, zero, 3
      ecall`);
    expect(env.exitCode).toBe(1);
    expect(hart.x[11]).toBe(2); // the taken bne skipped the second write
    expect(cycles).toBe(5 + COLD + 2 + SYS);
    expect(acc.stallPipeline).toBe(2);
    expect(stats['inorder.branches']).toBe(2);
    expect(stats['inorder.taken']).toBe(1);
    expect(stats['inorder.branchStalls']).toBe(2);
    expect(stats['inorder.takenRate']).toBe(0.5);
  });

  it('jal and jalr always pay the penalty', () => {
    const { env, cycles, stats } = runCore(`
      jal ra, 8
      ecall
      addi a0, zero, 7
      jalr zero, 0(ra)`);
    expect(env.exitCode).toBe(7);
    expect(cycles).toBe(4 + COLD + 2 * 2 + SYS);
    expect(stats['inorder.jumps']).toBe(2);
  });

  it('multiply: dependents stall mulLatency - distance cycles; independent work hides it', () => {
    const { env, hart, cycles, stats } = runCore(`
      addi a0, zero, 6
      addi a1, zero, 7
      mul a2, a0, a1
      add a3, a2, a2
      mul a4, a0, a1
      addi t1, zero, 1
      add a5, a4, zero
      mul a6, a0, a0
      addi t2, zero, 0
      addi t2, zero, 0
      addi t2, zero, 0
      add a7, a6, zero
      addi a0, a3, 0
      ecall`);
    expect(env.exitCode).toBe(84);
    expect([hart.x[15], hart.x[17]]).toEqual([42, 36]);
    // distance 1: 4-1 = 3; distance 2: 4-2 = 2; distance 4: none.
    expect(stats['inorder.mulStalls']).toBe(5);
    expect(cycles).toBe(14 + COLD + 5 + SYS);
  });

  it('divide: the unpipelined divider holds the pipeline divLatency - 1 cycles, dependent or not', () => {
    const { env, cycles, stats, acc } = runCore(`
      addi a0, zero, 100
      addi a1, zero, 7
      div a2, a0, a1
      addi t0, zero, 1
      rem a3, a0, a1
      add a0, a2, a3
      ecall`);
    expect(env.exitCode).toBe(16);
    expect(stats['inorder.divStalls']).toBe(18);
    expect(acc.stallPipeline).toBe(18);
    expect(cycles).toBe(7 + COLD + 18 + SYS);
  });

  it('a loop: the first iteration misses the I-cache, later ones hit', () => {
    // 16-byte lines: the loop body spans lines 0 and 1.
    const { env, hart, cycles, stats } = runCore(`
      addi a0, zero, 3
      addi a2, zero, 0
      addi zero, zero, 0
      addi a1, a1, 5
      addi a0, a0, -1
      bne a0, zero, -8
      ecall`, { cfg: { 'cache.l1iLine': 16, 'cache.l2Line': 16 } });
    expect(env.exitCode).toBe(0);
    expect(hart.x[11]).toBe(15);
    expect(stats['inorder.instret']).toBe(13);
    expect(stats['cache.l1iMisses']).toBe(2);
    expect(stats['cache.l1iHits']).toBe(11);
    expect(stats['inorder.taken']).toBe(2);
    expect(cycles).toBe(13 + 2 * COLD + 2 * 2 + SYS);
  });

  it('a trap costs the faulting slot plus a drain; CSR instructions drain', () => {
    const { env, cycles, acc, stats } = runCore(`
      lui t0, 0x80000
      addi t0, t0, 32
      csrrw zero, mtvec, t0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      csrrs a0, mcause, zero
      ecall`, { words: [[BASE + 12, 0]] }); // an illegal word at +12 traps to +32
    expect(env.exitCode).toBe(2);
    expect(stats['inorder.traps']).toBe(1);
    expect(stats['inorder.instret']).toBe(5);
    expect(acc.execute).toBe(5);
    expect(acc.system).toBe(3 * SYS + 1 + SYS);
    expect(cycles).toBe(5 + COLD + 4 * SYS + 1);
  });
});

describe('InorderCore options', () => {
  it('passes the commit log to the interpreter and can share a machine\'s cache hierarchy', () => {
    const env = new BareEnv();
    const hart = load(env, 'addi a0, zero, 3\nlw a1, 0(zero)\necall');
    const cfg = cfgOf();
    const caches = new MemoryHierarchy(cfg);
    const log: string[] = [];
    const core = new InorderCore(hart, env, cfg, new CycleAccount(), { caches, commitLog: (l) => log.push(l) });
    hart.pc = BASE;
    // addi retires; lw from address 0 faults (nothing mapped there) and goes to mtvec = 0,
    // which cannot be fetched either: the run stops there instead of trapping forever.
    expect(() => core.run(10)).toThrow(/the guest is stuck/);
    expect(log).toEqual(['core   0: 3 0x80000000 (0x00300513) x10 0x00000003']);
    expect(core.caches).toBe(caches);
    expect(caches.stats()['cache.l1iMisses']).toBe(1);
    expect(core.stats()['inorder.traps']).toBe(1);
  });
});

describe('InorderCore against the reference interpreter', () => {
  // Sums a[i] * (i+1) and a[i] / (i+1) over 8 words, stores a running total, with loads,
  // stores, mul, div, branches and a call.
  const PROGRAM = `
      lui s0, 0x80010
      addi s1, zero, 8
      addi s2, zero, 0
      addi s3, zero, 0
      addi s4, zero, 0
      lw t0, 0(s0)
      addi s4, s4, 1
      mul t1, t0, s4
      add s2, s2, t1
      div t2, t0, s4
      add s3, s3, t2
      sw s2, 64(s0)
      jal ra, 20
      addi s0, s0, 4
      addi s1, s1, -1
      bne s1, zero, -40
      jal zero, 12
      xor s5, s5, s2
      jalr zero, 0(ra)
      add a0, s2, s3
      ecall`;
  const DATA_WORDS = [5, -17, 1000, 3, 77, -4096, 12345, 9];

  function reference() {
    const env = new BareEnv();
    const hart = load(env, PROGRAM, DATA_WORDS);
    new Interpreter(hart, env, { cyclesPerInsn: 1 }).run(100000);
    return { env, hart };
  }

  it('retires the same instructions to the same registers and memory', () => {
    const ref = reference();
    const got = runCore(PROGRAM, { data: DATA_WORDS });
    expect(got.r).toBe('exit');
    expect(got.env.exitCode).toBe(ref.env.exitCode);
    expect(Array.from(got.hart.x)).toEqual(Array.from(ref.hart.x));
    expect(got.hart.pc).toBe(ref.hart.pc);
    expect(got.hart.instret).toBe(ref.hart.instret);
    expect(got.core.instret).toBe(ref.hart.instret);
    for (let a = DATA; a < DATA + 128; a += 4) expect(got.env.memory.load32(a)).toBe(ref.env.memory.load32(a));
    // Sanity of the oracle: sum of a[i]*(i+1) and of trunc(a[i]/(i+1)).
    const sum = DATA_WORDS.reduce((s, v, i) => s + v * (i + 1), 0);
    const quo = DATA_WORDS.reduce((s, v, i) => s + Math.trunc(v / (i + 1)), 0);
    expect(ref.env.exitCode).toBe(sum + quo);
  });

  it('is deterministic: two runs give identical cycles, categories and statistics', () => {
    const a = runCore(PROGRAM, { data: DATA_WORDS });
    const b = runCore(PROGRAM, { data: DATA_WORDS });
    expect(b.acc).toEqual(a.acc);
    expect(b.stats).toEqual(a.stats);
    expect(a.stats['inorder.instret']).toBe(5 + 8 * 13 + 3); // setup, 13 per iteration, jal + add + ecall
  });

  it('stepwise run with a limit matches one long run', () => {
    const env = new BareEnv();
    const hart = load(env, PROGRAM, DATA_WORDS);
    const account = new CycleAccount();
    const core = new InorderCore(hart, env, cfgOf(), account);
    let r;
    while ((r = core.run(7)) === 'limit') expect(account.total()).toBe(env.clock.cycles);
    expect(r).toBe('exit');
    const whole = runCore(PROGRAM, { data: DATA_WORDS });
    expect(account.record()).toEqual(whole.acc);
  });
});

describe('InorderCore simulated time', () => {
  it('a timer interrupt arrives when the core clock reaches mtimecmp; the entry drains the pipeline', () => {
    const T = 1000;
    const { env, hart, acc, stats } = runCore(`
      lui t0, 0x80000
      addi t0, t0, 64
      csrrw zero, mtvec, t0
      addi t1, zero, 128
      csrrs zero, mie, t1
      csrrsi zero, mstatus, 8
      jal zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      addi zero, zero, 0
      csrrs a1, mcycle, zero
      csrrs a0, mcause, zero
      ecall`, { timerAt: T });
    expect(env.exitCode).toBe(0x80000007 | 0);
    expect(hart.mepc >>> 0).toBe(BASE + 24); // interrupted the spin loop
    expect(stats['inorder.traps']).toBe(1);
    // mcycle as the handler's first instruction reads it: the boundary where the interrupt
    // was taken (>= T, and less than one 3-cycle loop iteration after it) plus the drain.
    const boundary = hart.x[11]! - SYS;
    expect(boundary).toBeGreaterThanOrEqual(T);
    expect(boundary).toBeLessThan(T + 3);
    expect(acc.system).toBe(7 * SYS); // 3 CSR writes, the interrupt entry, 2 CSR reads, ecall
    expect(acc.stallIcache).toBe(2 * COLD); // the setup/spin line and the handler line
  });
});

describe('InorderCore on committed workloads', () => {
  // Small ones: UART output and HTIF exit, every trap kind, self-modifying code with fence.i.
  function boot(name: string) {
    const image = parseElf(readFileSync(new URL(`../workloads/bin/${name}.elf`, import.meta.url)), `${name}.elf`);
    const clock = { cycles: 0 };
    const out: number[] = [];
    const sink = (b: Uint8Array) => { for (const x of b) out.push(x); };
    const p = loadProgram(image, { args: [], config: paramRegistry.defaults(), clock, stdout: sink, stderr: sink });
    const hart = new Hart();
    hart.pc = p.entry;
    hart.x[2] = p.initialRegs.sp;
    hart.x[10] = p.initialRegs.a0;
    hart.x[11] = p.initialRegs.a1;
    return { env: p.env, hart, clock, out };
  }

  for (const name of ['mhello', 'mtraps', 'smc']) {
    it(`${name}: golden output and exit code, and the interpreter's final state`, () => {
      const ref = boot(name);
      expect(new Interpreter(ref.hart, ref.env, { cyclesPerInsn: 1 }).run(5_000_000)).toBe('exit');
      const got = boot(name);
      const account = new CycleAccount();
      const core = new InorderCore(got.hart, got.env, paramRegistry.defaults(), account);
      expect(core.run(5_000_000)).toBe('exit');

      const golden = (ext: string) => readFileSync(new URL(`../workloads/expected/${name}.${ext}`, import.meta.url));
      expect(Buffer.from(got.out).toString('latin1')).toBe(golden('out').toString('latin1'));
      expect(got.env.exitCode).toBe(Number(golden('code').toString().trim()));
      expect(Array.from(got.hart.x)).toEqual(Array.from(ref.hart.x));
      expect(got.hart.instret).toBe(ref.hart.instret);
      expect(account.total()).toBe(got.clock.cycles);
      expect(core.stats()['inorder.cpi']).toBeGreaterThan(1);
    });
  }
});
