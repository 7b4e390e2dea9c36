// The fast (wasm) executor against the reference executor, its specification: every
// workload, both translating modes, thresholds 1 and the default, compared field by field
// (guest output, exit code, instret, cycles and their breakdown, every statistic, and the
// per-translation statistics); the hand-written host programs (faults, alias, overflow,
// interrupts, chains, devices) run on both, and a one-block loop (which loops inside its
// compiled function) under every chain limit and interrupt deadline; and a tiny translation
// cache, whose flushes must free compiled code. Workloads run to a bounded instruction count
// to keep this file fast.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../core/params.ts';
import { Memory, type AccessSize, type Device } from '../isa-guest/memory.ts';
import { atom, parseModule, type Atom, type HostCode } from '../isa-host-vliw/index.ts';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { GuestMachine } from '../morph/machine.ts';
import { translationStats } from '../morph/translation-stats.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { CycleAccount } from '../sim-microarch/cycles.ts';
import { ChainLog, ReferenceExecutor, type ExecLimits, type ExecResult, type Executor } from '../sim-microarch/executor.ts';
import { HostState } from '../sim-microarch/host-state.ts';
import { IndirectPredictor } from '../sim-microarch/indirect.ts';
import { exitParams, ibtcParams, machineDescFromConfig, rasParams, simParamGroups, vliwParams } from '../sim-microarch/params.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { groupsOf, WasmExecutor } from '../sim-microarch/wasm-executor.ts';
import { repoPath, runCli } from './helpers/run-cli.ts';
import { image, WORKLOADS, type WorkloadEntry } from './helpers/workloads.ts';

beforeAll(async () => { await loadFastExecutor(); }, 120_000);

/** Instructions each workload runs here (whole program when shorter). */
const LIMIT = 400_000;
/** Smaller arguments where a workload takes them (same code paths, less work). */
const SMALL_ARGS: Record<string, string[]> = { crc32: ['16'], sort: ['500'] };
/** As test/helpers/workloads.ts: mtimer's 50 ticks in a tenth of the simulated time. */
const EXTRA: Record<string, Record<string, unknown>> = { mtimer: { 'platform.mtimeDivider': 100 } };

/** `hook`: a runtime chain hook, so the executor stops at every chained transfer and tier 2
 * notes each as it happens (as under lockstep verification) instead of counting the
 * executor's chain log after the run. Either way, `transfers` counts the chained transfers
 * (translation id × 2^32 + target pc, and how many; sorted). */
function run(w: WorkloadEntry, overrides: Record<string, unknown>, limit = LIMIT, hook = false, args = SMALL_ARGS[w.name] ?? w.args) {
  const out: Buffer[] = [];
  const m = new GuestMachine(image(`workloads/bin/${w.name}.elf`), {
    config: paramRegistry.resolve({ ...EXTRA[w.name], ...overrides }),
    args,
    stdout: (b) => out.push(Buffer.from(b)),
    stderr: (b) => out.push(Buffer.from(b)),
    warn: () => {},
  });
  const counted = new Map<number, number>();
  const note = (id: number, target: number, n = 1) => counted.set(id * 2 ** 32 + target, (counted.get(id * 2 ** 32 + target) ?? 0) + n);
  if (hook) m.runtime!.onChain = (info, _instret, pc) => note(info.translation?.id ?? -1, pc);
  else {
    const ex = m.executor;
    const execute = ex.execute.bind(ex);
    ex.execute = (code, limits) => {
      const log = limits.chainLog;
      let from = log?.length ?? 0;
      const take = () => {
        for (let i = from; i < (log?.length ?? 0); i++) note(log!.tag[i]!, log!.target[i]!, log!.count[i]!);
        from = log?.length ?? 0;
      };
      // A run the executor goes on past is accounted (its log counted and cleared) inside.
      const cont = limits.continueRun;
      const r = execute(code, cont ? { ...limits, continueRun: (res, now) => { take(); const go = cont(res, now); from = log?.length ?? 0; return go; } } : limits);
      take();
      return r;
    };
  }
  const result = m.run(limit);
  const transfers = [...counted].sort((a, b) => a[0] - b[0]);
  return { m, result, output: Buffer.concat(out).toString('latin1'), translations: translationStats(m.runtime!, m.image), transfers };
}

/** Run on both executors and compare everything a run reports. */
function compareOn(w: WorkloadEntry, overrides: Record<string, unknown>, limit = LIMIT) {
  const ref = run(w, { ...overrides, 'run.executor': 'reference' }, limit);
  const fast = run(w, { ...overrides, 'run.executor': 'fast' }, limit);
  expect(fast.m.executor.name).toBe('fast');
  expectSameRun(fast, ref);
  return { ref, fast };
}

function expectSameRun(fast: ReturnType<typeof run>, ref: ReturnType<typeof run>): void {
  expect(fast.output).toBe(ref.output);
  expect(fast.result.exitCode).toBe(ref.result.exitCode);
  expect(fast.result.instret).toBe(ref.result.instret);
  expect(fast.result.cycles).toBe(ref.result.cycles);
  expect(fast.result.breakdown).toEqual(ref.result.breakdown);
  expect(fast.result.stats).toEqual(ref.result.stats);
  expect(fast.translations).toEqual(ref.translations);
  expect(Array.from(fast.m.host.regs)).toEqual(Array.from(ref.m.host.regs));
  expect(fast.transfers.length).toBe(ref.transfers.length);
  expect(fast.transfers).toEqual(ref.transfers);
}

describe('fast executor = reference executor on every workload', () => {
  for (const w of WORKLOADS) {
    for (const mode of ['translate', 'optimize'] as const) {
      for (const threshold of [1, undefined]) {
        it(`${w.name} ${mode} threshold ${threshold ?? 'default'}`, () => {
          // Compile after two executions: nearly everything runs as wasm, the first runs in
          // the reference executor, and the two hand over mid-chain.
          const { fast } = compareOn(w, { 'run.mode': mode, 'run.fastCompileAfter': 2, ...(threshold ? { 'tier.threshold': threshold } : {}) });
          if (fast.result.stats['morph.translationsExecuted']! > 50) {
            expect((fast.m.executor as WasmExecutor).compileStats.translations).toBeGreaterThan(0);
          }
        }, 60_000);
      }
    }
  }

  it('with the default compile policy, on whole runs', () => {
    for (const name of ['crc32', 'smc', 'mtraps']) compareOn(WORKLOADS.find((w) => w.name === name)!, { 'run.mode': 'translate' }, 3_000_000);
  }, 120_000);

  it('compiling everything at first execution', () => {
    for (const name of ['recursion', 'bytecode', 'mtimer']) compareOn(WORKLOADS.find((w) => w.name === name)!, { 'run.mode': 'translate', 'run.fastCompileAfter': 1, 'tier.threshold': 1 });
  }, 120_000);
});

// The compiled code's own mechanisms under pressure: inline cache hits with clocks kept in
// locals and per-set way hints (tiny, low-associativity caches miss and evict constantly),
// the store buffer kept in locals with its drain and forwarding check inlined (a small
// buffer overflows and rolls back; byte stores forwarded into word loads), and the
// indirect-branch predictor at its smallest (every statistic compared, ibtc.* and ras.*
// included).
describe('fast executor = reference executor on stressed hardware', () => {
  const wl = (name: string) => WORKLOADS.find((w) => w.name === name)!;
  const TINY_CACHES = {
    'cache.l1iSize': 1024, 'cache.l1iAssoc': 2, 'cache.l1dSize': 1024, 'cache.l1dAssoc': 1, 'cache.l1dLine': 16,
    'cache.l2Size': 4096, 'cache.l2Assoc': 2,
  };
  for (const name of ['sort', 'strings', 'crc32', 'malloc', 'ptrchase']) {
    it(`${name}: tiny caches, translate and optimize`, () => {
      for (const mode of ['translate', 'optimize']) compareOn(wl(name), { 'run.mode': mode, 'run.fastCompileAfter': 2, ...TINY_CACHES });
    }, 60_000);
  }
  // The runtime's set search and victim merge at the widest associativity (64 ways, a
  // six-level merge); few sets, so most accesses reach them and evict.
  const WIDE_CACHES = {
    'cache.l1iSize': 1024, 'cache.l1iAssoc': 4, 'cache.l1dSize': 4096, 'cache.l1dAssoc': 64, 'cache.l1dLine': 16,
    'cache.l2Size': 16384, 'cache.l2Assoc': 32,
  };
  for (const name of ['sort', 'malloc']) {
    it(`${name}: small highly associative caches`, () => {
      const { fast } = compareOn(wl(name), { 'run.mode': 'translate', 'run.fastCompileAfter': 2, ...WIDE_CACHES });
      expect(fast.result.stats['cache.l1dMisses']).toBeGreaterThan(1000);
    }, 60_000);
  }
  for (const name of ['sort', 'strings', 'malloc', 'alias']) {
    it(`${name}: a two-entry store buffer`, () => {
      for (const mode of ['translate', 'optimize']) compareOn(wl(name), { 'run.mode': mode, 'run.fastCompileAfter': 2, 'vliw.storeBuffer': 2 });
    }, 60_000);
  }
  for (const name of ['bytecode', 'recursion']) {
    it(`${name}: the smallest IBTC and return-address stack`, () => {
      for (const predictor of [{ 'ibtc.entries': 2, 'ibtc.ways': 1 }, { 'ras.depth': 1 }, { 'ibtc.entries': 2, 'ibtc.ways': 2, 'ras.depth': 1 }]) {
        const { fast } = compareOn(wl(name), { 'run.mode': 'translate', 'run.fastCompileAfter': 1, ...predictor });
        expect(fast.result.stats['ibtc.hits']! + fast.result.stats['ras.hits']!).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});

// In optimize mode tier 2 counts every chained transfer and notes the translations that
// become due for it. Without a runtime hook the executors log the transfers (the fast one
// counts them per exit in wasm, and passes run ends in wasm while none is due) and the
// runtime counts the log when the run ends; with a hook it notes each transfer as it
// happens. Both must make the same traces at the same points: every run is compared, field
// by field, with the reference executor's run under the hook.
describe('optimize mode: the chain log counted after each run = each transfer noted as it happens', () => {
  const wl = (name: string) => WORKLOADS.find((w) => w.name === name)!;
  const cases: [string, Record<string, unknown>, { limit: number; args?: string[] }?][] = [
    ['crc32', {}], ['sort', {}], ['strings', {}],
    ['bytecode', {}], // indirect jumps: IBTC hits are transfers too
    ['recursion', {}], // returns predicted by the return-address stack
    ['alias', {}], // alias faults end runs mid-chain; traces re-made
    ['smc', {}, { limit: 100_000 }], // translations invalidated during a run
    ['mtimer', {}], // interrupts end runs
    ['malloc', { 'tier.maxChain': 3 }], // short runs: the driver stops at maxChain
    // Runs longer than the fast executor logs per call into wasm (16384 transfers).
    ['crc32', { 'tier.maxChain': 20000 }, { limit: 3_000_000, args: ['256'] }],
  ];
  for (const [name, extra, long] of cases) {
    it(`${name} ${JSON.stringify(extra)}`, () => {
      const o = { 'run.mode': 'optimize', 'run.fastCompileAfter': 2, 'tier.hotThreshold': 200, ...extra };
      const runOf = (executor: string, hook: boolean) => run(wl(name), { ...o, 'run.executor': executor }, long?.limit, hook, long?.args);
      const hooked = runOf('reference', true);
      expect(hooked.result.stats['morph.tier2Made']).toBeGreaterThan(0);
      for (const [executor, hook] of [['reference', false], ['fast', false], ['fast', true]] as const) expectSameRun(runOf(executor, hook), hooked);
    }, 60_000);
  }
});

describe('fast executor under lockstep verification', () => {
  it('passes the check at every commit, chained transfers included', () => {
    const w = WORKLOADS.find((x) => x.name === 'crc32')!;
    const m = new GuestMachine(image(`workloads/bin/${w.name}.elf`), {
      config: paramRegistry.resolve({ 'run.mode': 'translate', 'run.executor': 'fast', 'run.fastCompileAfter': 2, 'tier.threshold': 1 }),
      args: SMALL_ARGS[w.name],
    });
    const checker = attachLockstep(m);
    const r = m.run(300_000);
    expect(r.instret).toBeGreaterThan(100_000);
    expect(checker.checks).toBeGreaterThan(1000);
    expect((m.executor as WasmExecutor).compileStats.translations).toBeGreaterThan(0);
  }, 60_000);
});

describe('--executor', () => {
  it('selects the executor; the same guest output, cycles and statistics either way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'morphsim-exec-'));
    try {
      const run = async (executor: string) => {
        const json = join(dir, `${executor}.json`);
        const r = await runCli(['run', '--mode', 'translate', '--executor', executor, '--threshold', '1', '--json', json, repoPath('workloads/bin/crc32.elf'), '--', '8']);
        expect(r.code).toBe(0);
        return { stdout: r.stdout, summary: JSON.parse(readFileSync(json, 'utf8')) };
      };
      const ref = await run('reference');
      const fast = await run('fast');
      expect(fast.summary.config['run.executor']).toBe('fast');
      expect(fast.stdout).toBe(ref.stdout);
      expect(fast.summary.cycles).toEqual(ref.summary.cycles);
      expect(fast.summary.breakdown).toEqual(ref.summary.breakdown);
      expect(fast.summary.stats).toEqual(ref.summary.stats);
      const bad = await runCli(['run', '--executor', 'quick', repoPath('workloads/bin/crc32.elf')]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--executor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('loops of several translations compiled as one function (groups)', () => {
  for (const name of ['sort', 'strings', 'bytecode', 'malloc', 'recursion']) {
    for (const mode of ['translate', 'optimize'] as const) {
      it(`${name} ${mode}: groups = no groups = the reference`, () => {
        const w = WORKLOADS.find((x) => x.name === name)!;
        const o = { 'run.mode': mode, 'run.fastCompileAfter': 2, 'tier.threshold': 5 };
        const { fast } = compareOn(w, o);
        const alone = run(w, { ...o, 'run.executor': 'fast', 'run.fastGroups': false });
        expectSameRun(alone, fast);
        expect((alone.m.executor as WasmExecutor).compileStats.groups).toBe(0);
        if (name === 'sort' || name === 'strings') expect((fast.m.executor as WasmExecutor).compileStats.groups).toBeGreaterThan(0);
      }, 60_000);
    }
  }

  it('releases a group together when the translation cache drops one of its members', () => {
    const w = WORKLOADS.find((x) => x.name === 'strings')!;
    for (const mode of ['translate', 'optimize'] as const) {
      const { fast } = compareOn(w, { 'run.mode': mode, 'tier.threshold': 1, 'tier.tcacheBytes': 4096, 'run.fastCompileAfter': 2 }, 300_000);
      const ex = fast.m.executor as WasmExecutor;
      expect(fast.result.stats['morph.flushes']).toBeGreaterThan(5);
      expect(ex.compileStats.groups).toBeGreaterThan(5);
      expect(ex.liveTranslations).toBeLessThanOrEqual(fast.m.runtime!.tcache.size);
    }
  }, 120_000);

  it('groupsOf: strongly connected sets of linked translations within the limits, the rest alone', () => {
    const code = (io = false): HostCode => ({ molecules: [{ atoms: io ? [atom('stio.w')] : [] }], hostAddr: 0, tag: 0, execCount: 0, cycles: 0 });
    const link = (from: HostCode, to: HostCode, op: 'exit' | 'exit.if' = 'exit.if') => (from.molecules[0]!.atoms as Atom[]).push(atom(op, { imm: 0x1000, link: to }));
    const [a, b, c, d, e, f] = [code(), code(), code(), code(), code(true), code()];
    link(a, b); link(b, a); // a loop of two
    link(c, c); // a loop of one: alone
    link(d, a); link(a, d, 'exit'); link(d, d); // d joins a and b
    link(e, f); link(f, e); // e has a device access: neither joins
    const ring = Array.from({ length: 9 }, () => code());
    ring.forEach((x, i) => link(x, ring[(i + 1) % 9]!)); // too many members: all alone
    const out = groupsOf([a, b, c, d, e, f, ...ring]);
    expect(out.filter((g) => g.length > 1)).toEqual([[a, b, d]]);
    expect(out.length).toBe(1 + 1 + 2 + 9);
    expect(new Set(out.flat())).toEqual(new Set([a, b, c, d, e, f, ...ring]));
  });
});

describe('fast executor memory', () => {
  it('frees compiled translations when a tiny translation cache flushes, with identical results', () => {
    const w = WORKLOADS.find((x) => x.name === 'strings')!;
    const { ref, fast } = compareOn(w, { 'run.mode': 'translate', 'tier.threshold': 1, 'tier.tcacheBytes': 4096, 'run.fastCompileAfter': 8 }, 300_000);
    const s = fast.result.stats;
    expect(s['morph.flushes']).toBeGreaterThan(20);
    expect(s['morph.evictions']).toBe(ref.result.stats['morph.evictions']);
    const ex = fast.m.executor as WasmExecutor;
    // Everything the flushes dropped was released: what stays compiled is in the cache.
    expect(ex.liveTranslations).toBeLessThanOrEqual(fast.m.runtime!.tcache.size);
    expect(ex.compileStats.translations).toBeGreaterThan(2 * ex.liveTranslations + 100);
  }, 120_000);

  it('lets V8 collect the wasm instances of released translations while the run goes on', async () => {
    // Count the instances made and the ones the garbage collector reclaims (an instance that
    // imports a table, for one, never is in V8 11).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const Instance = WebAssembly.Instance;
    let made = 0;
    let freed = 0;
    const reclaimed = new FinalizationRegistry<number>(() => { freed++; });
    WebAssembly.Instance = class extends Instance {
      constructor(mod: WebAssembly.Module, imports?: WebAssembly.Imports) {
        super(mod, imports);
        made++;
        reclaimed.register(this, made);
      }
    };
    let fast: ReturnType<typeof run>;
    try {
      fast = run(WORKLOADS.find((x) => x.name === 'strings')!, {
        'run.mode': 'translate', 'run.executor': 'fast', 'tier.threshold': 1, 'tier.tcacheBytes': 4096, 'run.fastCompileAfter': 8,
      }, 300_000);
    } finally {
      WebAssembly.Instance = Instance;
    }
    for (let i = 0; i < 10 && freed < made - 1; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    const ex = fast.m.executor as WasmExecutor;
    expect(made).toBeGreaterThan(20);
    // Still reachable: the runtime module, and at most one module per live translation.
    expect(freed).toBeGreaterThanOrEqual(made - 1 - ex.liveTranslations);
  }, 120_000);
});

// ---- hand-written host programs (test/host-programs/*.vliw), run on both executors ----

const DIR = join(import.meta.dirname, 'host-programs');
const simRegistry = new ParamRegistry(simParamGroups);
const kv = (toks: string[]): Record<string, string> =>
  Object.fromEntries(toks.map((t) => { const i = t.indexOf('='); return [t.slice(0, i), t.slice(i + 1)]; }));
const num = (s: string): number => (s.startsWith('-') ? -Number(s.slice(1)) : Number(s));

class LogDevice implements Device {
  readonly name = 'test';
  readonly log: string[] = [];
  constructor(readonly base: number, readonly size: number) {}
  read(offset: number, size: AccessSize): number {
    this.log.push(`r ${offset} ${size}`);
    const v = (0xf0e0d0c0 + offset) >>> 0;
    return size === 4 ? v : v & (size === 2 ? 0xffff : 0xff);
  }
  write(offset: number, size: AccessSize, value: number): void { this.log.push(`w ${offset} ${size} ${value}`); }
}

/** `chains`: record the chained transfers, through a hook called at each or through the log. */
function runHostProgram(file: string, which: 'reference' | 'fast', chains?: 'hook' | 'log') {
  return runHostText(readFileSync(join(DIR, file), 'utf8'), file, which, chains);
}

function runHostText(text: string, file: string, which: 'reference' | 'fast', chains?: 'hook' | 'log') {
  const directives = text.split('\n').filter((l) => l.startsWith('#!')).map((l) => l.slice(2).replace(/\s+#.*$/, '').trim().split(/\s+/));
  const mod = parseModule(text, file);
  const overrides: Record<string, string> = {};
  for (const d of directives) if (d[0] === 'config') Object.assign(overrides, kv(d.slice(1)));
  const cfg = simRegistry.resolve(overrides);
  const mem = new Memory();
  const state = new HostState(machineDescFromConfig(cfg), mem);
  const account = new CycleAccount();
  const hier = new MemoryHierarchy(cfg);
  const predictor = new IndirectPredictor(ibtcParams.read(cfg), rasParams.read(cfg));
  const args = [state, hier, account, exitParams.read(cfg), vliwParams.read(cfg).moleculeBytes, predictor] as const;
  const exec: Executor = which === 'fast' ? new WasmExecutor(...args, 1) : new ReferenceExecutor(...args);
  let device: LogDevice | undefined;
  let entry = mod[0]!.code;
  const limits: { -readonly [K in keyof ExecLimits]: ExecLimits[K] } = { interruptAtCycle: Infinity, maxChain: 64 };
  for (const d of directives) {
    switch (d[0]) {
      case 'ram': mem.mapRam(num(d[1]!), num(d[2]!)); break;
      case 'device': device = new LogDevice(num(d[1]!), num(d[2]!)); mem.addDevice(device); break;
      case 'reg': state.regs[Number(d[1]!.slice(1))] = num(d[3]!) | 0; break;
      case 'mem.w': mem.store32(num(d[1]!), num(d[3]!) | 0); break;
      case 'ibtc': predictor.fill(num(d[1]!), mod.find((c) => c.name === d[3])!.code); break;
      case 'run': {
        const o = kv(d.slice(1));
        if (o.entry) entry = mod.find((c) => c.name === o.entry)!.code;
        if (o.interruptAt) limits.interruptAtCycle = num(o.interruptAt);
        if (o.maxChain) limits.maxChain = num(o.maxChain);
        break;
      }
    }
  }
  const name = (c: HostCode | null) => (c ? mod.find((n) => n.code === c)?.name ?? '?' : null);
  const describeResult = (r: ExecResult) => r.kind === 'exit'
    ? { ...r, code: name(r.code), exitAtom: r.exitAtom.op, chainTo: name(r.chainTo) }
    : { ...r, code: name(r.code) };
  // The chained transfers counted (sorted), and with a log, the due ones in order: each
  // translation is due from a different count on (its dueAt; tags are the module's indices).
  const counted = new Map<string, number>();
  const note = (from: string | null, target: number, n = 1) => counted.set(`${from} -> ${target}`, (counted.get(`${from} -> ${target}`) ?? 0) + n);
  const due: string[] = [];
  const log = new ChainLog();
  const byTag = (tag: number) => name(mod.find((n) => n.code.tag === tag)?.code ?? null);
  if (chains === 'hook') limits.onChain = (from, _retired, target) => note(name(from), target);
  if (chains === 'log') {
    limits.chainLog = log;
    mod.forEach((c, i) => { c.code.dueAt = 1 + 3 * (i % 3); });
  }
  const execute = () => {
    const r = describeResult(exec.execute(entry, limits));
    for (let i = 0; i < log.length; i++) note(byTag(log.tag[i]!), log.target[i]!, log.count[i]!);
    log.dueTag.forEach((tag, i) => due.push(`${byTag(tag)} at ${log.dueCount[i]}`));
    log.clear();
    return r;
  };
  // Twice from the same entry: the second run finds the code compiled and its links patched.
  const results = [execute(), execute()];
  const ram = directives.filter((d) => d[0] === 'ram').map((d) => Array.from(mem.readBytes(num(d[1]!), num(d[2]!))));
  return {
    results, ram, regs: Array.from(state.regs), cycles: account.record(), stats: { ...exec.stats(), ...predictor.stats() }, cache: hier.stats(),
    execCount: mod.map((c) => [c.name, c.code.execCount, c.code.cycles]), device: device?.log,
    transfers: [...counted].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), due,
  };
}

describe('fast executor = reference executor on the host programs', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.vliw')).sort();
  it('finds them', () => expect(files.length).toBeGreaterThanOrEqual(15));
  for (const file of files) {
    it(file, () => {
      const ref = runHostProgram(file, 'reference');
      const fast = runHostProgram(file, 'fast');
      expect(fast).toEqual(ref);
    });
  }
  it('log the same chained transfers as a hook sees them, and the same due ones in the same order', () => {
    let transfers = 0;
    let due = 0;
    for (const file of files) {
      const hooked = runHostProgram(file, 'reference', 'hook');
      expect(runHostProgram(file, 'fast', 'hook'), `${file}: fast executor, hook`).toEqual(hooked);
      const logged = runHostProgram(file, 'reference', 'log');
      expect(runHostProgram(file, 'fast', 'log'), `${file}: fast executor, log`).toEqual(logged);
      expect({ ...logged, due: [] }, `${file}: reference executor, log`).toEqual(hooked);
      transfers += hooked.transfers.length;
      due += logged.due.length;
    }
    expect(transfers).toBeGreaterThan(5);
    expect(due).toBeGreaterThan(5);
  });
});

/** The fast executor agrees with the reference on `text`, plain, with a chain hook and with a
 * chain log (optimize mode: every transfer is counted as a hook sees it, and the due ones
 * noted in order); returns the reference's plain run. */
function agreeEveryWay(text: string, name: string): ReturnType<typeof runHostText> {
  const ref = runHostText(text, name, 'reference');
  expect(runHostText(text, name, 'fast')).toEqual(ref);
  const hooked = runHostText(text, name, 'reference', 'hook');
  expect(runHostText(text, name, 'fast', 'hook')).toEqual(hooked);
  const logged = runHostText(text, name, 'reference', 'log');
  expect(runHostText(text, name, 'fast', 'log')).toEqual(logged);
  expect({ ...logged, due: [] }).toEqual(hooked);
  return ref;
}

// A translation whose exit chains to itself (a one-block loop) loops inside its compiled
// function instead of returning to the driver: each iteration must stop where the driver
// would (the run's chain limit, the interrupt deadline) and account for exactly what a
// separate execution does (its stalls counted once, its exit's counters and cycles).
describe('one-block loops in the fast executor', () => {
  // Every iteration loads from a new D-cache line (a miss: a stall), stores (drained by the
  // exit's commit) and chains back through its side exit.
  const LOOP = `
#! ram 0x80000000 0x2000
#! reg r1 = 0x80000000
#! reg r2 = 0x80001800
#! reg r6 = 40
code L host=0x40000000 tag=1
ld.w r10, 0(r1) ; addi r5, r5, 1
addi r1, r1, 64
add r11, r11, r10 ; cmp.lt r32, r5, r6
st.w r11, 0(r2) ; addi r2, r2, 4
exit.if r32, 0x80000000, 5 -> L
exit.ind r1, 6
`;
  for (const maxChain of [1, 2, 7, 64]) {
    for (const interruptAt of [Infinity, 700, 2345, 9000]) {
      it(`maxChain ${maxChain}, interrupt at ${interruptAt}`, () => {
        agreeEveryWay(`#! run maxChain=${maxChain} interruptAt=${interruptAt}\n${LOOP}`, 'loop');
      });
    }
  }
  it('a fault after some iterations (the load walks off the RAM)', () => {
    const text = `#! run maxChain=64\n${LOOP.replace('#! reg r1 = 0x80000000', '#! reg r1 = 0x80001c00')}`;
    const fast = runHostText(text, 'loop', 'fast');
    expect(fast.results[0]).toMatchObject({ kind: 'fault', cause: 'access' });
    expect(fast).toEqual(runHostText(text, 'loop', 'reference'));
  });
});

// Transfers between different translations enter the next one with a tail call (through the
// runtime's chain and predicted functions): a chained call, a return the RAS predicts, a
// chained side exit and an IBTC hit, round and round, must stop where the reference stops at
// every chain limit and interrupt deadline, with the same figures, predictor state and log.
describe('tail-called transfers between translations', () => {
  // A calls F (a linked call: pushes); F returns to 0x80000008 (first through the IBTC, which
  // teaches the call site its return link, then RAS hits) into B; B loads from a new line (a
  // stall) and stores, chains back to A through its side exit while r5 < r6, then jumps
  // through the IBTC to C, which leaves to the dispatcher.
  const RING = `
#! ram 0x80000000 0x4000
#! reg r1 = 0x80000000
#! reg r2 = 0x80003000
#! reg r6 = 25
#! reg r8 = 0x80000abc
#! reg r9 = 0x80000200
#! ibtc 0x80000008 = B
#! ibtc 0x80000200 = C
code A host=0x40000000 tag=1
addi r5, r5, 1 ; li r3, 0x80000008 ; exit.call 0x80000100, 0x80000008, 2 -> F
code F host=0x40001000 tag=2
addi r7, r7, 10 ; exit.ret r3, 1
code B host=0x40002000 tag=3
ld.w r10, 0(r1) ; addi r1, r1, 64
add r11, r11, r10 ; cmp.lt r32, r5, r6
st.w r11, 0(r2) ; addi r2, r2, 4
exit.if r32, 0x80000000, 3 -> A
exit.ind r9, 3
code C host=0x40003000 tag=4
addi r12, r12, 1 ; exit.ind r8, 1
`;
  for (const maxChain of [1, 2, 3, 4, 5, 9, 64, 200]) {
    for (const interruptAt of [Infinity, 500, 1234, 4000]) {
      it(`maxChain ${maxChain}, interrupt at ${interruptAt}`, () => {
        const ref = agreeEveryWay(`#! run maxChain=${maxChain} interruptAt=${interruptAt}\n${RING}`, 'ring');
        if (maxChain === 200 && interruptAt === Infinity) {
          // The ring did go round through every kind of transfer.
          expect(ref.stats['ras.hits']).toBeGreaterThanOrEqual(20);
          expect(ref.stats['ibtc.hits']).toBeGreaterThanOrEqual(2);
          expect(ref.stats['exec.chained']).toBeGreaterThanOrEqual(40);
          expect(ref.results.some((r) => r.kind === 'exit' && r.code === 'C' && r.chainTo === null)).toBe(true);
        }
      });
    }
  }
});
