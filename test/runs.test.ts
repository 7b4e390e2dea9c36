// Runs that go on inside the executor (ExecLimits.continueRun): when a run ends at the chain
// limit with its chained transfer paid, the runtime accounts it and lets the executor go on
// if the next dispatcher step would just enter the chained translation again. Nothing may
// change: every run here is compared field by field with the same run where the runtime
// takes every boundary itself (continueRuns off), on both executors, and the fast executor
// with the reference one. The cases put boundaries where a wrong continuation would show:
// short chain limits (a boundary every 2-3 translations), timer interrupts at many phases,
// instruction limits just past a boundary, tier-2 promotion and policy checks of
// translations entered only through chains, self-modifying code. At the executor level,
// a run continued through the callback equals the same runs entered one by one.
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../core/params.ts';
import { Memory, type Device } from '../isa-guest/memory.ts';
import { parseModule, type HostCode } from '../isa-host-vliw/index.ts';
import { paramRegistry } from '../morph/config.ts';
import { GuestMachine } from '../morph/machine.ts';
import { Profile } from '../morph/profiler/profile.ts';
import { ExitTally } from '../morph/runtime.ts';
import { translationStats } from '../morph/translation-stats.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { CycleAccount } from '../sim-microarch/cycles.ts';
import { ChainLog, ReferenceExecutor, type ExecLimits, type ExecResult, type Executor, type ExitResult } from '../sim-microarch/executor.ts';
import { HostState } from '../sim-microarch/host-state.ts';
import { IndirectPredictor } from '../sim-microarch/indirect.ts';
import { exitParams, ibtcParams, machineDescFromConfig, rasParams, simParamGroups, vliwParams } from '../sim-microarch/params.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { WasmExecutor } from '../sim-microarch/wasm-executor.ts';
import { image, WORKLOADS } from './helpers/workloads.ts';

beforeAll(async () => { await loadFastExecutor(); }, 120_000);

const SMALL_ARGS: Record<string, string[]> = { crc32: ['16'], sort: ['500'] };
const wl = (name: string) => WORKLOADS.find((w) => w.name === name)!;

/** `noPass`: the executor asks at every run end (no ExecLimits.passRun). */
interface Opts { readonly limit?: number; readonly args?: readonly string[]; readonly noPass?: boolean }

/** Run a workload; `cont`: let runs go on inside the executor. Counts execute() calls. */
function run(name: string, overrides: Record<string, unknown>, cont: boolean, opts: Opts = {}) {
  const w = wl(name);
  const out: Buffer[] = [];
  const m = new GuestMachine(image(`workloads/bin/${w.name}.elf`), {
    config: paramRegistry.resolve({ ...(name === 'mtimer' ? { 'platform.mtimeDivider': 100 } : {}), 'run.fastCompileAfter': 2, ...overrides }),
    args: opts.args ?? SMALL_ARGS[name] ?? w.args,
    stdout: (b) => out.push(Buffer.from(b)),
    stderr: (b) => out.push(Buffer.from(b)),
    warn: () => {},
    runtime: { continueRuns: cont },
  });
  let calls = 0;
  let continued = 0;
  let passed = 0;
  const ex = m.executor;
  const execute = ex.execute.bind(ex);
  ex.execute = (code, limits) => {
    calls++;
    const c = limits.continueRun;
    const p = limits.passRun;
    return execute(code, c ? {
      ...limits,
      continueRun: (res, now) => { const go = c(res, now); if (go) continued++; return go; },
      passRun: p && !opts.noPass ? (...a) => { passed++; p(...a); } : undefined,
    } : limits);
  };
  const result = m.run(opts.limit ?? 300_000);
  return {
    result, output: Buffer.concat(out).toString('latin1'), regs: Array.from(m.host.regs), pc: m.hart.pc,
    translations: translationStats(m.runtime!, m.image), calls, continued, passed, executor: m.executor.name,
  };
}

type Run = ReturnType<typeof run>;

function expectSame(a: Run, b: Run, what: string): void {
  expect(a.output, what).toBe(b.output);
  expect(a.result.stop, what).toBe(b.result.stop);
  expect(a.result.exitCode, what).toBe(b.result.exitCode);
  expect(a.result.instret, what).toBe(b.result.instret);
  expect(a.result.cycles, what).toBe(b.result.cycles);
  expect(a.result.breakdown, what).toEqual(b.result.breakdown);
  expect(a.result.stats, what).toEqual(b.result.stats);
  expect(a.translations, what).toEqual(b.translations);
  expect(a.regs, what).toEqual(b.regs);
  expect(a.pc, what).toBe(b.pc);
}

/** On both executors: continued = stepped, and fast = reference. Returns the fast runs. */
function compare(name: string, overrides: Record<string, unknown>, opts: Opts = {}): { on: Run; off: Run } {
  const ref = run(name, { ...overrides, 'run.executor': 'reference' }, false, opts);
  let fast: { on: Run; off: Run } | undefined;
  for (const executor of ['reference', 'fast']) {
    const o = { ...overrides, 'run.executor': executor };
    const off = executor === 'reference' ? ref : run(name, o, false, opts);
    const on = run(name, o, true, opts);
    const what = `${name} ${JSON.stringify(o)} ${JSON.stringify(opts)}`;
    expect(off.continued).toBe(0);
    expectSame(on, ref, `${what}: continued`);
    expectSame(off, ref, `${what}: stepped`);
    // Going on saves exactly the executor calls it says it did: run ends asked about or passed.
    expect(on.calls + on.continued + on.passed, what).toBe(off.calls);
    if (executor === 'fast' && on.passed > 0) {
      // The same, asked at every run end.
      const asked = run(name, o, true, { ...opts, noPass: true });
      expectSame(asked, ref, `${what}: continued, no run end passed`);
      expect(asked.passed).toBe(0);
      expect(asked.calls + asked.continued, what).toBe(off.calls);
    }
    if (executor === 'fast') fast = { on, off };
  }
  return fast!;
}

describe('runs continued inside the executor = every boundary taken by the runtime', () => {
  for (const w of WORKLOADS) {
    for (const mode of ['translate', 'optimize'] as const) {
      it(`${w.name} ${mode}, chain limits 3 and 64`, () => {
        for (const maxChain of [3, 64]) {
          // (smc recompiles what it rewrites: a shorter run.)
          const { on } = compare(w.name, { 'run.mode': mode, 'tier.maxChain': maxChain, ...(mode === 'optimize' ? { 'tier.hotThreshold': 100 } : {}) },
            { limit: w.name === 'smc' ? 60_000 : 300_000 });
          if (on.result.stats['morph.translationsExecuted']! > 5000 && maxChain === 3) {
            expect(on.continued).toBeGreaterThan(0);
            // Translate mode: the fast executor passes most run ends without asking.
            if (mode === 'translate' && w.name !== 'smc') expect(on.passed).toBeGreaterThan(on.continued);
          }
        }
      }, 120_000);
    }
  }

  it('timer interrupts at many phases against run boundaries (mtimer)', () => {
    let interrupts = 0;
    let continued = 0;
    for (const divider of [7, 13, 100, 331]) {
      for (const maxChain of [2, 5, 64]) {
        for (const mode of ['translate', 'optimize']) {
          const { on } = compare('mtimer', { 'run.mode': mode, 'platform.mtimeDivider': divider, 'tier.maxChain': maxChain }, { limit: 200_000 });
          interrupts += on.result.stats['morph.interrupts']!;
          continued += on.continued + on.passed;
        }
      }
    }
    expect(interrupts).toBeGreaterThan(100);
    expect(continued).toBeGreaterThan(1000);
  }, 300_000);

  it('instruction limits just past run boundaries', () => {
    // A boundary every 3 translations: some of these limits fall one instruction or a few
    // past one, where going on would overshoot if the room check were wrong.
    for (let limit = 30_000; limit < 30_200; limit += 7) {
      for (const mode of ['translate', 'optimize']) {
        const { on } = compare('crc32', { 'run.mode': mode, 'tier.maxChain': 3 }, { limit });
        expect(on.result.stop).toBe('limit');
        expect(on.result.instret).toBeLessThanOrEqual(limit);
      }
    }
  }, 300_000);

  it('instruction limits with traces longer than a full run of tier-1 regions', () => {
    // tier.maxChain × tier.maxRegionInsns = 8 instructions of room, traces up to 128: the
    // next translation itself may not fit.
    for (let limit = 40_000; limit < 40_400; limit += 11) {
      const { on } = compare('crc32', { 'run.mode': 'optimize', 'tier.maxChain': 2, 'tier.maxRegionInsns': 4, 'tier.hotThreshold': 20 }, { limit });
      expect(on.result.stats['morph.tier2Made']).toBeGreaterThan(0);
      // (Not checked: instret <= limit. step() sizes a run's room by tier.maxRegionInsns, so
      // a chained trace can still retire past the limit, continued or not.)
    }
  }, 300_000);

  it('tier-2 promotion and policy checks of translations entered only through chains', () => {
    for (const name of ['sort', 'crc32', 'bytecode', 'alias']) {
      for (const hot of [20, 57, 300]) {
        const { on, off } = compare(name, { 'run.mode': 'optimize', 'tier.maxChain': 4, 'tier.hotThreshold': hot });
        expect(on.result.stats['morph.tier2Made']).toBeGreaterThan(0);
        // Promotions and policy checks end runs where they fall, continued or not.
        expect(on.result.stats['morph.translationsExecuted']).toBe(off.result.stats['morph.translationsExecuted']);
      }
    }
  }, 300_000);

  it('self-modifying code: invalidated chain targets end the run', () => {
    for (const maxChain of [2, 64]) {
      for (const mode of ['translate', 'optimize']) {
        const { on } = compare('smc', { 'run.mode': mode, 'tier.maxChain': maxChain, 'tier.threshold': 1 }, { limit: 60_000 });
        expect(on.result.stats['morph.invalidations']).toBeGreaterThan(0);
      }
    }
  }, 300_000);

  it('whole runs with the default parameters', () => {
    for (const [name, args] of [['sort', ['3000']], ['crc32', ['64']], ['mtraps', undefined]] as const) {
      for (const mode of ['translate', 'optimize']) {
        const { on } = compare(name, { 'run.mode': mode }, { limit: 50_000_000, args });
        expect(on.result.stop).toBe('exit');
      }
    }
  }, 300_000);
});

// ---- the executors' side, on a hand-written host loop ----

const simRegistry = new ParamRegistry(simParamGroups);

// Two translations chained into a loop (A's side exit to B, B's back to A) that ends with an
// indirect exit to the dispatcher; every iteration misses in the D-cache and stores.
const LOOP = `
code A host=0x40000000 tag=1
ld.w r10, 0(r1) ; addi r5, r5, 1
addi r1, r1, 64 ; cmp.lt r32, r5, r6
st.w r10, 0(r2) ; addi r2, r2, 4
exit.if r32, 0x80000100, 5 -> B
exit.ind r1, 5
code B host=0x40000400 tag=2
add r11, r11, r10
exit 0x80000000, 1 -> A
`;

/** Counts its writes (a device the loop below stores to). */
class CountingDevice implements Device {
  readonly name = 'count';
  readonly base = 0x10000000;
  readonly size = 0x100;
  writes = 0;
  read(): number { return 0; }
  write(): void { this.writes++; }
}

function hostMachine(which: 'reference' | 'fast', text = LOOP) {
  const cfg = simRegistry.resolve({});
  const mem = new Memory();
  mem.mapRam(0x80000000, 0x4000);
  const state = new HostState(machineDescFromConfig(cfg), mem);
  state.regs[1] = 0x80000000 | 0;
  state.regs[2] = 0x80003000 | 0;
  state.regs[6] = 60;
  state.regs[7] = 0x10000000;
  state.regs[8] = 260;
  const account = new CycleAccount();
  const hier = new MemoryHierarchy(cfg);
  const predictor = new IndirectPredictor(ibtcParams.read(cfg), rasParams.read(cfg));
  const args = [state, hier, account, exitParams.read(cfg), vliwParams.read(cfg).moleculeBytes, predictor] as const;
  const exec: Executor = which === 'fast' ? new WasmExecutor(...args, 1) : new ReferenceExecutor(...args);
  const device = new CountingDevice();
  mem.addDevice(device);
  const mod = parseModule(text, 'loop');
  return { exec, account, state, mem, mod, device, stats: () => ({ ...exec.stats(), ...hier.stats() }) };
}

type Seen = { run: Record<string, unknown>; now: number };

/** Run LOOP (or `text`) to its end as runs of `maxChain`; `goOn` says at which run ends the
 * callback lets the executor go on (undefined: no callback, every run entered by a new
 * execute()), and then `allow` runs (more than 1: ends it may pass, seen through passRun). */
function runLoop(which: 'reference' | 'fast', maxChain: number, interruptAt: number, goOn?: (i: number) => boolean, allow = 1, text = LOOP) {
  const m = hostMachine(which, text);
  let passed = 0;
  /** Run ends passed after a device access the callback was not asked about since. */
  let passedAfterDevice = 0;
  let writesAtAsk = 0;
  const name = (c: HostCode | null) => (c ? m.mod.find((n) => n.code === c)!.name : null);
  const describe = (r: ExecResult) => ({ ...r, code: name(r.code), ...(r.kind === 'exit' ? { exitAtom: r.exitAtom.op, chainTo: name(r.chainTo) } : {}) });
  const seen: Seen[] = [];
  let ends = 0;
  const limits: ExecLimits = {
    interruptAtCycle: interruptAt, maxChain,
    continueRun: goOn && ((res: ExitResult, now: number) => {
      const go = goOn(ends++);
      writesAtAsk = m.device.writes;
      // A run the executor goes on past is seen here; the others when execute() returns.
      if (go) seen.push({ run: describe(res), now });
      return go ? allow : 0;
    }),
    passRun: allow > 1 ? (code, exitAtom, target, now) => {
      passed++;
      if (m.device.writes > writesAtAsk) passedAfterDevice++;
      seen.push({ run: { kind: 'exit', code: name(code), exitAtom: exitAtom.op, target }, now });
    } : undefined,
  };
  let entry: HostCode | null = m.mod[0]!.code;
  let calls = 0;
  while (entry) {
    calls++;
    const r = m.exec.execute(entry, limits);
    seen.push({ run: describe(r), now: m.account.total() });
    entry = r.kind === 'exit' ? r.chainTo : null;
  }
  return {
    seen, calls, passed, passedAfterDevice, writes: m.device.writes, regs: Array.from(m.state.regs), cycles: m.account.record(), stats: m.stats(),
    execCount: m.mod.map((c) => [c.name, c.code.execCount, c.code.cycles]), ram: Array.from(m.mem.readBytes(0x80003000, 256)),
  };
}

describe('ExecLimits.continueRun: a continued run = the same runs entered one by one', () => {
  for (const maxChain of [1, 2, 7]) {
    for (const interruptAt of [Infinity, 900, 2345]) {
      it(`maxChain ${maxChain}, interrupt at ${interruptAt}`, () => {
        const stepped = runLoop('reference', maxChain, interruptAt);
        expect(stepped.calls).toBeGreaterThan(1);
        for (const which of ['reference', 'fast'] as const) {
          expect(runLoop(which, maxChain, interruptAt), which).toEqual(stepped);
          const always = runLoop(which, maxChain, interruptAt, () => true);
          const some = runLoop(which, maxChain, interruptAt, (i) => i % 3 !== 2);
          for (const r of [always, some]) {
            // Each run's result and the cycle count at its end are those of the stepped runs.
            expect(r.seen, which).toEqual(stepped.seen);
            expect({ ...r, seen: [], calls: 0 }, which).toEqual({ ...stepped, seen: [], calls: 0 });
          }
          expect(always.calls).toBe(1);
          // Every third run end is answered no: execute() returns there.
          expect(some.calls).toBe(1 + Math.floor((stepped.calls - 1) / 3));
        }
      });
    }
  }
});

describe('ExecLimits.passRun: run ends passed without asking = asked', () => {
  /** What passRun tells of a run end, and the clock there. */
  const short = (x: Seen) => ({ code: x.run.code, exitAtom: x.run.exitAtom, target: x.run.target, now: x.now });
  for (const maxChain of [1, 2, 7]) {
    for (const interruptAt of [Infinity, 900, 2345]) {
      it(`maxChain ${maxChain}, interrupt at ${interruptAt}`, () => {
        const stepped = runLoop('reference', maxChain, interruptAt);
        const passing = runLoop('fast', maxChain, interruptAt, () => true, 1000);
        expect(passing.seen.map(short)).toEqual(stepped.seen.map(short));
        expect({ ...passing, seen: [], calls: 0, passed: 0 }).toEqual({ ...stepped, seen: [], calls: 0, passed: 0 });
        expect(passing.calls).toBe(1);
        if (maxChain < 7) expect(passing.passed).toBeGreaterThan(interruptAt === Infinity ? 5 : 2);
        // The reference executor asks at every run end (it may).
        expect(runLoop('reference', maxChain, interruptAt, () => true, 1000).passed).toBe(0);
      });
    }
  }

  it('asks at the first run end after a device access', () => {
    // A counts r5 up to r6; C stores to the device, gives A 40 more and goes back, until r6
    // reaches r8; then an indirect exit ends the loop.
    const text = `
code A host=0x40000000 tag=1
addi r5, r5, 1 ; cmp.lt r32, r5, r6
exit.if r32, 0x80000000, 1 -> A
exit 0x80000100, 1 -> C
code C host=0x40000400 tag=2
stio.w r5, 0(r7) ; addi r6, r6, 40
cmp.lt r33, r6, r8
exit.if r33, 0x80000000, 1 -> A
exit.ind r1, 1
`;
    for (const maxChain of [2, 5]) {
      const stepped = runLoop('reference', maxChain, Infinity, undefined, 1, text);
      const passing = runLoop('fast', maxChain, Infinity, () => true, 1000, text);
      expect(stepped.writes).toBeGreaterThan(3);
      expect(passing.seen.map(short)).toEqual(stepped.seen.map(short));
      expect({ ...passing, seen: [], calls: 0, passed: 0 }).toEqual({ ...stepped, seen: [], calls: 0, passed: 0 });
      expect(passing.passed).toBeGreaterThan(5);
      expect(passing.passedAfterDevice).toBe(0);
    }
  });
});

// ---- optimize mode: the chain log counted in bulk when nothing in it is due for tier 2 ----

describe('ExitTally (noteTransfers in bulk) = the transfers counted one by one', () => {
  it('counts, and the order pairs are first noted in, through growth and tags past its tables', () => {
    // A deterministic mix: long repeats (self-loops), alternation (two-block loops), many
    // distinct pairs (indirect exits) and summed entries (counted in place), with tags up to 5000.
    let seed = 12345;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const tags = new Set<number>();
    const tally = new ExitTally();
    for (let round = 0; round < 6; round++) {
      const log = new ChainLog();
      const n = 20000;
      const push = (tag: number, target: number, k = 1) => { tags.add(tag); log.push(tag, target, k); };
      for (let i = 0; i < n; i++) {
        const k = rnd(10);
        if (k < 4 && log.length > 0) push(log.tag[log.length - 1]!, log.target[log.length - 1]!);
        else if (k < 6) push(1 + rnd(3), 0x80000000 + 4 * rnd(3));
        else if (k < 7) push(1 + rnd(3), 0x80000000 + 4 * rnd(3), 1 + rnd(1000));
        else push(rnd(round * 1000 + 1), (0x80000000 + 4 * rnd(400 * (round + 1))) >>> 0);
      }
      const one = new Profile();
      for (let i = 0; i < log.length; i++) {
        for (let k = 0; k < log.count[i]!; k++) one.countExit(log.tag[i]!, log.target[i]!);
      }
      tally.tally(log);
      const bulk = new Profile();
      tally.flush(bulk);
      expect(tally.seen).toEqual([]);
      const dump = (p: Profile) => [...tags].sort((a, b) => a - b).map((tag) => [tag, [...p.exitsOf(tag)]]);
      expect(dump(bulk)).toEqual(dump(one));
      // The profile saw the translations in the order it sees them one by one.
      expect([...(bulk as unknown as { exits: Map<number, unknown> }).exits.keys()])
        .toEqual([...(one as unknown as { exits: Map<number, unknown> }).exits.keys()]);
    }
  });
});
