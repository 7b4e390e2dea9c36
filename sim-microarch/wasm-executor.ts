/**
 * The fast executor: translations compiled to WebAssembly with binaryen (wasm-codegen.ts),
 * run natively by V8 over the guest's own linear memory, with exactly the reference
 * executor's results, cycles and statistics (executor.ts is the specification).
 *
 * Each translation becomes a function in the shared table (its index is the translation's
 * cid); the runtime module's driver follows chained exits inside wasm, and predicted ones
 * (calls, returns, IBTC hits) when the prediction leads to compiled code: the predictor's
 * hot state is moved into the linear memory and its links mirrored there (`pred`). JS is
 * involved only at the edges: the first traversal of an exit (to resolve its link), exits to
 * the dispatcher and the predictions wasm leaves to the predictor object, faults, device
 * accesses, stores to watched pages, overlapping store forwarding, the alias table, and a
 * caller's chain hook (`onChain`) when it has one; a chain log (`chainLog`) is kept by the
 * compiled translations — chained transfers counted per exit (RX.logged), predicted and due
 * ones written at S.logPtr — and copied out after each call into wasm; at a run's end
 * (maxChain) a caller's `continueRun` may have it go on with the next run without returning
 * (only the run's result is built, no full sync), and compiled code may pass the ends of the
 * runs after it while nothing is due (R.due, S.dueSeen). The host
 * registers already live in the linear memory (HostState). Cold translations run in the embedded
 * reference executor, on the same state and the same (wasm) cache model, until they are hot.
 *
 * Memory stays bounded: when the translation cache drops a translation (eviction, flush,
 * self-modifying code) `release` clears its table entry (the compiled instance is then
 * garbage once all of its translations are released: translation modules do not import the
 * table, see newModule) and recycles its id and its record; each binaryen module is disposed
 * as soon as its binary is emitted. The runtime compacts the history of dropped translations.
 */
import { GuestTrap } from '../isa-guest/trap.ts';
import { WATCH_CODE, type AccessSize, type Memory } from '../isa-guest/memory.ts';
import type { Atom, HostCode } from '../isa-host-vliw/code.ts';
import type { MemoryHierarchy } from './cache.ts';
import { Cyc, type CycleAccount } from './cycles.ts';
import { execStats } from './exec-stats.ts';
import { FAULT_CAUSES, ReferenceExecutor, type ChainLog, type ExecLimits, type ExecResult, type Executor, type ExitCosts, type ExitResult } from './executor.ts';
import { overlayStores, type HostState } from './host-state.ts';
import { IndirectPredictor, PREDICTION_OFF, type PredictorLayout } from './indirect.ts';
import { binaryen, type Binaryen } from './wasm-binaryen.ts';
import { canLoop, compileGroup, newTranslationModule, recordLayout, VEC, type ExitInfo, type SiteInfo } from './wasm-codegen.ts';
import { buildRuntime, Layout, PASS_BYTES, R, runtimeImports, RX, S, syncCacheCounters, type RuntimeExports } from './wasm-runtime.ts';

interface Compiled {
  readonly code: HostCode;
  readonly cid: number;
  readonly rec: number;
  readonly recBytes: number;
  readonly hostAddr: number;
  readonly exits: ExitInfo[];
  readonly sites: SiteInfo[];
  /** Per exit, decided in JS: times taken (any transfer), of those chained through the
   * link, and to the dispatcher. (Chains made inside wasm are counted in the record.) */
  readonly jsTaken: Float64Array;
  readonly jsChained: Float64Array;
  readonly disp: Float64Array;
  /** The group whose function its table entry runs (the members' codes, one array shared by
   * them), if any: that function holds the members' code and record addresses, so they are
   * released together. */
  group: readonly Compiled[] | undefined;
}

type Counters = ReturnType<typeof emptyCounters>;
const emptyCounters = () => ({
  molecules: 0, atoms: 0, issueSlots: 0, commitWait: 0, commits: 0,
  sbStores: 0, sbDrained: 0, sbForwards: 0, sbPeak: 0, aliasRecords: 0, aliasChecks: 0, ioAccesses: 0,
  rollbackAccess: 0, rollbackMisaligned: 0, rollbackAlias: 0, rollbackOverflow: 0, rollbackDevice: 0, rollbackInterrupt: 0, rollbackSmc: 0,
  exitFallthrough: 0, exitSide: 0, exitIndirect: 0, chained: 0, toDispatcher: 0,
});
const ROLLBACK_COUNTER = {
  access: 'rollbackAccess', misaligned: 'rollbackMisaligned', alias: 'rollbackAlias', overflow: 'rollbackOverflow',
  device: 'rollbackDevice', interrupt: 'rollbackInterrupt', smc: 'rollbackSmc',
} as const satisfies Record<(typeof FAULT_CAUSES)[number], keyof Counters>;

/** Translations compiled, modules they went into, group functions made and CPU seconds spent, for the benchmark. */
export interface CompileStats { translations: number; modules: number; seconds: number; groups: number }

/** Translations seen with at least this many executions join a batch being compiled. */
const BATCH_WARM = 2;
const MAX_BATCH = 256;
/** Most chain log entries compiled code writes per call into wasm (the executor then copies
 * them out and calls it again): bounds the log's memory whatever maxChain is. */
const LOG_ENTRIES = 1 << 15;
/** Most run ends compiled code passes per call into wasm (the pass log's capacity). */
const PASS_ENTRIES = 1024;
/** Most run ends passed between two questions to the caller (ExecLimits.continueRun). */
const MAX_PASSES = 1 << 20;

export class WasmExecutor implements Executor {
  readonly name = 'fast';
  readonly compileStats: CompileStats = { translations: 0, modules: 0, seconds: 0, groups: 0 };
  private readonly b: Binaryen;
  private readonly mem: Memory;
  private readonly L: Layout;
  private readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: 256 });
  private readonly rt: RuntimeExports;
  private readonly imports: WebAssembly.Imports;
  private i32!: Int32Array;
  /** The store buffer in the linear memory. */
  private sbAddrView!: Uint32Array;
  private sbSizeView!: Int32Array;
  private sbValView!: Int32Array;
  private readonly fwdOut = { forwarded: false };
  private u32!: Uint32Array;
  private f64!: Float64Array;
  private viewBytes = 0;
  private readonly compiled = new WeakMap<HostCode, Compiled>();
  private readonly byCid: (Compiled | undefined)[] = [];
  /** Per cid, its translation's tag (what the chain log records). */
  private cidTag = new Int32Array(256);
  private readonly byRec = new Map<number, Compiled>();
  /** The compiled translations by tag (one per tag, but for tests that reuse tags). */
  private readonly byTag = new Map<number, Compiled[]>();
  private readonly freeCids: number[] = [];
  private readonly freeRecs = new Map<number, number[]>();
  /** Translations run by the reference executor so far (compilation candidates). */
  private readonly cold = new Set<HostCode>();
  /** Runs cold translations, on the same state and the same (wasm) cache model. */
  private readonly ref: ReferenceExecutor;
  private touchCap = 0;
  /** Counters of released translations and of faults, folded in. */
  private readonly folded = emptyCounters();
  private readonly alLo: Float64Array;
  private readonly alHi: Float64Array;
  private limits: ExecLimits | undefined;
  private running = false;
  /** The cycle count when the current run started. */
  private now0 = 0;
  /** Exit cycles of this run decided in JS (predictor costs vary), and all exit cycles of
   * the run whose translations' figures are up to date. */
  private jsExitCycles = 0;
  private runExitCycles = 0;
  private readonly pendingRelease: Compiled[] = [];
  /** The predictor as compiled code consults it (null: IBTC and RAS off). */
  private readonly pred: (PredictorLayout & { readonly ibtcLinks: number }) | null = null;
  /** Capacity, in call sites, of the return-link mirror at S.linkBase. */
  private linkCap = 0;
  /** The chain log's entries compiled code writes (predicted and due transfers, 8 bytes
   * each), in the linear memory, and their capacity. */
  private logBase = 0;
  private logCap = 0;
  /** The pass log compiled code writes (S.passPtr), and how many more run ends the caller
   * let the executor pass (ExecLimits.continueRun) less those already told (passRun). */
  private readonly passBase: number;
  private passBudget = 0;
  private readonly siteId = (site: Atom): number => this.predictor.siteId(site);
  /** Cycles JS code added (code-write listeners behind an io store) since a commit point, by site. */
  private pendingJs: { cid: number; run: number; molecule: number; diff: Float64Array }[] = [];

  constructor(
    private readonly state: HostState,
    private readonly hierarchy: MemoryHierarchy,
    private readonly account: CycleAccount,
    private readonly exitCosts: ExitCosts,
    private readonly moleculeBytes: number,
    /** The machine's indirect-branch predictor, shared with the reference executor. */
    private readonly predictor: IndirectPredictor = new IndirectPredictor(PREDICTION_OFF.ibtc, PREDICTION_OFF.ras),
    /** Executions of a translation (by the reference executor) before it is compiled: cold
     * code never pays wasm compilation, and hot code is compiled in batches. */
    private readonly compileAfter = 8,
    /** Compile the loops of several translations in a batch as one function each (groupsOf). */
    private readonly groups = true,
    /** Take chain logs (run.mode=optimize): compiled loops then watch for due transfers,
     * which costs translate mode's loops a few percent. */
    private readonly logs = true,
  ) {
    this.b = binaryen();
    this.mem = state.memory;
    this.L = new Layout(this.mem, state.machine, hierarchy, state.regs);
    this.alLo = new Float64Array(state.machine.aliasEntries);
    this.alHi = new Float64Array(state.machine.aliasEntries);
    this.passBase = this.mem.alloc(PASS_ENTRIES * PASS_BYTES, 8);
    this.refreshViews();
    const entries = predictor.ibtcEntries;
    if (entries > 0 || predictor.rasDepth > 0) {
      const at = predictor.relocate((bytes) => this.mem.alloc(bytes, 8), () => this.mem.wasm.buffer);
      this.pred = { ...at, ibtcLinks: this.mem.alloc(8 * entries, 8) };
      this.refreshViews();
      // Sites numbered before this executor existed read as unlinked (JS decides them).
      this.ensureLinkCapacity(Math.max(64, predictor.siteCount));
      predictor.onEntry = (w, code) => this.mirrorIbtc(w, code);
      predictor.onLink = (id, code) => this.mirrorLink(id, code);
    }
    // The runtime does the predictor's common cases: built once the predictor is in memory.
    this.rt = buildRuntime(this.b, this.L, hierarchy, this.mem, this.table, this.pred, logs);
    this.imports = { env: this.importObject() };
    const rt = this.rt;
    this.ref = new ReferenceExecutor(state, { fetch: (a) => rt.ifetch(a), data: (a, w) => rt.dcache(a, w ? 1 : 0) }, account, exitCosts, moleculeBytes, predictor);
    this.ensureTouchCapacity(1024);
  }

  /** Write `code`'s compiled record and its generation at `at` (zeros: JS decides). */
  private mirror(at: number, code: HostCode | null): void {
    const c = code ? this.compiled.get(code) : undefined;
    this.refreshViews();
    this.i32[at >> 2] = c ? c.rec : 0;
    this.i32[(at >> 2) + 1] = c ? this.i32[(c.rec + R.gen) >> 2]! : 0;
  }

  /** IBTC entry w now holds `code`. */
  private mirrorIbtc(w: number, code: HostCode | null): void {
    this.mirror(this.pred!.ibtcLinks + 8 * w, code);
  }

  /** Call site `id`'s return link is now `code` (null: none; also when the site is new). */
  private mirrorLink(id: number, code: HostCode | null): void {
    this.ensureLinkCapacity(id + 1);
    this.mirror(this.i32[(this.L.s + S.linkBase) >> 2]! + 8 * id, code);
  }

  private ensureLinkCapacity(n: number): void {
    if (n <= this.linkCap) return;
    const cap = Math.max(n, 2 * this.linkCap);
    const base = this.mem.alloc(8 * cap, 8);
    this.refreshViews();
    const old = this.i32[(this.L.s + S.linkBase) >> 2]!;
    if (this.linkCap > 0) this.u8().copyWithin(base, old, old + 8 * this.linkCap);
    this.i32[(this.L.s + S.linkBase) >> 2] = base;
    this.linkCap = cap;
  }

  /** Translations compiled and not released. */
  get liveTranslations(): number { return this.byRec.size; }

  private refreshViews(): void {
    if (this.mem.linearBytes === this.viewBytes) return;
    const buf = this.mem.wasm.buffer;
    this.viewBytes = buf.byteLength;
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    const L = this.L;
    this.sbAddrView = new Uint32Array(buf, L.sbAddr, L.sbCap);
    this.sbSizeView = new Int32Array(buf, L.sbSize, L.sbCap);
    this.sbValView = new Int32Array(buf, L.sbVal, L.sbCap);
  }

  private ensureTouchCapacity(n: number): void {
    if (n <= this.touchCap) return;
    this.touchCap = Math.max(n, 2 * this.touchCap);
    const base = this.mem.alloc(this.touchCap * 4, 8);
    this.refreshViews();
    this.i32[(this.L.s + S.touchBase) >> 2] = base;
  }

  private ensureLogCapacity(n: number): void {
    if (n <= this.logCap) return;
    this.logCap = Math.min(LOG_ENTRIES, Math.max(n, 2 * this.logCap));
    this.logBase = this.mem.alloc(8 * this.logCap, 8);
    this.refreshViews();
  }

  /** Tell the caller of the run ends compiled code passed since the last call (passRun, in
   * order); returns how many. */
  private flushPasses(): number {
    this.refreshViews();
    const at4 = (this.L.s + S.passPtr) >> 2;
    const end = this.i32[at4]!;
    if (end === this.passBase) return 0;
    const pass = this.limits!.passRun!;
    let n = 0;
    for (let at = this.passBase; at < end; at += PASS_BYTES, n++) {
      const xr = this.i32[at >> 2]!;
      const c = this.byRec.get(this.i32[(xr + RX.rec) >> 2]!)!;
      pass(c.code, c.exits[this.i32[(xr + RX.idx) >> 2]!]!.atom, this.u32[(at >> 2) + 1]!, this.f64[(at >> 3) + 1]!);
    }
    this.passBudget -= n;
    this.i32[at4] = this.passBase;
    return n;
  }

  /** A device access: the caller asks at every run end from here on (a device may end the
   * program or raise an interrupt). */
  private noMorePasses(): void {
    this.flushPasses();
    this.passBudget = 0;
    this.i32[(this.L.s + S.passLeft) >> 2] = 0;
  }

  /**
   * Append to `log` what compiled code logged during the last call into wasm: its `n`
   * entries (predicted transfers; due ones, whose count is the executions copied to the
   * HostCode plus those in the entry), then the chained transfers counted per exit
   * (RX.logged) of the translations entered since their figures were last copied.
   */
  private drainLog(log: ChainLog, n: number): void {
    const i32 = this.i32;
    const u32 = this.u32;
    const f64 = this.f64;
    const byCid = this.byCid;
    for (let k = 0, w = this.logBase >> 2; k < n; k++, w += 2) {
      const cid = i32[w]!;
      if (cid >= 0) log.push(this.cidTag[cid]!, u32[w + 1]!);
      else {
        const code = byCid[-1 - cid]!.code;
        log.noteDue(code.tag, code.execCount + i32[w + 1]!);
      }
    }
    const tb = i32[(this.L.s + S.touchBase) >> 2]! >> 2;
    const touched = i32[(this.L.s + S.touchN) >> 2]!;
    for (let k = 0; k < touched; k++) {
      const c = byCid[i32[tb + k]!]!;
      for (let j = 0; j < c.exits.length; j++) {
        const at = (c.rec + R.exits + j * RX.bytes + RX.logged) >> 3;
        const v = f64[at]!;
        if (v === 0) continue;
        log.push(c.code.tag, c.exits[j]!.atom.imm >>> 0, v);
        f64[at] = 0;
      }
    }
  }

  private pageIn(addr: number): number {
    const a = addr >>> 0;
    const off = this.mem.pageOffset(a >>> 12);
    if (off !== 0) return off;
    return this.mem.deviceAt(a) ? -1 : 0;
  }

  private importObject(): WebAssembly.ModuleImports {
    const L = this.L;
    const st = this.state;
    const mem = this.mem;
    const sc = (off: number) => (L.s + off) >> 2;
    return {
      mem: mem.wasm,
      ...runtimeImports(this.rt),
      // A drained store reached a watched page: Memory's listeners run as after a store.
      stored: (addr: number, size: number): void => {
        this.flushPasses();
        mem.stored(addr >>> 0, size as AccessSize);
        if (st.stopRequested) this.i32[sc(S.stop)] = 1;
      },
      pageIn: (addr: number) => this.pageIn(addr),
      fwd: (addr: number, size: number, value: number, n: number): number => {
        this.refreshViews();
        const v = overlayStores(addr >>> 0, size, value, n, this.sbAddrView, this.sbSizeView, this.sbValView, this.fwdOut);
        if (this.fwdOut.forwarded) this.folded.sbForwards++;
        return v | 0;
      },
      protect: (addr: number, size: number): number => {
        const n = this.i32[sc(S.alCount)]!;
        if (n >= this.alLo.length) return 0;
        this.alLo[n] = addr >>> 0;
        this.alHi[n] = (addr >>> 0) + size;
        this.i32[sc(S.alCount)] = n + 1;
        return 1;
      },
      aliases: (addr: number, size: number): number => {
        const a = addr >>> 0;
        const end = a + size;
        const n = this.i32[sc(S.alCount)]!;
        for (let i = 0; i < n; i++) if (a < this.alHi[i]! && this.alLo[i]! < end) return 1;
        return 0;
      },
      storeCheck: (addr: number, size: number, cid: number): number => {
        this.flushPasses();
        const a = addr >>> 0;
        if (mem.storeIsWatched(a, size)) return 1;
        const code = this.byCid[cid]!.code;
        if ((mem.watched[a >>> 12]! & WATCH_CODE) !== 0 && this.limits?.writesOwnCode?.(code, a, size)) return 2;
        return 0;
      },
      ioLoad: (addr: number, size: number): number => {
        this.noMorePasses();
        const a = addr >>> 0;
        this.i32[sc(S.ioStatus)] = 0;
        this.i32[sc(S.ioStall)] = 0;
        const ram = mem.isRam(a);
        if (!ram && !mem.deviceAt(a)) { this.i32[sc(S.ioStatus)] = 1; return 0; }
        if (ram) this.i32[sc(S.ioStall)] = this.rt.dcache(a, 0);
        try {
          return mem.load(a, size as AccessSize);
        } catch (e) {
          if (e instanceof GuestTrap) { this.i32[sc(S.ioStatus)] = 1; return 0; }
          throw e;
        }
      },
      ioStore: (addr: number, size: number, value: number, cid: number, molecule: number): void => {
        this.noMorePasses();
        const a = addr >>> 0;
        this.i32[sc(S.ioStatus)] = 0;
        this.i32[sc(S.ioStall)] = 0;
        const ram = mem.isRam(a);
        if (!ram && !mem.deviceAt(a)) { this.i32[sc(S.ioStatus)] = 1; return; }
        if (ram) this.i32[sc(S.ioStall)] = this.rt.dcache(a, 1);
        // Code-write listeners may add cycles here, before the next commit point: remember
        // them, a fault before that commit moves them to rollback as the reference does.
        const before = mem.watched[a >>> 12] !== 0 ? this.account.by.slice() : undefined;
        try {
          mem.store(a, size as AccessSize, value);
        } catch (e) {
          if (e instanceof GuestTrap) { this.i32[sc(S.ioStatus)] = 1; return; }
          throw e;
        }
        if (st.stopRequested) this.i32[sc(S.stop)] = 1;
        if (before) {
          const diff = this.account.by.map((v, i) => v - before[i]!);
          const c = this.byCid[cid]!;
          this.pendingJs.push({ cid, run: this.exitsTaken(c), molecule, diff });
        }
      },
    };
  }

  /** A free table index (byCid holds a place for it until its Compiled is made). */
  private newCid(): number {
    const cid = this.freeCids.pop();
    if (cid !== undefined) return cid;
    this.byCid.push(undefined);
    return this.byCid.length - 1;
  }

  private allocRec(bytes: number): number {
    const list = this.freeRecs.get(bytes);
    const r = list?.pop();
    if (r !== undefined) return r;
    return this.mem.alloc(bytes, 8);
  }

  /**
   * What a batch compiles, function by function: `codes` alone or in groups (groupsOf), the
   * groups found among them and the translations compiled before (a loop whose members were
   * compiled in different batches, or linked since); a group already compiled as such is
   * not compiled again.
   */
  private plan(codes: readonly HostCode[]): HostCode[][] {
    if (!this.groups) return codes.map((c) => [c]);
    const fresh = new Set(codes);
    const pool = [...codes];
    for (const c of this.byCid) if (c && this.compiled.get(c.code) === c && c.hostAddr === c.code.hostAddr && !fresh.has(c.code)) pool.push(c.code);
    return groupsOf(pool).filter((g) => {
      if (g.length === 1) return fresh.has(g[0]!);
      const was = this.compiled.get(g[0]!)?.group;
      return was?.length !== g.length || g.some((c) => this.compiled.get(c)?.group !== was);
    });
  }

  /** Compile `codes` into one module (one function each): V8's per-module cost is paid once per batch. */
  private compileBatch(codes: readonly HostCode[]): void {
    const t0 = process.cpuUsage();
    const b = this.b;
    const m = newTranslationModule(b, this.mem.linearBytes / 65536);
    const made: Compiled[] = [];
    const entryOf: string[] = [];
    const env = { b, m, L: this.L, desc: this.state.machine, costs: this.exitCosts, moleculeBytes: this.moleculeBytes, pred: this.pred, siteId: this.siteId, watchDue: this.logs };
    const fresh = new Set(codes);
    for (const [g, group] of this.plan(codes).entries()) {
      const members = group.map((code) => {
        const old = fresh.has(code) ? undefined : this.compiled.get(code)!;
        if (old) return old;
        const cid = this.newCid();
        const recBytes = recordLayout(code).bytes;
        const rec = this.allocRec(recBytes);
        this.refreshViews();
        // A recycled record keeps its generation: links to its previous owner stay dead.
        const gen = this.i32[(rec + R.gen) >> 2]!;
        this.u8().fill(0, rec, rec + recBytes);
        this.i32[(rec + R.gen) >> 2] = gen;
        this.i32[(rec + R.cid) >> 2] = cid;
        return { code, cid, rec, recBytes };
      });
      const { outs, entries } = compileGroup(env, members, `g${g}`);
      if (members.length > 1) this.compileStats.groups++;
      const mates: Compiled[] | undefined = members.length > 1 ? [] : undefined;
      members.forEach((x, k) => {
        const out = outs[k]!;
        m.addFunctionExport(entries[k]!, entries[k]!);
        entryOf.push(entries[k]!);
        // Already compiled (now in a group): same exits and sites, its record and counters stay.
        if ('exits' in x) {
          // Its old group's function stays in the others' table entries: they go too.
          for (const o of x.group ?? []) if (!members.includes(o)) this.drop(o);
          x.group = mates;
          mates?.push(x);
          made.push(x);
          return;
        }
        const { code, cid, rec, recBytes } = x;
        for (const [at, v] of out.words) this.i32[at >> 2] = v;
        this.setDue(rec, code);
        const n = out.exits.length;
        const c: Compiled = {
          code, cid, rec, recBytes, hostAddr: code.hostAddr, exits: out.exits, sites: out.sites,
          jsTaken: new Float64Array(n), jsChained: new Float64Array(n), disp: new Float64Array(n), group: mates,
        };
        mates?.push(c);
        this.byCid[cid] = c;
        if (cid >= this.cidTag.length) {
          const t = new Int32Array(Math.max(cid + 1, 2 * this.cidTag.length));
          t.set(this.cidTag);
          this.cidTag = t;
        }
        this.cidTag[cid] = code.tag;
        const same = this.byTag.get(code.tag);
        if (same) same.push(c);
        else this.byTag.set(code.tag, [c]);
        made.push(c);
      });
    }
    // V8 validates the module as it compiles it; binaryen's validator (a tenth of the
    // compile time) runs only to explain a failure.
    let mod: WebAssembly.Module;
    try {
      mod = new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>);
    } catch (e) {
      const ir = m.validate() ? 'valid' : 'invalid (binaryen printed why)';
      m.dispose();
      throw new Error(`fast executor: translations ${codes.map((c) => c.tag).join(',')} compiled to invalid wasm; binaryen IR ${ir}: ${String(e)}`);
    }
    m.dispose();
    const inst = new WebAssembly.Instance(mod, this.imports);
    const maxCid = Math.max(...made.map((c) => c.cid));
    if (maxCid >= this.table.length) this.table.grow(Math.max(maxCid + 1 - this.table.length, this.table.length));
    made.forEach((c, k) => {
      this.table.set(c.cid, inst.exports[entryOf[k]!] as () => number);
      this.compiled.set(c.code, c);
      this.byRec.set(c.rec, c);
      this.cold.delete(c.code);
    });
    this.ensureTouchCapacity(this.byRec.size + 1);
    // IBTC entries and return links already leading to these translations now lead to
    // their compiled code.
    if (this.pred) {
      const entries = this.pred.sets * this.pred.ways;
      for (let w = 0; w < entries; w++) {
        const code = this.predictor.entry(w);
        if (code && this.compiled.has(code)) this.mirrorIbtc(w, code);
      }
      for (const c of made) for (const id of this.predictor.sitesLinkedTo(c.code)) this.mirrorLink(id, c.code);
    }
    this.compileStats.translations += codes.length;
    this.compileStats.modules++;
    const t = process.cpuUsage(t0);
    this.compileStats.seconds += (t.user + t.system) / 1e6;
  }

  private u8(): Uint8Array {
    return new Uint8Array(this.mem.wasm.buffer);
  }

  /**
   * `code` is about to run: its compiled form, compiling it (with every other translation
   * seen warm) once it is hot; null while it is cold (the reference executor runs it).
   */
  private ready(code: HostCode): Compiled | null {
    const c = this.compiled.get(code);
    if (c && c.hostAddr === code.hostAddr) return c;
    if (c) {
      // Moved: its compiled code fetches from the old address. Its figures so far first
      // (it may have run earlier in this run).
      this.syncCodes();
      this.doRelease(c);
    }
    if (code.execCount + 1 < this.compileAfter) {
      this.cold.add(code);
      return null;
    }
    const batch = [code];
    for (const o of this.cold) {
      if (batch.length >= MAX_BATCH) break;
      if (o !== code && o.execCount >= Math.min(BATCH_WARM, this.compileAfter)) batch.push(o);
    }
    this.compileBatch(batch);
    return this.compiled.get(code)!;
  }

  /** The translation cache dropped `code`: free its compiled form (after the current run). */
  release(code: HostCode): void {
    this.cold.delete(code);
    const c = this.compiled.get(code);
    if (c) this.drop(c);
  }

  /** Release `c` now, or after the current run (its code may be on the stack). */
  private drop(c: Compiled): void {
    if (this.compiled.get(c.code) === c) this.compiled.delete(c.code);
    if (this.running) this.pendingRelease.push(c);
    else this.doRelease(c);
  }

  releaseAll(): void {
    for (const c of this.byCid) if (c) this.release(c.code);
    this.cold.clear();
  }

  private doRelease(c: Compiled): void {
    if (this.byCid[c.cid] !== c) return;
    if (this.compiled.get(c.code) === c) this.compiled.delete(c.code);
    this.refreshViews();
    this.foldExits(c, this.folded);
    this.i32[(c.rec + R.gen) >> 2]!++;
    this.table.set(c.cid, null);
    this.byCid[c.cid] = undefined;
    const same = this.byTag.get(c.code.tag)!;
    if (same.length === 1) this.byTag.delete(c.code.tag);
    else same.splice(same.indexOf(c), 1);
    this.byRec.delete(c.rec);
    this.freeCids.push(c.cid);
    let list = this.freeRecs.get(c.recBytes);
    if (!list) this.freeRecs.set(c.recBytes, (list = []));
    list.push(c.rec);
    // Its group's function holds its code and record address (free for reuse now): the
    // others go too, at once, so that nothing can enter that function again.
    for (const o of c.group ?? []) if (o.group === c.group) this.doRelease(o);
  }

  /** Add what `c`'s exits did (static counters times executions) to `into`. */
  private foldExits(c: Compiled, into: Counters): void {
    c.exits.forEach((x, j) => {
      const at = (c.rec + R.exits + j * RX.bytes) >> 3;
      const chained = this.f64[at + (RX.chained >> 3)]!;
      const n = chained + this.f64[at + (RX.predicted >> 3)]! + c.jsTaken[j]!;
      into.chained += chained + c.jsChained[j]!;
      into.toDispatcher += c.disp[j]!;
      if (n !== 0) addVec(into, x.vec, n);
    });
  }

  stats(): Record<string, number> {
    this.refreshViews();
    const c = { ...this.folded };
    for (const comp of this.byCid) if (comp) this.foldExits(comp, c);
    c.sbPeak = Math.max(c.sbPeak, this.i32[(this.L.s + S.sbPeak) >> 2]!);
    const mine = execStats.values(c);
    const theirs = this.ref.stats();
    for (const k of Object.keys(mine)) mine[k] = k === 'exec.sbPeak' ? Math.max(mine[k]!, theirs[k]!) : mine[k]! + theirs[k]!;
    return mine;
  }

  execute(entry: HostCode, limits: ExecLimits): ExecResult {
    const first = this.ready(entry);
    // The embedded reference executor never goes on past a run: hot code must come back here.
    if (!first) return this.runReference(entry, limits.continueRun ? { ...limits, continueRun: undefined } : limits, 0);
    const st = this.state;
    const L = this.L;
    st.stopRequested = false;
    // With a hook, JS sees every transfer (one translation per call); with only a log, the
    // translations write it, at most logCap entries per call.
    const log = limits.onChain ? undefined : limits.chainLog;
    if (log && !this.logs) throw new Error('fast executor: given a chain log, but built without (WasmExecutor logs)');
    if (log) this.ensureLogCapacity(LOG_ENTRIES);
    this.refreshViews();
    const i32 = this.i32;
    const f64 = this.f64;
    const s4 = L.s >> 2;
    const s8 = L.s >> 3;
    i32[s4 + (S.sbCount >> 2)] = 0;
    i32[s4 + (S.alCount >> 2)] = 0;
    i32[s4 + (S.stop >> 2)] = 0;
    i32[s4 + (S.touchN >> 2)] = 0;
    i32[s4 + (S.passPtr >> 2)] = this.passBase;
    i32[s4 + (S.runLen >> 2)] = limits.maxChain;
    i32[s4 + (S.dueSeen >> 2)] = 0;
    this.passBudget = 0;
    this.now0 = this.account.total();
    this.jsExitCycles = 0;
    this.runExitCycles = 0;
    f64[s8 + (S.now >> 3)] = this.now0;
    f64[s8 + (S.irq >> 3)] = limits.interruptAtCycle;
    f64[s8 + (S.retired >> 3)] = 0;
    f64[s8 + (S.exitCycles >> 3)] = 0;
    f64[s8 + (S.cycStallI >> 3)] = 0;
    f64[s8 + (S.cycStallD >> 3)] = 0;
    this.limits = limits;
    if (this.pendingJs.length !== 0) this.pendingJs.length = 0;
    this.running = true;
    let cur = first;
    let started = 0;
    const maxChain = limits.maxChain;
    let handover: { code: HostCode; retired: number } | undefined;
    try {
      for (;;) {
        this.i32[s4 + (S.logPtr >> 2)] = log ? this.logBase : 0;
        // With a log, each transfer inside a run writes at most two entries (drainLog).
        const room = log ? this.logCap >> 1 : Infinity;
        const len = limits.onChain ? 1 : Math.min(maxChain - started, room + 1);
        this.i32[s4 + (S.passLeft >> 2)] = Math.min(this.passBudget, PASS_ENTRIES, Math.floor((room - len + 1) / maxChain));
        const r = this.rt.run(cur.rec, len);
        // Past a passed run end, the current run began there (a full run's S.runLen).
        started = this.flushPasses() > 0 ? maxChain - this.i32[s4 + (S.left >> 2)]! : started + this.i32[s4 + (S.started >> 2)]!;
        if (log) this.drainLog(log, (this.i32[s4 + (S.logPtr >> 2)]! - this.logBase) >> 3);
        if (r === -2) return this.finishFault();
        const from = this.byCid[this.i32[s4 + (S.exitCid >> 2)]!]!;
        const j = this.i32[s4 + (S.exitIdx >> 2)]!;
        const ex = from.exits[j]!;
        const target = this.u32[s4 + (S.exitTarget >> 2)]!;
        let next: HostCode | null;
        let patch = false;
        if (r === -3) {
          next = this.byCid[this.i32[s4 + (S.chainTo >> 2)]!]!.code;
        } else if (r === -4) {
          next = this.transfer(from, j, ex, target);
          patch = next !== null && ex.chainable && next === ex.atom.link;
        } else {
          throw new Error(`fast executor: bad run status ${r}`);
        }
        if (next && started >= maxChain && limits.continueRun) {
          // The run ends here; its caller may account it and have us go on with a new one.
          this.syncCodes();
          const res = this.exitResult(from, ex, target, next);
          const go = limits.continueRun(res, this.f64[s8 + (S.now >> 3)]!);
          if (go <= 0) {
            this.sync();
            return res;
          }
          // Bounded, so that a record's executions not yet copied stay far below 2^31.
          this.passBudget = limits.passRun ? Math.min(go - 1, MAX_PASSES) : 0;
          this.i32[s4 + (S.dueSeen >> 2)] = 0;
          started = 0;
          this.f64[s8 + (S.retired >> 3)] = 0;
          if (this.pendingJs.length !== 0) this.pendingJs.length = 0;
        } else if (next && started < maxChain) {
          if (limits.onChain) {
            // The hook may read the translations' figures (tier-2 promotion): as the
            // reference has them at this transfer.
            this.syncCodes();
            limits.onChain(from.code, this.f64[s8 + (S.retired >> 3)]!, target);
          }
          if (log) {
            log.push(from.code.tag, target);
            const count = from.code.execCount + this.i32[(from.rec + R.execs) >> 2]!;
            if (count >= (from.code.dueAt ?? Infinity)) {
              log.noteDue(from.code.tag, count);
              this.i32[s4 + (S.dueSeen >> 2)] = 1;
            }
          }
        }
        if (next && started < maxChain) {
          const nc = this.ready(next);
          this.refreshViews();
          if (!nc) {
            // A cold target: the reference executor continues the chain.
            handover = { code: next, retired: this.f64[s8 + (S.retired >> 3)]! };
            this.sync();
            break;
          }
          if (patch) {
            // Patch the exit's slot: next time the transfer stays inside wasm.
            const slot = (from.rec + R.exits + j * RX.bytes) >> 2;
            this.i32[slot + (RX.slotRec >> 2)] = nc.rec;
            this.i32[slot + (RX.slotGen >> 2)] = this.i32[(nc.rec + R.gen) >> 2]!;
          }
          cur = nc;
          continue;
        }
        return this.finishExit(from, ex, target, next);
      }
    } finally {
      this.running = false;
      this.limits = undefined;
      if (this.pendingRelease.length !== 0) {
        for (const c of this.pendingRelease) this.doRelease(c);
        this.pendingRelease.length = 0;
      }
    }
    return this.runReference(handover.code, { ...limits, maxChain: maxChain - started, continueRun: undefined }, handover.retired);
  }

  /**
   * A taken exit that wasm left to JS: where control goes and what it costs, decided as the
   * reference executor decides (its link, the indirect-branch predictor, or the dispatcher).
   */
  private transfer(from: Compiled, j: number, ex: ExitInfo, target: number): HostCode | null {
    const a = ex.atom;
    const follow = !this.state.stopRequested;
    const pred = this.predictor;
    const costs = this.exitCosts;
    let cost = ex.kindCost;
    let link: HostCode | null = null;
    let predicted: HostCode | null = null;
    switch (ex.kind) {
      case 'exit': case 'exitIf': link = a.link; break;
      case 'exitCall': cost += pred.call(a.retPc, a); link = a.link; break;
      case 'exitIndCall': cost += pred.call(a.retPc, a); predicted = pred.jump(target, follow); cost += pred.cost; break;
      case 'exitInd': predicted = pred.jump(target, follow); cost += pred.cost; break;
      case 'exitRet': predicted = pred.ret(target, follow); cost += pred.cost; break;
      default: throw new Error(`fast executor: ${a.op} is not an exit`);
    }
    if (link !== null && follow) { cost += costs.chained; from.jsChained[j]!++; }
    else if (predicted === null) { cost += costs.toDispatcher; from.disp[j]!++; link = null; }
    else link = predicted;
    from.jsTaken[j]!++;
    from.code.cycles += cost;
    this.jsExitCycles += cost;
    this.f64[(this.L.s + S.now) >> 3]! += cost;
    return link;
  }

  /** Run `code` (cold) in the reference executor; `retired` were retired earlier in this run. */
  private runReference(code: HostCode, limits: ExecLimits, retired: number): ExecResult {
    const log = limits.chainLog;
    const logged = log ? log.length : 0;
    const res = this.ref.execute(code, retired === 0 || !limits.onChain ? limits
      : { ...limits, onChain: (from, n, target) => limits.onChain!(from, n + retired, target) });
    this.refreshViews();
    if (log) {
      // Compiled ones among them: their copied executions changed.
      for (let k = logged; k < log.length; k++) this.dueAfterReference(log.tag[k]!);
      this.dueAfterReference(res.code.tag);
    }
    syncCacheCounters(this.f64, this.u32, this.L.l1i, this.hierarchy.l1i);
    syncCacheCounters(this.f64, this.u32, this.L.l1d, this.hierarchy.l1d);
    syncCacheCounters(this.f64, this.u32, this.L.l2, this.hierarchy.l2);
    return retired === 0 ? res : { ...res, retired: res.retired + retired };
  }

  /**
   * Copy back what the run did: registers, per-translation figures (each exit's static part
   * times how often it was taken, plus the stalls), cycles by category, cache counters.
   * `execute` cycles are the run's time less stalls and exits; `committedInFault` adds the
   * part of a faulting translation that its commit atoms made permanent.
   */
  private sync(committedInFault = 0): void {
    const st = this.state;
    const L = this.L;
    const f64 = this.f64;
    // As after the reference's runs: shadows equal the (committed) working registers.
    st.checkpoint();
    st.sbCount = 0;
    st.alCount = 0;
    this.syncCodes();
    const exitCycles = this.runExitCycles;
    this.runExitCycles = 0;
    const s8 = L.s >> 3;
    const acct = this.account;
    const stallI = f64[s8 + (S.cycStallI >> 3)]!;
    const stallD = f64[s8 + (S.cycStallD >> 3)]!;
    acct.add(Cyc.execute, f64[s8 + (S.now >> 3)]! - this.now0 - stallI - stallD - exitCycles + committedInFault);
    acct.add(Cyc.stallIcache, stallI);
    acct.add(Cyc.stallDcache, stallD);
    acct.add(Cyc.exit, exitCycles);
    syncCacheCounters(f64, this.u32, L.l1i, this.hierarchy.l1i);
    syncCacheCounters(f64, this.u32, L.l1d, this.hierarchy.l1d);
    syncCacheCounters(f64, this.u32, L.l2, this.hierarchy.l2);
  }

  /** Bring the executions and cycles of the translations run since the last call up to date
   * on their HostCode (what the runtime's policies read), and their exit cycles into the run's. */
  private syncCodes(): void {
    const L = this.L;
    const i32 = this.i32;
    const f64 = this.f64;
    const tb = i32[(L.s + S.touchBase) >> 2]! >> 2;
    const n = i32[(L.s + S.touchN) >> 2]!;
    for (let k = 0; k < n; k++) {
      const c = this.byCid[i32[tb + k]!]!;
      const rec = c.rec;
      const code = c.code;
      code.execCount += i32[(rec + R.execs) >> 2]!;
      code.cycles += f64[(rec + R.cycles) >> 3]!;
      i32[(rec + R.execs) >> 2] = 0;
      this.setDue(rec, code);
      f64[(rec + R.cycles) >> 3] = 0;
      i32[(rec + R.touched) >> 2] = 0;
    }
    i32[(L.s + S.touchN) >> 2] = 0;
    // Chained transfers' costs were summed in wasm; JS-decided ones were added as taken.
    this.runExitCycles += f64[(L.s + S.exitCycles) >> 3]! + this.jsExitCycles;
    f64[(L.s + S.exitCycles) >> 3] = 0;
    this.jsExitCycles = 0;
  }

  /** The record's R.due: `code`'s dueAt less the executions copied to it (its record counts
   * the rest from 0), saturated to an i32. */
  private setDue(rec: number, code: HostCode): void {
    this.i32[(rec + R.due) >> 2] = Math.max(0, Math.min(0x7fffffff, (code.dueAt ?? Infinity) - code.execCount));
  }

  noteDueAt(code: HostCode): void {
    const c = this.compiled.get(code);
    if (!c) return;
    this.refreshViews();
    this.setDue(c.rec, code);
  }

  /** The reference executor ran (and counted) translations tagged `tag`: their records' R.due. */
  private dueAfterReference(tag: number): void {
    const cs = this.byTag.get(tag);
    if (cs) for (const c of cs) this.setDue(c.rec, c.code);
  }

  /** Runs of `c` that ended at an exit so far (identifies its current run). */
  private exitsTaken(c: Compiled): number {
    let n = 0;
    for (let j = 0; j < c.exits.length; j++) {
      const x = (c.rec + R.exits + j * RX.bytes) >> 3;
      n += this.f64[x + (RX.chained >> 3)]! + this.f64[x + (RX.predicted >> 3)]! + c.jsTaken[j]!;
    }
    return n;
  }

  private finishExit(from: Compiled, ex: ExitInfo, target: number, chainTo: HostCode | null): ExecResult {
    const res = this.exitResult(from, ex, target, chainTo);
    this.sync();
    return res;
  }

  private exitResult(from: Compiled, ex: ExitInfo, target: number, chainTo: HostCode | null): ExitResult {
    const retired = this.f64[(this.L.s + S.retired) >> 3]!;
    return { kind: 'exit', code: from.code, exitAtom: ex.atom as Atom, molecule: ex.molecule, atom: ex.atomIdx, target, retired, chainTo };
  }

  private finishFault(): ExecResult {
    const L = this.L;
    const s4 = L.s >> 2;
    const s8 = L.s >> 3;
    // Read the fault before sync() clears the touched records.
    const c = this.byCid[this.i32[s4 + (S.exitCid >> 2)]!]!;
    const site = c.sites[this.i32[s4 + (S.faultSite >> 2)]!]!;
    const cause = FAULT_CAUSES[this.i32[s4 + (S.faultCause >> 2)]!]!;
    const addr = this.u32[s4 + (S.faultAddr >> 2)]!;
    const run = this.exitsTaken(c);
    const retired = this.f64[s8 + (S.retired >> 3)]! + site.commitRetired;
    const runStall = this.f64[s8 + (S.runStall >> 3)]!;
    const pendingStall = this.f64[s8 + (S.pendStallI >> 3)]! + this.f64[s8 + (S.pendStallD >> 3)]!;
    const wasted = site.pendingExec + pendingStall;
    this.sync(site.exec - site.pendingExec + runStall - pendingStall);
    c.code.execCount++;
    c.code.cycles += site.exec + runStall;
    addVec(this.folded, site.vec, 1);
    this.folded[ROLLBACK_COUNTER[cause]]++;
    // The run's cycles since the last commit point were added above as committed ones only
    // up to that point; the rest is wasted work.
    const acct = this.account;
    acct.add(Cyc.rollback, wasted);
    for (const p of this.pendingJs) {
      if (p.cid !== c.cid || p.run !== run || p.molecule <= site.lastCommitMol) continue;
      p.diff.forEach((v, cat) => { if (cat !== Cyc.rollback && v !== 0) acct.move(cat, Cyc.rollback, v); });
    }
    return {
      kind: 'fault', code: c.code, cause, molecule: site.molecule, atom: site.atomIdx, addr, retired,
      commitPc: site.commitPc,
    };
  }
}

/** Most translations, and molecules, one group function holds. */
const MAX_GROUP = 8;
const MAX_GROUP_MOLECULES = 256;

/**
 * The batch split into groups compiled as one function each: the loops of several
 * translations (strongly connected sets under their exits' links, Tarjan's algorithm) within
 * the size limits, every other translation alone. Deterministic: batch order, atom order.
 */
export function groupsOf(codes: readonly HostCode[]): HostCode[][] {
  const index = new Map<HostCode, number>();
  codes.forEach((c, i) => { if (canLoop(c)) index.set(c, i); });
  const succ = (c: HostCode): number[] => {
    const out: number[] = [];
    for (const mol of c.molecules) for (const a of mol.atoms) {
      const t = a.link === null || a.link === c ? undefined : index.get(a.link);
      if (t !== undefined && !out.includes(t)) out.push(t);
    }
    return out;
  };
  const order = new Int32Array(codes.length).fill(-1);
  const low = new Int32Array(codes.length);
  const onStack = new Uint8Array(codes.length);
  const stack: number[] = [];
  const sccOf = new Int32Array(codes.length).fill(-1);
  const sccs: number[][] = [];
  let next = 0;
  // Iterative Tarjan (a translation's successors are few; the batch can be long).
  for (const start of index.values()) {
    if (order[start] !== -1) continue;
    const work: [number, number[], number][] = [[start, succ(codes[start]!), 0]];
    order[start] = low[start] = next++;
    stack.push(start); onStack[start] = 1;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, ss] = top;
      if (top[2] < ss.length) {
        const w = ss[top[2]++]!;
        if (order[w] === -1) {
          order[w] = low[w] = next++;
          stack.push(w); onStack[w] = 1;
          work.push([w, succ(codes[w]!), 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
        continue;
      }
      work.pop();
      if (work.length) { const u = work[work.length - 1]![0]; low[u] = Math.min(low[u]!, low[v]!); }
      if (low[v] === order[v]) {
        const scc: number[] = [];
        let w: number;
        do { w = stack.pop()!; onStack[w] = 0; scc.push(w); } while (w !== v);
        scc.sort((x, y) => x - y);
        for (const x of scc) sccOf[x] = sccs.length;
        sccs.push(scc);
      }
    }
  }
  const fits = (scc: number[]) => scc.length > 1 && scc.length <= MAX_GROUP
    && scc.reduce((n, i) => n + codes[i]!.molecules.length, 0) <= MAX_GROUP_MOLECULES;
  const out: HostCode[][] = [];
  const done = new Set<number>();
  codes.forEach((c, i) => {
    const k = sccOf[i]!;
    if (k < 0 || !fits(sccs[k]!)) { out.push([c]); return; }
    if (done.has(k)) return;
    done.add(k);
    out.push(sccs[k]!.map((x) => codes[x]!));
  });
  return out;
}

function addVec(into: Counters, vec: Float64Array, n: number): void {
  VEC.forEach((name, i) => { into[name] += vec[i]! * n; });
}
