// The reference VLIW executor against hand-written host programs (test/host-programs/*.vliw).
// Each program carries its setup and its expected outcome in `#!` comment lines:
//   #! config NAME=V ...           parameter overrides      #! ram BASE SIZE
//   #! device BASE SIZE            a test device            #! reg rN = V     #! mem.w ADDR = V
//   #! run [entry=NAME] [interruptAt=N] [maxChain=N]
//   #! ibtc PC = NAME              an indirect-branch target cache entry present at the start
//   #! expect exit target=.. retired=.. code=NAME [molecule=.. atom=..] [chainTo=NAME|none]
//   #! expect fault cause=.. molecule=.. atom=.. addr=.. retired=.. commitPc=..|none code=NAME
//   #! expect rN = V   (every register not named must keep its initial value)
//   #! expect mem.w ADDR = V      #! expect devwrite ADDR size=S value=V   #! expect devreads N
//   #! expect cycles CAT=N ... total=N   (categories not named must be 0)
//   #! expect stat exec.NAME=N ibtc.NAME=N ras.NAME=N ...   #! expect execCount NAME=N ...
// Expected values were computed by hand (the derivations are comments in each file).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParamRegistry, type Config } from '../core/params.ts';
import { Memory, type AccessSize, type Device } from '../isa-guest/memory.ts';
import { aluImm, exit, formatProblem, hostCode, li, molecule, parseModule, printModule, validate, type HostCode, type NamedCode } from '../isa-host-vliw/index.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { CYCLE_CATEGORIES, Cyc, CycleAccount } from '../sim-microarch/cycles.ts';
import { ReferenceExecutor, type ExecLimits, type ExecResult } from '../sim-microarch/executor.ts';
import { HostState } from '../sim-microarch/host-state.ts';
import { IndirectPredictor } from '../sim-microarch/indirect.ts';
import { exitParams, ibtcParams, machineDescFromConfig, rasParams, simParamGroups, vliwParams } from '../sim-microarch/params.ts';

const DIR = join(import.meta.dirname, 'host-programs');
const registry = new ParamRegistry(simParamGroups);

/** Test device: a read at offset o returns (0xf0e0d0c0 + o) cut to the size; writes are logged. */
class TestDevice implements Device {
  readonly name = 'test';
  readonly writes: { addr: number; size: AccessSize; value: number }[] = [];
  reads = 0;
  constructor(readonly base: number, readonly size: number) {}
  read(offset: number, size: AccessSize): number {
    this.reads++;
    const v = (0xf0e0d0c0 + offset) >>> 0;
    return size === 4 ? v : v & (size === 2 ? 0xffff : 0xff);
  }
  write(offset: number, size: AccessSize, value: number): void {
    this.writes.push({ addr: this.base + offset, size, value });
  }
}

const num = (s: string): number => {
  const neg = s.startsWith('-');
  const v = Number(neg ? s.slice(1) : s);
  if (!Number.isFinite(v)) throw new Error(`bad number ${s}`);
  return neg ? -v : v;
};
const kv = (toks: string[]): Record<string, string> =>
  Object.fromEntries(toks.map((t) => { const i = t.indexOf('='); return [t.slice(0, i), t.slice(i + 1)]; }));

interface Machine {
  cfg: Config;
  mem: Memory;
  state: HostState;
  account: CycleAccount;
  exec: ReferenceExecutor;
  predictor: IndirectPredictor;
  device?: TestDevice;
}

function buildMachine(cfg: Config): Machine {
  const mem = new Memory();
  const desc = machineDescFromConfig(cfg);
  const state = new HostState(desc, mem);
  const account = new CycleAccount();
  const predictor = new IndirectPredictor(ibtcParams.read(cfg), rasParams.read(cfg));
  const exec = new ReferenceExecutor(state, new MemoryHierarchy(cfg), account, exitParams.read(cfg), vliwParams.read(cfg).moleculeBytes, predictor);
  return { cfg, mem, state, account, exec, predictor };
}

interface Program {
  file: string;
  text: string;
  directives: string[][];
  mod: NamedCode[];
}

function loadProgram(file: string): Program {
  const text = readFileSync(join(DIR, file), 'utf8');
  const directives = text.split('\n')
    .filter((l) => l.startsWith('#!'))
    .map((l) => l.slice(2).replace(/\s+#.*$/, '').trim().split(/\s+/));
  return { file, text, directives, mod: parseModule(text, file) };
}

/** Set up and run a program; returns everything the checks need. */
function runProgram(p: Program) {
  const overrides: Record<string, string> = {};
  for (const d of p.directives) if (d[0] === 'config') Object.assign(overrides, kv(d.slice(1)));
  const m = buildMachine(registry.resolve(overrides));
  const initRegs = new Int32Array(m.state.regs.length);
  let entry = p.mod[0]!.code;
  const limits: { -readonly [K in keyof ExecLimits]: ExecLimits[K] } = { interruptAtCycle: Infinity, maxChain: 64 };
  for (const d of p.directives) {
    switch (d[0]) {
      case 'ram': m.mem.mapRam(num(d[1]!), num(d[2]!)); break;
      case 'device': m.device = new TestDevice(num(d[1]!), num(d[2]!)); m.mem.addDevice(m.device); break;
      case 'reg': initRegs[Number(d[1]!.slice(1))] = num(d[3]!) | 0; break;
      case 'mem.w': m.mem.store32(num(d[1]!), num(d[3]!) | 0); break;
      case 'ibtc': m.predictor.fill(num(d[1]!), p.mod.find((c) => c.name === d[3])!.code); break;
      case 'run': {
        const o = kv(d.slice(1));
        if (o.entry) entry = p.mod.find((c) => c.name === o.entry)!.code;
        if (o.interruptAt) limits.interruptAtCycle = num(o.interruptAt);
        if (o.maxChain) limits.maxChain = num(o.maxChain);
        break;
      }
    }
  }
  m.state.regs.set(initRegs);
  const result = m.exec.execute(entry, limits);
  return { m, result, initRegs };
}

const nameOf = (p: Program, c: HostCode): string => p.mod.find((n) => n.code === c)?.name ?? '?';

function check(p: Program, m: Machine, result: ExecResult, initRegs: Int32Array): void {
  const regsExpected = new Int32Array(initRegs);
  let sawOutcome = false;
  for (const d of p.directives) {
    if (d[0] !== 'expect') continue;
    const what = d[1]!;
    if (what === 'exit' || what === 'fault') {
      sawOutcome = true;
      const o = kv(d.slice(2));
      expect(result.kind, `${p.file}: outcome`).toBe(what);
      expect(nameOf(p, result.code), `${p.file}: code`).toBe(o.code);
      expect(result.retired, `${p.file}: retired`).toBe(num(o.retired!));
      if (o.molecule !== undefined) expect(result.molecule, `${p.file}: molecule`).toBe(num(o.molecule));
      if (o.atom !== undefined) expect(result.atom, `${p.file}: atom`).toBe(num(o.atom));
      if (result.kind === 'exit') {
        expect(result.target, `${p.file}: target`).toBe(num(o.target!) >>> 0);
        expect(result.exitAtom).toBe(result.code.molecules[result.molecule]!.atoms[result.atom]);
        if (o.chainTo !== undefined) expect(result.chainTo ? nameOf(p, result.chainTo) : 'none').toBe(o.chainTo);
      } else {
        expect(result.cause, `${p.file}: cause`).toBe(o.cause);
        expect(result.addr, `${p.file}: addr`).toBe(num(o.addr!) >>> 0);
        expect(result.commitPc, `${p.file}: commitPc`).toBe(o.commitPc === 'none' ? null : num(o.commitPc!) >>> 0);
        // Rolled back: nothing buffered or protected survives.
        expect(m.state.sbCount).toBe(0);
        expect(m.state.alCount).toBe(0);
      }
    } else if (/^r\d+$/.test(what)) {
      regsExpected[Number(what.slice(1))] = num(d[3]!) | 0;
    } else if (what === 'mem.w') {
      expect(m.mem.load32(num(d[2]!)), `${p.file}: mem.w ${d[2]}`).toBe(num(d[4]!) | 0);
    } else if (what === 'devwrite') {
      const o = kv(d.slice(3));
      expect(m.device!.writes).toContainEqual({ addr: num(d[2]!), size: num(o.size!), value: num(o.value!) });
    } else if (what === 'devreads') {
      expect(m.device!.reads).toBe(num(d[2]!));
    } else if (what === 'cycles') {
      const o = kv(d.slice(2));
      const got = m.account.record();
      for (const c of CYCLE_CATEGORIES) expect(got[c], `${p.file}: cycles.${c}`).toBe(o[c] === undefined ? 0 : num(o[c]!));
      expect(m.account.total(), `${p.file}: total`).toBe(num(o.total!));
    } else if (what === 'stat') {
      const got = { ...m.exec.stats(), ...m.predictor.stats() };
      for (const [k, v] of Object.entries(kv(d.slice(2)))) expect(got[k], `${p.file}: ${k}`).toBe(num(v));
    } else if (what === 'execCount') {
      for (const [k, v] of Object.entries(kv(d.slice(2)))) expect(p.mod.find((c) => c.name === k)!.code.execCount, `${p.file}: execCount ${k}`).toBe(num(v));
    } else {
      throw new Error(`${p.file}: unknown expectation '${what}'`);
    }
  }
  expect(sawOutcome, `${p.file} states its outcome`).toBe(true);
  expect(Array.from(m.state.regs), `${p.file}: registers`).toEqual(Array.from(regsExpected));
  // Conservation: the categories add up to the total.
  const by = m.account.record();
  expect(CYCLE_CATEGORIES.reduce((s, c) => s + by[c], 0)).toBe(m.account.total());
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.vliw')).sort();

describe('host programs', () => {
  it('are all present', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  for (const file of files) {
    it(file, () => {
      const p = loadProgram(file);
      const overrides: Record<string, string> = {};
      for (const d of p.directives) if (d[0] === 'config') Object.assign(overrides, kv(d.slice(1)));
      const desc = machineDescFromConfig(registry.resolve(overrides));
      for (const { name, code } of p.mod) {
        expect(validate(code, desc).map((x) => `${name}: ${formatProblem(x, code)}`)).toEqual([]);
      }
      // The text form round-trips.
      expect(printModule(parseModule(printModule(p.mod)))).toBe(printModule(p.mod));
      const { m, result, initRegs } = runProgram(p);
      check(p, m, result, initRegs);
    });
  }
});

describe('reference executor', () => {
  it('is deterministic: the same program twice gives the same cycles, statistics and state', () => {
    for (const file of ['alu.vliw', 'chain.vliw', 'rollback-access.vliw', 'cache.vliw']) {
      const a = runProgram(loadProgram(file));
      const b = runProgram(loadProgram(file));
      expect(b.m.account.record()).toEqual(a.m.account.record());
      expect(b.m.exec.stats()).toEqual(a.m.exec.stats());
      expect(Array.from(b.m.state.regs)).toEqual(Array.from(a.m.state.regs));
    }
  });

  it('stops following links at maxChain and hands the paid chained transfer to the runtime', () => {
    const p = loadProgram('chain.vliw');
    const a = p.mod[0]!.code;
    const { m, result } = runProgram({ ...p, directives: [...p.directives, ['run', 'maxChain=2']] });
    expect(result.kind).toBe('exit');
    if (result.kind !== 'exit') return;
    // Run 1 chains into run 2 (2 translations); run 2's taken side exit is chained, not followed.
    expect(result.code).toBe(a);
    expect(result.chainTo).toBe(a);
    expect(result.retired).toBe(4);
    expect(m.state.regs[5]).toBe(2);
    expect(m.exec.stats()['exec.chained']).toBe(2);
    expect(m.account.by[Cyc.exit]).toBe(4);
    // Continuing at chainTo finishes the same work for the same cycles as one long run.
    const rest = m.exec.execute(result.chainTo!, { interruptAtCycle: Infinity, maxChain: 64 });
    expect(rest.kind === 'exit' && rest.retired).toBe(4);
    const whole = runProgram(loadProgram('chain.vliw'));
    expect(m.account.record()).toEqual(whole.m.account.record());
  });

  it('does not follow a link once stopRequested is set (a commit wrote to translated code)', () => {
    // The runtime's listener asks to stop when a commit writes a watched (code) page.
    const mm = buildMachine(registry.resolve({}));
    mm.state.stopRequested = true; // stale from an earlier run: cleared at entry
    mm.mem.mapRam(0x80000000, 0x1000);
    mm.mem.watch(0x80000000);
    mm.mem.addCodeWriteListener(() => { mm.state.stopRequested = true; });
    const [target, writer] = parseModule(`
code T host=0x40002000 tag=2
exit 0x80000100, 1
code W host=0x40000000 tag=1
li r5, 0x80000000 ; li r6, 1
st.w r6, 0(r5)
exit 0x80000010, 3 -> T
`);
    const r = mm.exec.execute(writer!.code, { interruptAtCycle: Infinity, maxChain: 64 });
    expect(r.kind === 'exit' && r.code).toBe(writer!.code);
    expect(r.kind === 'exit' && r.chainTo).toBe(null);
    expect(target!.code.execCount).toBe(0);
    expect(mm.exec.stats()['exec.toDispatcher']).toBe(1);
    expect(mm.exec.stats()['exec.chained']).toBe(0);
    expect(mm.state.stopRequested).toBe(true);
  });

  it('rolls back on a device store and on an unmapped store, touching nothing', () => {
    for (const [addr, cause] of [[0x10000000, 'device'], [0x90000000, 'access']] as const) {
      const m = buildMachine(registry.resolve({}));
      m.mem.mapRam(0x80000000, 0x1000);
      const dev = new TestDevice(0x10000000, 0x100);
      m.mem.addDevice(dev);
      m.state.regs[7] = addr | 0;
      m.state.regs[5] = 9;
      const [c] = parseModule(`code S host=0x40000000
addi r5, r5, 1
st.w r5, 0(r7)
exit 0x80000010, 2
`);
      const r = m.exec.execute(c!.code, { interruptAtCycle: Infinity, maxChain: 1 });
      expect(r).toMatchObject({ kind: 'fault', cause, molecule: 1, atom: 0, addr, retired: 0, commitPc: null });
      expect(m.state.regs[5]).toBe(9);
      expect(dev.writes).toEqual([]);
      expect(m.account.by[Cyc.rollback]).toBe(m.account.total());
    }
  });

  it('rolls back on alias-table overflow (more protected loads than entries)', () => {
    const m = buildMachine(registry.resolve({ 'vliw.aliasEntries': 1 }));
    m.mem.mapRam(0x80000000, 0x1000);
    m.state.regs[1] = 0x80000000 | 0;
    const [c] = parseModule(`code P host=0x40000000
ldp.w r6, 0(r1)
ldp.w r7, 4(r1)
exit 0x80000010, 2
`);
    const r = m.exec.execute(c!.code, { interruptAtCycle: Infinity, maxChain: 1 });
    expect(r).toMatchObject({ kind: 'fault', cause: 'overflow', molecule: 1, atom: 0, addr: 0x80000004 });
  });

  it('an interrupt pending at entry rolls back before anything issues, wasting nothing', () => {
    const m = buildMachine(registry.resolve({}));
    const c = hostCode([molecule(li(5, 1), exit(0x80000000, 1))], 0x40000000, 1);
    m.state.regs[5] = 4;
    const r = m.exec.execute(c, { interruptAtCycle: 0, maxChain: 1 });
    expect(r).toMatchObject({ kind: 'fault', cause: 'interrupt', molecule: 0, atom: -1 });
    expect(m.account.total()).toBe(0);
    expect(m.state.regs[5]).toBe(4);
  });

  it('the builder helpers emit what the parser reads', () => {
    const built = hostCode([molecule(aluImm('add', 5, 5, -1), li(40, 0x7fffffff)), molecule(exit(0x80000004, 1))], 0x40000000, 3);
    const [parsed] = parseModule('code X host=0x40000000 tag=3\naddi r5, r5, -1 ; li r40, 2147483647\nexit 0x80000004, 1\n');
    expect(printModule([{ name: 'X', code: built }])).toBe(printModule([parsed!]));
  });
});
