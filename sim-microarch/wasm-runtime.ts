/**
 * The fast executor's state in the guest's linear memory, and its runtime module: the
 * cache models, the store-buffer drain and the chaining driver, compiled once per executor
 * with binaryen. Compiled translations (wasm-codegen.ts) import these functions, the memory
 * and one shared function table, so a chained transfer never leaves wasm.
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
import type { Binaryen } from './wasm-binaryen.ts';

/** Scalar slots (byte offsets from Layout.s). f64 slots first, then i32 ones. */
export const S = {
  now: 0, irq: 8, retired: 16, exitCycles: 24, cycStallI: 32, cycStallD: 40,
  pendStallI: 64, pendStallD: 72, runStall: 80,
  sbCount: 96, alCount: 100, stop: 104, exitCid: 108, exitIdx: 112, exitTarget: 116, faultSite: 120,
  faultAddr: 124, faultCause: 128, started: 132, chainTo: 136, touchBase: 140, touchN: 144,
  ioStatus: 148, ioStall: 152, sbPeak: 156, linkBase: 160, left: 164, logPtr: 168,
} as const;
const SCALAR_BYTES = 176;

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
 * generation i32, cid i32, touched i32; then per exit 16 bytes. */
export const R = { cycles: 8, gen: 16, cid: 20, touched: 24, execs: 28, exits: 32 } as const;
/** Per exit: chained count f64 (+0), link slot: record address i32 (+8) and its generation
 * i32 (+12), transfers the IBTC predicted in wasm f64 (+16). */
export const RX = { chained: 0, slotRec: 8, slotGen: 12, predicted: 16, bytes: 24 } as const;

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

export interface RuntimeExports {
  ifetch(addr: number): number;
  dcache(addr: number, write: number): number;
  run(cid: number, max: number): number;
}

const FEATURES = (b: Binaryen): number => b.Features.Atomics | b.Features.NontrappingFPToInt | b.Features.SignExt | b.Features.BulkMemory | b.Features.MutableGlobals | b.Features.TailCall;

/** A binaryen module importing the shared memory and table (every module of an executor does). */
export function newModule(b: Binaryen, memPages: number): InstanceType<Binaryen['Module']> {
  const m = new b.Module();
  m.setFeatures(FEATURES(b));
  m.setMemory(memPages, 65536, null, [], true);
  m.addMemoryImport('0', 'env', 'mem', true);
  m.addTable('t', 1, 0xffffffff);
  m.addTableImport('t', 'env', 'table');
  return m;
}

/** Build and instantiate the runtime module. */
export function buildRuntime(b: Binaryen, L: Layout, hier: MemoryHierarchy, mem: Memory, table: WebAssembly.Table): RuntimeExports {
  const m = newModule(b, mem.wasm.buffer.byteLength / 65536);
  const { i32, i64, none } = b;
  const c32 = (v: number) => m.i32.const(v | 0);
  const get = (i: number, t = i32) => m.local.get(i, t);
  const set = (i: number, v: number) => m.local.set(i, v);
  const ld = (addr: number) => m.i32.load(0, 4, c32(addr));
  const st = (addr: number, v: number) => m.i32.store(0, 4, c32(addr), v);
  const f64inc = (addr: number) => m.f64.store(0, 8, c32(addr), m.f64.add(m.f64.load(0, 8, c32(addr)), m.f64.const(1)));
  const T = (...ts: number[]) => b.createType(ts);


  // access_<name>(addr, write) -> 1 on hit. Locals: 0 addr, 1 write, 2 line, 3 clock(i64), 4 w, 5 base, 6 end, 7 victim, 8 oldest(i64), 9 t(i64)
  const cacheFn = (name: string, c: CacheLayout): void => {
    const setMask = c.sets - 1;
    const sc = c.sc;
    const setHint = (w: number) => m.i32.store(0, 4, m.i32.add(c32(c.hint), m.i32.shl(m.i32.and(get(2), c32(setMask)), c32(2))), w);
    const hitAt = (w: number) => [
      m.i64.store(0, 8, m.i32.add(c32(c.lastUse), m.i32.shl(w, c32(3))), get(3, i64)),
      m.if(get(1), m.i32.store8(0, 1, m.i32.add(c32(c.dirty), w), c32(1))),
      setHint(w),
    ];
    const body = m.block(null, [
      set(2, m.i32.shr_u(get(0), c32(c.lineBits))),
      set(3, m.i64.add(m.i64.load(0, 8, c32(sc + CS.clock)), m.i64.const(1n))),
      m.i64.store(0, 8, c32(sc + CS.clock), get(3, i64)),
      m.if(m.i32.eq(get(2), ld(sc + CS.mruLine)), m.block(null, [...hitAt(ld(sc + CS.mruWay)), m.return(c32(1))])),
      set(5, m.i32.mul(m.i32.and(get(2), c32(setMask)), c32(c.assoc))),
      set(6, m.i32.add(get(5), c32(c.assoc))),
      set(4, get(5)),
      set(7, get(5)),
      set(8, m.i64.const(0x7fffffffffffffffn)),
      m.loop('scan', m.block(null, [
        m.if(m.i32.eq(m.i32.load(0, 4, m.i32.add(c32(c.tags), m.i32.shl(get(4), c32(2)))), get(2)), m.block(null, [
          ...hitAt(get(4)),
          st(sc + CS.mruLine, get(2)),
          st(sc + CS.mruWay, get(4)),
          m.return(c32(1)),
        ])),
        set(9, m.i64.load(0, 8, m.i32.add(c32(c.lastUse), m.i32.shl(get(4), c32(3))))),
        m.if(m.i64.lt_s(get(9, i64), get(8, i64)), m.block(null, [set(8, get(9, i64)), set(7, get(4))])),
        set(4, m.i32.add(get(4), c32(1))),
        m.br('scan', m.i32.lt_u(get(4), get(6))),
      ])),
      f64inc(sc + CS.misses),
      m.if(m.i32.load8_u(0, 1, m.i32.add(c32(c.dirty), get(7))), f64inc(sc + CS.writebacks)),
      m.i32.store(0, 4, m.i32.add(c32(c.tags), m.i32.shl(get(7), c32(2))), get(2)),
      m.i64.store(0, 8, m.i32.add(c32(c.lastUse), m.i32.shl(get(7), c32(3))), get(3, i64)),
      m.i32.store8(0, 1, m.i32.add(c32(c.dirty), get(7)), get(1)),
      st(sc + CS.mruLine, get(2)),
      st(sc + CS.mruWay, get(7)),
      setHint(get(7)),
      m.return(c32(0)),
    ]);
    m.addFunction(name, T(i32, i32), i32, [i32, i64, i32, i32, i32, i32, i64, i64], body);
  };
  cacheFn('l1i', L.l1i);
  cacheFn('l1d', L.l1d);
  cacheFn('l2', L.l2);
  const l2Lat = hier.l2Latency;
  const miss = (addr: number) => m.select(m.call('l2', [addr, c32(0)], i32), c32(l2Lat), c32(l2Lat + hier.memLatency));
  m.addFunction('ifetch', T(i32), i32, [], m.if(m.call('l1i', [get(0), c32(0)], i32), c32(0), miss(get(0))));
  m.addFunction('dcache', T(i32, i32), i32, [], m.if(m.call('l1d', [get(0), get(1)], i32), c32(0), miss(get(0))));

  const S0 = L.s;
  // run(cid, max) -> status: the chaining driver. A translation itself decides whether a
  // chained exit may continue (S.left: starts still allowed after the current one) and
  // returns -3 with S.chainTo when the run has reached `max`. Locals: 0 cid, 1 max, 2 r
  m.addFunction('run', T(i32, i32), i32, [i32], m.block(null, [
    st(S0 + S.left, m.i32.sub(get(1), c32(1))),
    m.loop('L', m.block(null, [
      set(2, m.call_indirect('t', get(0), [], none, i32)),
      set(0, get(2)),
      m.br('L', m.i32.ge_s(get(2), c32(0))),
    ])),
    st(S0 + S.started, m.i32.sub(get(1), ld(S0 + S.left))),
    m.return(get(2)),
  ]));
  for (const f of ['ifetch', 'dcache', 'run']) m.addFunctionExport(f, f);
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
