/**
 * The fast executor's state in the guest's linear memory, and its runtime module: the
 * cache models, the exit functions (a taken exit's figures, then a chained or predicted
 * transfer's tail call into the next translation, or the hand-over to JS), the indirect-
 * branch predictor's common cases and the entry `run`, compiled once per executor with
 * binaryen. Compiled translations (wasm-codegen.ts) import these functions, the memory and
 * one shared function table, so a chained transfer never leaves wasm; keeping the exits'
 * work here, once, instead of inline at every exit of every translation, makes translations
 * about a third smaller (cheaper to build, emit and compile).
 *
 * The cache functions make the same decisions as cache.ts (true LRU, write-back,
 * write-allocate), access for access, from their own representation: per way the line tag,
 * a 64-bit last-use stamp and a dirty bit, one stamp clock per cache, and the last-used-line
 * shortcut (cache.ts keeps recency lists instead of stamps); the counters are copied into the
 * JS Cache objects after every run, so statistics read the same. Every access, hit or miss,
 * advances its cache's clock by one, so hits are not counted: they are the clock less the
 * misses (compiled code keeps the clocks in locals and hits cost it no memory traffic).
 */
import type { Memory } from '../isa-guest/memory.ts';
import { PAGE_TABLE_OFFSET, WATCHED_OFFSET } from '../isa-guest/memory.ts';
import type { MachineDesc } from '../isa-host-vliw/machine.ts';
import type { Cache, MemoryHierarchy } from './cache.ts';
import { PRED_SCALAR, type PredictorLayout } from './indirect.ts';
import type { Binaryen } from './wasm-binaryen.ts';

/** Scalar slots (byte offsets from Layout.s). f64 slots first, then i32 ones. */
export const S = {
  now: 0, irq: 8, retired: 16, exitCycles: 24, cycStallI: 32, cycStallD: 40,
  pendStallI: 64, pendStallD: 72, runStall: 80,
  sbCount: 96, alCount: 100, stop: 104, exitCid: 108, exitIdx: 112, exitTarget: 116, faultSite: 120,
  faultAddr: 124, faultCause: 128, started: 132, chainTo: 136, touchBase: 140, touchN: 144,
  ioStatus: 148, ioStall: 152, sbPeak: 156, linkBase: 160, left: 164, logPtr: 168,
  passLeft: 172, passPtr: 176, runLen: 180, dueSeen: 184,
} as const;
const SCALAR_BYTES = 188;
/** Bytes of a passed run end in the pass log (S.passPtr): the exit's record i32, the target
 * pc i32, the cycle count f64. */
export const PASS_BYTES = 16;

/** One cache's state: tags (i32 per way), stamps (i64 per way), dirty (u8 per way), scalars. */
export interface CacheLayout {
  readonly tags: number;
  readonly lastUse: number;
  readonly dirty: number;
  /** Per set (i32): the way its last access used, a hint for compiled code's inline hit
   * check (any way of the set will do: a tag match there is a hit). */
  readonly hint: number;
  /** clock i64 at +0, misses f64 +16, writebacks f64 +24, mruLine i32 +32, mruWay i32 +36. */
  readonly sc: number;
  readonly sets: number;
  readonly assoc: number;
  readonly lineBits: number;
}
export const CS = { clock: 0, misses: 16, writebacks: 24, mruLine: 32, mruWay: 36 } as const;

/** Code record: executions (i32 +28) and cycles (f64 +8) not yet copied to the HostCode,
 * generation i32, cid i32, touched i32; `due` (i32 +0): the executions not yet copied at
 * which its transfers are due (HostCode.dueAt less execCount, saturated to 0..INT32_MAX);
 * then per exit RX.bytes. */
export const R = { due: 0, cycles: 8, gen: 16, cid: 20, touched: 24, execs: 28, exits: 32 } as const;
/** Per exit: chained count f64 (+0), link slot: record address i32 (+8) and its generation
 * i32 (+12), transfers the IBTC predicted in wasm f64 (+16); then what the runtime's exit
 * functions (`chain`, `predicted`, `toJs`) need, written once when it is compiled (i32 each):
 * its record (+24), its index (+28), guest instructions retired (+32), execute cycles from
 * the entry (+36), and the transfer's cost when chained (+40) or predicted in wasm (+44);
 * chained transfers inside a run not yet copied to the chain log f64 (+48). */
export const RX = {
  chained: 0, slotRec: 8, slotGen: 12, predicted: 16, rec: 24, idx: 28, retired: 32, exec: 36, costChained: 40, costPredicted: 44,
  logged: 48, bytes: 56,
} as const;

export class Layout {
  readonly s: number;
  readonly regs: number;
  readonly sbAddr: number;
  readonly sbSize: number;
  readonly sbVal: number;
  readonly sbCap: number;
  readonly pt = PAGE_TABLE_OFFSET;
  readonly watched = WATCHED_OFFSET;
  readonly l1i: CacheLayout;
  readonly l1d: CacheLayout;
  readonly l2: CacheLayout;

  constructor(mem: Memory, desc: MachineDesc, hier: MemoryHierarchy, regs: Int32Array) {
    this.s = mem.alloc(SCALAR_BYTES, 8);
    // HostState keeps the working registers in the linear memory already.
    this.regs = regs.byteOffset;
    this.sbCap = desc.storeBufferEntries;
    this.sbAddr = mem.alloc(this.sbCap * 4, 8);
    this.sbSize = mem.alloc(this.sbCap * 4, 8);
    this.sbVal = mem.alloc(this.sbCap * 4, 8);
    const cache = (c: Cache): CacheLayout => {
      const ways = c.sets * c.assoc;
      // A fresh cache (nothing has accessed it yet): every way invalid.
      if (c.hits + c.misses !== 0) throw new Error('fast executor: the cache hierarchy must be cold when the executor is built');
      const l: CacheLayout = {
        tags: mem.alloc(ways * 4, 8), lastUse: mem.alloc(ways * 8, 8), dirty: mem.alloc(ways, 8), hint: mem.alloc(c.sets * 4, 8),
        sc: mem.alloc(40, 8),
        sets: c.sets, assoc: c.assoc, lineBits: Math.log2(c.lineBytes),
      };
      new Int32Array(mem.wasm.buffer, l.tags, ways).fill(-1);
      new Int32Array(mem.wasm.buffer, l.sc + CS.mruLine, 1)[0] = -1;
      // Way 0 of the cache for every set: its tag cannot match a line of another set.
      new Int32Array(mem.wasm.buffer, l.hint, c.sets).fill(0);
      return l;
    };
    this.l1i = cache(hier.l1i);
    this.l1d = cache(hier.l1d);
    this.l2 = cache(hier.l2);
  }
}

/** Put the record at `rec` (of translation `cid`) on the touched list: its figures are
 * copied out after the run. (`rec` is evaluated twice: a local or a constant.) */
export function touchRecord(m: InstanceType<Binaryen['Module']>, L: Layout, rec: number, cid: number): number {
  const s0 = m.i32.const(L.s);
  const ld = (off: number) => m.i32.load(off, 4, m.i32.const(L.s));
  return m.if(m.i32.eqz(m.i32.load(R.touched, 4, rec)), m.block(null, [
    m.i32.store(R.touched, 4, m.copyExpression(rec), m.i32.const(1)),
    m.i32.store(0, 4, m.i32.add(ld(S.touchBase), m.i32.shl(ld(S.touchN), m.i32.const(2))), cid),
    m.i32.store(S.touchN, 4, s0, m.i32.add(ld(S.touchN), m.i32.const(1))),
  ]));
}

export interface RuntimeExports {
  ifetch(addr: number): number;
  dcache(addr: number, write: number): number;
  /** Run the compiled translation whose record is `rec`, starting at most `max` translations. */
  run(rec: number, max: number): number;
}

/** The runtime functions compiled translations import (wasm-codegen.ts), with their params
 * (all i32) and whether they return an i32. */
export const RUNTIME_IMPORTS = [
  ['ifetch', 'i', true], ['dcache', 'ii', true], ['chain', 'iiiiiiII', true], ['predicted', 'iiiiiiII', true],
  ['toJs', 'iiiiiII', true], ['ibtc', 'i', true], ['ras', 'i', true], ['rasPush', 'ii', false],
] as const;

/** The runtime's functions as a translation module's imports. */
export function runtimeImports(rt: RuntimeExports): Record<string, unknown> {
  const x = rt as unknown as Record<string, unknown>;
  return Object.fromEntries(RUNTIME_IMPORTS.map(([name]) => [name, x[name]]));
}

/** The indirect-branch predictor in linear memory, with each IBTC entry's compiled record
 * and its generation (i32 each, 8 bytes per entry at ibtcLinks); null when it is off. */
export type WasmPredictor = (PredictorLayout & { readonly ibtcLinks: number }) | null;

const FEATURES = (b: Binaryen): number => b.Features.Atomics | b.Features.NontrappingFPToInt | b.Features.SignExt | b.Features.BulkMemory | b.Features.MutableGlobals | b.Features.TailCall;

/** A binaryen module importing the shared memory (every module of an executor does), and the
 * shared table if `table`. Only the runtime module imports the table: in V8 11 (Node 20) an
 * instance that imports a table is never garbage-collected, so a translation module that did
 * would outlive its release (measured: 0 of 5,000 such instances collected, against all
 * of them without the import). */
export function newModule(b: Binaryen, memPages: number, table: boolean): InstanceType<Binaryen['Module']> {
  const m = new b.Module();
  m.setFeatures(FEATURES(b));
  m.setMemory(memPages, 65536, null, [], true);
  m.addMemoryImport('0', 'env', 'mem', true);
  if (table) {
    m.addTable('t', 1, 0xffffffff);
    m.addTableImport('t', 'env', 'table');
  }
  return m;
}

/** Build and instantiate the runtime module. */
/** `logs`: the executor takes chain logs (CodegenEnv.watchDue); without, the transfers
 * neither log nor watch for due ones. */
export function buildRuntime(b: Binaryen, L: Layout, hier: MemoryHierarchy, mem: Memory, table: WebAssembly.Table, P: WasmPredictor, logs: boolean): RuntimeExports {
  const m = newModule(b, mem.wasm.buffer.byteLength / 65536, true);
  const { i32, i64, none } = b;
  const c32 = (v: number) => m.i32.const(v | 0);
  const get = (i: number, t = i32) => m.local.get(i, t);
  const set = (i: number, v: number) => m.local.set(i, v);
  const ld = (addr: number) => m.i32.load(0, 4, c32(addr));
  const st = (addr: number, v: number) => m.i32.store(0, 4, c32(addr), v);
  const f64inc = (addr: number) => m.f64.store(0, 8, c32(addr), m.f64.add(m.f64.load(0, 8, c32(addr)), m.f64.const(1)));
  const T = (...ts: number[]) => b.createType(ts);


  // access_<name>(addr, write) -> 1 on hit. Locals: 0 addr, 1 write, 2 line, 3 clock(i64),
  // 4 w, 5 base; then one i64 stamp and one i32 way per way (the victim search).
  // The set is searched without branches: a loop that leaves at the matching way, and an LRU
  // scan keeping the oldest stamp so far, mispredict on most calls (the matching way and the
  // oldest are data), and a miss is most calls that get here.
  const cacheFn = (name: string, c: CacheLayout): void => {
    const setMask = c.sets - 1;
    const sc = c.sc;
    const A = c.assoc;
    const setHint = (w: number) => m.i32.store(0, 4, m.i32.add(c32(c.hint), m.i32.shl(m.i32.and(get(2), c32(setMask)), c32(2))), w);
    const hitAt = (w: number) => [
      m.i64.store(0, 8, m.i32.add(c32(c.lastUse), m.i32.shl(w, c32(3))), get(3, i64)),
      m.if(get(1), m.i32.store8(0, 1, m.i32.add(c32(c.dirty), w), c32(1))),
      setHint(w),
    ];
    const stampL = (k: number) => 6 + k;
    const wayL = (k: number) => 6 + A + k;
    // The way holding the line (tags are unique within a set), or -1.
    let found = c32(-1);
    for (let k = 0; k < A; k++) found = m.select(m.i32.eq(m.i32.load(c.tags + 4 * k, 4, m.i32.shl(get(5), c32(2))), get(2)), c32(k), found);
    // The least recently used way: the first with the smallest stamp (as a scan in way order
    // with a strict < finds it), by merging neighbours pairwise, the right one only when
    // strictly older: each group stays in way order, so ties go to the lower way.
    const victim: number[] = [];
    for (let k = 0; k < A; k++) victim.push(m.local.set(stampL(k), m.i64.load(c.lastUse + 8 * k, 8, m.i32.shl(get(5), c32(3)))), set(wayL(k), c32(k)));
    for (let span = 1; span < A; span *= 2) {
      for (let k = 0; k + span < A; k += 2 * span) {
        const older = () => m.i64.lt_s(get(stampL(k + span), i64), get(stampL(k), i64));
        victim.push(
          set(wayL(k), m.select(older(), get(wayL(k + span)), get(wayL(k)))),
          m.local.set(stampL(k), m.select(older(), get(stampL(k + span), i64), get(stampL(k), i64))),
        );
      }
    }
    const body = m.block(null, [
      set(2, m.i32.shr_u(get(0), c32(c.lineBits))),
      set(3, m.i64.add(m.i64.load(0, 8, c32(sc + CS.clock)), m.i64.const(1n))),
      m.i64.store(0, 8, c32(sc + CS.clock), get(3, i64)),
      m.if(m.i32.eq(get(2), ld(sc + CS.mruLine)), m.block(null, [...hitAt(ld(sc + CS.mruWay)), m.return(c32(1))])),
      set(5, m.i32.mul(m.i32.and(get(2), c32(setMask)), c32(A))),
      set(4, found),
      m.if(m.i32.ge_s(get(4), c32(0)), m.block(null, [
        set(4, m.i32.add(get(5), get(4))),
        ...hitAt(get(4)),
        st(sc + CS.mruLine, get(2)),
        st(sc + CS.mruWay, get(4)),
        m.return(c32(1)),
      ])),
      ...victim,
      set(4, m.i32.add(get(5), get(wayL(0)))),
      f64inc(sc + CS.misses),
      m.if(m.i32.load8_u(0, 1, m.i32.add(c32(c.dirty), get(4))), f64inc(sc + CS.writebacks)),
      m.i32.store(0, 4, m.i32.add(c32(c.tags), m.i32.shl(get(4), c32(2))), get(2)),
      m.i64.store(0, 8, m.i32.add(c32(c.lastUse), m.i32.shl(get(4), c32(3))), get(3, i64)),
      m.i32.store8(0, 1, m.i32.add(c32(c.dirty), get(4)), get(1)),
      st(sc + CS.mruLine, get(2)),
      st(sc + CS.mruWay, get(4)),
      setHint(get(4)),
      m.return(c32(0)),
    ]);
    m.addFunction(name, T(i32, i32), i32, [i32, i64, i32, i32, ...Array<number>(A).fill(i64), ...Array<number>(A).fill(i32)], body);
  };
  cacheFn('l1i', L.l1i);
  cacheFn('l1d', L.l1d);
  cacheFn('l2', L.l2);
  const l2Lat = hier.l2Latency;
  const miss = (addr: number) => m.select(m.call('l2', [addr, c32(0)], i32), c32(l2Lat), c32(l2Lat + hier.memLatency));
  m.addFunction('ifetch', T(i32), i32, [], m.if(m.call('l1i', [get(0), c32(0)], i32), c32(0), miss(get(0))));
  m.addFunction('dcache', T(i32, i32), i32, [], m.if(m.call('l1d', [get(0), get(1)], i32), c32(0), miss(get(0))));

  const S0 = L.s;
  const ldAt = (base: number, off: number) => m.i32.load(off, 4, base);
  const f64add = (addr: number, off: number, v: number) => m.f64.store(off, 8, addr, m.f64.add(m.f64.load(off, 8, addr), v));
  const u2f = (v: number) => m.f64.convert_u.i32(v);
  const touch = (rec: number) => touchRecord(m, L, get(rec), ldAt(get(rec), R.cid));
  /**
   * A taken exit's figures (its static part is in its record, RX): one more guest-visible
   * execution of its translation, the instructions it retired, and its cycles (execute, the
   * run's stalls so far, plus `cost`) on the run's clock and the translation's.
   * Locals: 0 xr, 1 stall; `rec` and `spent` (f64) are locals too.
   */
  const taken = (rec: number, spent: number, cost: number): number[] => [
    m.local.set(rec, ldAt(get(0), RX.rec)),
    f64add(c32(S0), S.retired, u2f(ldAt(get(0), RX.retired))),
    m.i32.store(R.execs, 4, get(rec), m.i32.add(ldAt(get(rec), R.execs), c32(1))),
    m.local.set(spent, m.f64.add(u2f(m.i32.add(ldAt(get(0), RX.exec), cost)), u2f(get(1)))),
    f64add(c32(S0), S.now, m.local.get(spent, b.f64)),
    f64add(get(rec), R.cycles, m.local.get(spent, b.f64)),
  ];
  /** What the leaving translation kept in locals, from params stI, stD (stalls since its last
   * commit point, by cache) and the L1I and L1D stamp clocks (i64). */
  const storeState = (stI: number, stD: number, iclk: number, dclk: number) => [
    m.if(get(stI), f64add(c32(S0), S.cycStallI, u2f(get(stI)))),
    m.if(get(stD), f64add(c32(S0), S.cycStallD, u2f(get(stD)))),
    m.i64.store(0, 8, c32(L.l1i.sc + CS.clock), get(iclk, i64)),
    m.i64.store(0, 8, c32(L.l1d.sc + CS.clock), get(dclk, i64)),
  ];
  /** Which exit was taken and where it goes, for JS. */
  const tellExit = (rec: number, target: number) => [
    st(S0 + S.exitCid, ldAt(rec, R.cid)), st(S0 + S.exitIdx, ldAt(get(0), RX.idx)), st(S0 + S.exitTarget, target),
  ];
  // chain / predicted(xr, stall, trec, target, stI, stD, iclk, dclk) -> status: exit xr's transfer to the live
  // translation whose record is trec, decided in wasm (its link, or the predictor): the
  // exit's figures, the transfer's cost and count, then, unless the run has started its last
  // translation (S.left = 0: JS is told where it would have gone, -3), the chain log and a
  // tail call into trec's function. The log (S.logPtr: where its next entry goes, 0 for
  // none) takes a predicted transfer as (cid, target) and a due one (its record's executions
  // at R.due or more) as (-1 - cid, executions), setting S.dueSeen; a chained transfer is
  // counted in its exit's RX.logged (its target is the exit's).
  // A run's end passes without JS while S.passLeft allows, the exit retired an instruction,
  // the clock is below the interrupt deadline, no transfer was due since JS last looked and
  // neither translation is due (ExecLimits.continueRun): logged at S.passPtr, a new run of
  // S.runLen translations starts with trec.
  // The leaving translation's state (storeState) comes first. Locals: params 0 xr, 1 stall,
  // 2 trec, 3 target, 4 stI, 5 stD, 6 iclk, 7 dclk; 8 rec, 9 spent (f64), 10 cost, 11 left/log.
  const isDue = (rec: number) => m.i32.ge_s(ldAt(rec, R.execs), ldAt(rec, R.due));
  const transfer = (name: string, costOff: number, counter: number): void => {
    m.addFunction(name, T(i32, i32, i32, i32, i32, i32, i64, i64), i32, [i32, b.f64, i32, i32], m.block(null, [
      ...storeState(4, 5, 6, 7),
      set(10, ldAt(get(0), costOff)),
      ...taken(8, 9, get(10)),
      f64add(c32(S0), S.exitCycles, u2f(get(10))),
      f64add(get(0), counter, m.f64.const(1)),
      set(11, ld(S0 + S.left)),
      m.if(m.i32.eqz(get(11)), m.block(null, [
        m.if(m.i32.or(m.i32.or(m.i32.or(m.i32.eqz(ld(S0 + S.passLeft)), m.i32.eqz(ldAt(get(0), RX.retired))),
          m.f64.ge(m.f64.load(0, 8, c32(S0 + S.now)), m.f64.load(0, 8, c32(S0 + S.irq)))),
        logs ? m.i32.or(ld(S0 + S.dueSeen), m.i32.or(isDue(get(8)), isDue(get(2)))) : c32(0)), m.block(null, [
          ...tellExit(get(8), get(3)), st(S0 + S.chainTo, ldAt(get(2), R.cid)), m.return(c32(-3)),
        ])),
        st(S0 + S.passLeft, m.i32.sub(ld(S0 + S.passLeft), c32(1))),
        set(11, ld(S0 + S.passPtr)),
        m.i32.store(0, 4, get(11), get(0)),
        m.i32.store(4, 4, get(11), get(3)),
        m.f64.store(8, 8, get(11), m.f64.load(0, 8, c32(S0 + S.now))),
        st(S0 + S.passPtr, m.i32.add(get(11), c32(PASS_BYTES))),
        st(S0 + S.left, m.i32.sub(ld(S0 + S.runLen), c32(1))),
      ]), m.block(null, [
        // A transfer inside the run: logged (an executor that takes logs).
        st(S0 + S.left, m.i32.sub(get(11), c32(1))),
        ...(!logs ? [] : [
          set(11, ld(S0 + S.logPtr)),
          m.if(get(11), m.block(null, [
            ...(counter === RX.chained ? [f64add(get(0), RX.logged, m.f64.const(1))] : [
              m.i32.store(0, 4, get(11), ldAt(get(8), R.cid)),
              m.i32.store(4, 4, get(11), get(3)),
              set(11, m.i32.add(get(11), c32(8))),
            ]),
            m.if(isDue(get(8)), m.block(null, [
              m.i32.store(0, 4, get(11), m.i32.sub(c32(-1), ldAt(get(8), R.cid))),
              m.i32.store(4, 4, get(11), ldAt(get(8), R.execs)),
              set(11, m.i32.add(get(11), c32(8))),
              st(S0 + S.dueSeen, c32(1)),
            ])),
            st(S0 + S.logPtr, get(11)),
          ])),
        ]),
      ])),
      touch(2),
      m.return_call_indirect('t', ldAt(get(2), R.cid), [], none, i32),
    ], i32));
  };
  transfer('chain', RX.costChained, RX.chained);
  transfer('predicted', RX.costPredicted, RX.predicted);
  // toJs(xr, stall, target, stI, stD, iclk, dclk) -> -4: exit xr is taken and JS decides
  // where it goes and what that costs. Locals: params 0 xr, 1 stall, 2 target, 3 stI, 4 stD,
  // 5 iclk, 6 dclk; 7 rec, 8 spent (f64).
  m.addFunction('toJs', T(i32, i32, i32, i32, i32, i64, i64), i32, [i32, b.f64], m.block(null, [
    ...storeState(3, 4, 5, 6), ...taken(7, 8, c32(0)), ...tellExit(get(7), get(2)), m.return(c32(-4)),
  ], i32));

  // The predictor's common cases, as IndirectPredictor does them (see there).
  const sc = (key: keyof typeof PRED_SCALAR) => c32((P?.scalars ?? 0) + 8 * PRED_SCALAR[key]);
  const scAdd = (key: keyof typeof PRED_SCALAR, v: number) => m.f64.store(0, 8, sc(key), m.f64.add(m.f64.load(0, 8, sc(key)), m.f64.const(v)));
  const scI = (key: keyof typeof PRED_SCALAR) => m.i32.trunc_u.f64(m.f64.load(0, 8, sc(key)));
  const scSet = (key: keyof typeof PRED_SCALAR, v: number) => m.f64.store(0, 8, sc(key), u2f(v));
  /** base + 8 × idx: an f64 array's element, or an 8-byte (record, generation) pair. */
  const at8 = (base: number, idx: number) => m.i32.add(c32(base), m.i32.shl(idx, c32(3)));
  /** The record at `link` (an 8-byte record, generation pair) when it is live, else 0. */
  const liveAt = (link: () => number, into: number) => [
    set(into, ldAt(link(), 0)),
    m.if(m.i32.eqz(m.i32.and(m.i32.ne(get(into), c32(0)), m.i32.eq(ldAt(get(into), R.gen), ldAt(link(), 4)))), set(into, c32(0))),
  ];
  // ibtc(pc) -> record: IndirectPredictor.jump's probe when it hits a compiled translation,
  // with the same stamp, hit count and pending-fill reset; 0 (and no change) otherwise.
  // Locals: 0 pc, 1 way, 2 end, 3 hit, 4 rec.
  m.addFunction('ibtc', T(i32), i32, [i32, i32, i32, i32], !P || P.sets === 0 ? c32(0) : m.block(null, [
    set(1, m.i32.mul(m.i32.rem_u(m.i32.shr_u(get(0), c32(2)), c32(P.sets)), c32(P.ways))),
    set(2, m.i32.add(get(1), c32(P.ways))),
    set(3, c32(-1)),
    m.loop('p', m.if(m.f64.eq(m.f64.load(0, 8, at8(P.tagPc, get(1))), u2f(get(0))),
      set(3, get(1)),
      m.block(null, [set(1, m.i32.add(get(1), c32(1))), m.br('p', m.i32.lt_u(get(1), get(2)))]))),
    m.if(m.i32.lt_s(get(3), c32(0)), m.return(c32(0))),
    ...liveAt(() => at8(P.ibtcLinks, get(3)), 4),
    m.if(get(4), m.block(null, [
      scAdd('clock', 1),
      m.f64.store(0, 8, at8(P.stamp, get(3)), m.f64.load(0, 8, sc('clock'))),
      scAdd('hits', 1),
      m.f64.store(0, 8, sc('pendingPc'), m.f64.const(-1)),
    ])),
    m.return(get(4)),
  ], i32));
  // ras(pc) -> record: IndirectPredictor.ret when the stack predicts pc and the call site's
  // return link is compiled, with the same pop, hit count and pending-fill reset; 0 (and no
  // change) otherwise. Locals: 0 pc, 1 count, 2 top, 3 link, 4 rec.
  m.addFunction('ras', T(i32), i32, [i32, i32, i32, i32], !P || P.depth === 0 ? c32(0) : m.block(null, [
    set(1, scI('count')),
    m.if(m.i32.eqz(get(1)), m.return(c32(0))),
    set(2, scI('top')),
    set(2, m.i32.sub(m.select(get(2), get(2), c32(P.depth)), c32(1))),
    m.if(m.f64.ne(m.f64.load(0, 8, at8(P.rasPc, get(2))), u2f(get(0))), m.return(c32(0))),
    set(3, m.i32.add(ld(S0 + S.linkBase), m.i32.shl(m.i32.trunc_u.f64(m.f64.load(0, 8, at8(P.rasSite, get(2)))), c32(3)))),
    ...liveAt(() => get(3), 4),
    m.if(get(4), m.block(null, [
      scSet('top', get(2)),
      scSet('count', m.i32.sub(get(1), c32(1))),
      m.f64.store(0, 8, at8(P.rasSite, get(2)), m.f64.const(0)),
      m.f64.store(0, 8, sc('pendingPc'), m.f64.const(-1)),
      scAdd('rasHits', 1),
    ])),
    m.return(get(4)),
  ], i32));
  // rasPush(retPc, site): a call pushes its return address and call site (IndirectPredictor.call).
  // Locals: 0 retPc, 1 site, 2 top.
  m.addFunction('rasPush', T(i32, i32), none, [i32], !P || P.depth === 0 ? m.nop() : m.block(null, [
    set(2, scI('top')),
    m.if(m.f64.eq(m.f64.load(0, 8, sc('count')), m.f64.const(P.depth)), scAdd('overflows', 1), scAdd('count', 1)),
    m.f64.store(0, 8, at8(P.rasPc, get(2)), u2f(get(0))),
    m.f64.store(0, 8, at8(P.rasSite, get(2)), u2f(get(1))),
    set(2, m.i32.add(get(2), c32(1))),
    scSet('top', m.select(m.i32.eq(get(2), c32(P.depth)), c32(0), get(2))),
    scAdd('pushes', 1),
  ]));

  // run(rec, max) -> status: enter the translation whose record is rec; compiled code
  // follows the transfers it can (tail calls) and returns when control leaves wasm.
  // Locals: 0 rec, 1 max, 2 r
  m.addFunction('run', T(i32, i32), i32, [i32], m.block(null, [
    st(S0 + S.left, m.i32.sub(get(1), c32(1))),
    touch(0),
    set(2, m.call_indirect('t', ldAt(get(0), R.cid), [], none, i32)),
    st(S0 + S.started, m.i32.sub(get(1), ld(S0 + S.left))),
    m.return(get(2)),
  ]));
  for (const f of ['run', ...RUNTIME_IMPORTS.map(([name]) => name)]) m.addFunctionExport(f, f);
  if (!m.validate()) throw new Error('fast executor: runtime module failed validation');
  const bytes = m.emitBinary();
  m.dispose();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {
    env: { mem: mem.wasm, table },
  });
  return inst.exports as unknown as RuntimeExports;
}

/** Copy a wasm cache's counters into its JS Cache object (statistics read those). */
export function syncCacheCounters(f64: Float64Array, u32: Uint32Array, l: CacheLayout, c: Cache): void {
  // The clock counts accesses (an i64 read as two words; exact below 2^53).
  const w = (l.sc + CS.clock) >> 2;
  c.misses = f64[(l.sc + CS.misses) >> 3]!;
  c.hits = u32[w]! + u32[w + 1]! * 2 ** 32 - c.misses;
  c.writebacks = f64[(l.sc + CS.writebacks) >> 3]!;
}
