/**
 * The baseline machine researchers compare the co-designed VM against: a classic 5-stage
 * in-order scalar RV32 pipeline (IF ID EX MEM WB; Hennessy & Patterson) with full
 * forwarding, static predict-not-taken, and the L1I/L1D/L2 hierarchy of cache.ts. It runs
 * guest code directly, with no translation.
 *
 * The core adds TIMING ONLY. Architectural behaviour comes from stepping the reference
 * interpreter one instruction at a time (constructed with cyclesPerInsn 0: this core owns
 * simulated time); the timing of each step is computed from the decoded instruction, its
 * registers as they were before it ran (for the effective address) and the pc change (for
 * taken branches). So the core cannot diverge from the specification.
 *
 * Timing model, per retired instruction:
 * - `execute`: 1 cycle (steady state: the 4-cycle pipeline fill at reset is not modelled);
 * - `stallIcache`: the I-cache stall of fetching at its pc;
 * - `stallDcache`: the D-cache stall of a load or store (device MMIO is uncached and pays
 *   `cache.memLatency`, one bus round trip);
 * - `stallPipeline`:
 *   · load-use: a result of a load is forwarded from MEM, so an instruction that reads it
 *     directly after the load waits `inorder.loadUse` cycles;
 *   · multiply: the multiplier is pipelined with result latency `inorder.mulLatency`; a
 *     dependent instruction d instructions later waits mulLatency - d cycles (none once
 *     d >= mulLatency); independent instructions flow past it;
 *   · divide: the divider is NOT pipelined and holds EX for `inorder.divLatency` cycles, so
 *     every div/divu/rem/remu stalls the pipeline divLatency - 1 cycles whether or not the
 *     next instruction depends on it (its result is then ready by the time anyone reads it);
 *   · taken conditional branches and every jal/jalr: `inorder.branchPenalty` bubble cycles
 *     (resolved in EX under predict-not-taken; not-taken branches cost nothing extra);
 * - `system`: csrr*, ecall, ebreak, mret, wfi and fence.i drain the pipeline:
 *   `inorder.systemCost` cycles (this includes any redirect they cause). A trap costs the
 *   faulting instruction's slot plus the drain (1 + systemCost), an interrupt the drain;
 * - `idle`: cycles the interpreter skipped in wfi waiting for an interrupt.
 * Caches are blocking: a miss freezes the whole pipeline, so producer-consumer distances
 * (and so the hazard stalls above) are counted in pipeline-advancing cycles only, which is
 * why the core keeps its own `pipe` time next to the clock.
 *
 * Simulated time stays consistent: after every step env.clock.cycles has advanced by
 * exactly the cycles charged (the account receives them when run() or step() returns), so
 * the CLINT timer, mcycle and the guest's clock_gettime see the baseline core's time.
 *
 * Two engines give the same cycles and statistics. `reference` times one interp.step() at
 * a time with its own code (retiredReference: the oracle). `fast` lets the interpreter's
 * loop run (runObserved) and times a basic block at a time: a TimingBlock holds what the
 * model makes static for the block's words (execute cycles, hazards inside it, the divider,
 * a jump's bubble, which instructions fetch a new line or access data), and at run time
 * only the rest is added — hazards from before the block, cache lookups in program order,
 * whether the final branch was taken. Where a block cannot be timed that way (a result from
 * before it still pending where it is read, an exception or a store cutting it short) its
 * instructions go through retired() one by one, and whatever is not an ordinary instruction
 * (system instructions, interrupts, wfi, exits) through step(). Between two instructions of
 * a block the clock does not move, so a block runs only when the clock cannot reach the
 * interpreter's next check inside it, and, on a platform with devices, only if it neither
 * loads nor stores (a device read sees the clock).
 */
import { assertNever, invariant } from '../core/assert.ts';
import type { Config } from '../core/params.ts';
import { counter, defineStats, formula, ratio, StatRegistry } from '../core/stats.ts';
import type { AluOp } from '../core/alu.ts';
import { decode, type Decoded } from '../isa-guest/decode.ts';
import type { GuestEnv } from '../isa-guest/env.ts';
import type { Hart } from '../isa-guest/hart.ts';
import { PAGE_BITS, PAGE_SIZE } from '../isa-guest/memory.ts';
import { writesRd, type Sem } from '../isa-guest/isa.ts';
import { Interpreter, NOTE_STEP, type RetireObserver, type StopReason } from '../isa-guest/interp.ts';
import { MemoryHierarchy } from './cache.ts';
import { CYCLE_CATEGORIES, Cyc, type CycleAccount } from './cycles.ts';
import { inorderParams } from './params.ts';

/** What the pipeline cares about in an instruction (small ints: compared on the hot path). */
const Kind = {
  alu: 0,
  mul: 1,
  div: 2,
  load: 3,
  store: 4,
  branch: 5,
  jump: 6,
  system: 7,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Which functional unit each ALU op occupies; a new op does not compile until placed here. */
const ALU_UNIT = {
  add: Kind.alu, sub: Kind.alu, sll: Kind.alu, slt: Kind.alu, sltu: Kind.alu, xor: Kind.alu,
  srl: Kind.alu, sra: Kind.alu, or: Kind.alu, and: Kind.alu,
  mul: Kind.mul, mulh: Kind.mul, mulhsu: Kind.mul, mulhu: Kind.mul,
  div: Kind.div, divu: Kind.div, rem: Kind.div, remu: Kind.div,
} as const satisfies Record<AluOp, Kind>;

/** Who produced a register's pending value, to attribute hazard stalls. */
const Producer = { none: 0, load: 1, mul: 2 } as const;

function kindOf(s: Sem): Kind {
  switch (s.kind) {
    case 'alu': return ALU_UNIT[s.op];
    case 'lui': case 'auipc': return Kind.alu;
    case 'load': return Kind.load;
    // Store data is read in EX like any operand (no MEM-to-MEM forwarding path).
    case 'store': return Kind.store;
    case 'branch': return Kind.branch;
    case 'jal': case 'jalr': return Kind.jump;
    // A fence orders memory; with blocking caches and one access at a time it has nothing to wait for.
    case 'fence': return Kind.alu;
    case 'csr': case 'fence.i': case 'ecall': case 'ebreak': case 'mret': case 'wfi': return Kind.system;
    default: return assertNever(s, 'sem kind');
  }
}

/**
 * The timing-relevant fields of one instruction word, packed in an int32 (the interpreter's
 * per-word note, and the reference engine's per-pc cache: typed arrays, no objects):
 *   bit 0 NOTE_STEP (system instructions: the fast engine leaves them to step()),
 *   bits 1-4 kind + 1 (ILLEGAL = does not decode), 5-9 rd, 10-14 rs1, 15-19 rs2,
 *   20-31 the 12-bit signed immediate of a load or store.
 * Register fields the format lacks are 0 in Decoded, and rd is packed as 0 when nothing is
 * written: x0 never has a pending result, so the hazard check needs no per-kind lists.
 */
const ILLEGAL = 15;
const kindOfNote = (note: number): number => ((note >>> 1) & 15) - 1;

function packDecoded(d: Decoded | undefined): number {
  if (d === undefined) return ILLEGAL << 1;
  const sem = d.spec.sem;
  const kind = kindOf(sem);
  const imm = kind === Kind.load || kind === Kind.store ? d.imm & 0xfff : 0;
  const step = kind === Kind.system ? NOTE_STEP : 0;
  return step | (kind + 1) << 1 | (writesRd(sem) ? d.rd : 0) << 5 | d.rs1 << 10 | d.rs2 << 15 | imm << 20;
}

/** Cached timings of one guest page, with the word each was computed from: a word that no
 * longer matches (self-modifying code) is simply decoded again, so no invalidation hook is needed. */
class TimingPage {
  readonly raw = new Int32Array(PAGE_SIZE / 4);
  readonly info = new Int32Array(PAGE_SIZE / 4);
}

/** Most instructions in one timing block (a longer straight line is timed in pieces). */
const MAX_BLOCK = 64;

/**
 * The fast engine's timing of a basic block (up to and including its first branch or jump,
 * within one page, without system instructions), computed once from the notes of its words
 * assuming no register read in it waits for a result produced before it: everything that
 * then does not depend on run-time values. At run time blockRetired() checks that
 * assumption (`entry`), looks up the I-cache lines and data addresses in program order
 * (`events`), and adds the rest; a block that fails the check, or is cut short, is timed
 * one instruction at a time by retired(), as the per-instruction engine does.
 */
class TimingBlock {
  constructor(
    readonly pc: number,
    readonly len: number,
    /** The note of each instruction. */
    readonly notes: Int32Array,
    /** Pipeline-advancing cycles from entry to exit, when the last instruction does not
     * redirect fetch (a not-taken branch): execute cycles plus `stall`. */
    readonly pipe: number,
    /** Of those, stall cycles: hazards inside the block, the divider, a final jump's bubble. */
    readonly stall: number,
    readonly loadUseStalls: number,
    readonly mulStalls: number,
    readonly divStalls: number,
    readonly branchStalls: number,
    readonly loads: number,
    readonly stores: number,
    readonly jumps: number,
    /** Its last instruction is a conditional branch (taken or not is known only at run time). */
    readonly endsInBranch: boolean,
    /** Pairs (register, EX offset): the first read of a register the block has not written
     * yet, early enough that a result produced before the block may still be pending. */
    readonly entry: Int32Array,
    /** Triples (register, offset of the cycle its value is ready, producer) to set in
     * readyAt/producer when the block retires. */
    readonly exit: Int32Array,
    /** The latest of those offsets (0: none). */
    readonly exitMax: number,
    /** Cache accesses in program order: ~k fetches the line of instruction k (the first of
     * each line), 2k + write accesses the data of instruction k. */
    readonly events: Int32Array,
    /** Per event: the I-cache line of a fetch, the immediate (offset) of a data access. */
    readonly eventArgs: Int32Array,
    /** Fetches and data accesses a retire counts as hits unless it looks them up: every
     * fetch of the block (a line just fetched by the instruction before hits on the last
     * line of its set) and every data access, less those blockRetired() passes to the caches. */
    readonly fetchHits: number,
    /** Most cycles the block can take (every access a miss to memory): it may run as a block
     * only while the clock cannot reach the next between-instructions check inside it.
     * Infinity for a block that may never run as one (it loads or stores, and memInBlocks
     * is false), so enterBlock() has one test for both. */
    readonly bound: number,
  ) {
    this.fallPc = (pc + 4 * len) | 0;
  }

  /** The pc after it when its last instruction does not redirect fetch (as an int32). */
  readonly fallPc: number;

  /** Times it retired whole through the fast path since the last flush(), which adds its
   * static counts that many times (so a retire adds none of them itself). */
  runs = 0;
  /** Of those, the times its final branch was taken (countBlocks() charges their bubbles). */
  takenRuns = 0;
}

/** The timing blocks starting at each word of one page, built from the interpreter's
 * decoding `fns` of the page (another decoding of it, after a flush or a PMP mode switch,
 * starts a new BlockPage). */
class BlockPage {
  readonly blocks: (TimingBlock | undefined)[] = new Array<TimingBlock | undefined>(PAGE_SIZE / 4).fill(undefined);
  constructor(readonly fns: readonly unknown[]) {}
}

export const inorderStats = defineStats('inorder', {
  instret: counter('insns', 'guest instructions retired by the baseline in-order core'),
  cycles: counter('cycles', 'cycles of the baseline core (all categories, idle included)'),
  branches: counter('insns', 'conditional branches retired'),
  taken: counter('insns', 'conditional branches taken (each pays the branch penalty)'),
  jumps: counter('insns', 'jal/jalr retired (each pays the branch penalty)'),
  loads: counter('insns', 'loads retired'),
  stores: counter('insns', 'stores retired'),
  loadUseStalls: counter('cycles', 'stall cycles waiting for a load result in the next instruction(s)'),
  mulStalls: counter('cycles', 'stall cycles waiting for a multiply result'),
  divStalls: counter('cycles', 'cycles the unpipelined divider held the pipeline'),
  branchStalls: counter('cycles', 'bubble cycles after taken branches and jumps'),
  traps: counter('traps', 'exceptions and interrupts entered (each drains the pipeline)'),
  cpi: formula('cycles/insn', 'cycles per retired instruction', (g) => ratio(g('inorder.cycles'), g('inorder.instret'))),
  takenRate: formula('ratio', 'share of conditional branches taken', (g) => ratio(g('inorder.taken'), g('inorder.branches'))),
});

const inorderRegistry = new StatRegistry([inorderStats]);

export interface InorderOptions {
  /** A cache hierarchy to use (e.g. one a machine already built from the same config);
   * default: a new one from the `cache.*` parameters. */
  readonly caches?: MemoryHierarchy;
  /** Spike-style commit log of the interpreter, one line per retired instruction (it
   * needs the reference engine's one-step-at-a-time drive, which is then used). */
  readonly commitLog?: (line: string) => void;
}

export class InorderCore implements RetireObserver {
  readonly interp: Interpreter;
  readonly caches: MemoryHierarchy;
  /** How the interpreter is driven: `reference` times one interp.step() at a time (the
   * oracle); `fast` lets the interpreter's own loop report each retire to this core. */
  readonly engine: 'reference' | 'fast';

  instret = 0;
  branches = 0;
  taken = 0;
  jumps = 0;
  loads = 0;
  stores = 0;
  loadUseStalls = 0;
  mulStalls = 0;
  divStalls = 0;
  branchStalls = 0;
  traps = 0;
  /** Cycles charged by this core (equals the account's growth since construction, whenever
   * run() or step() has returned). */
  cycles = 0;

  private readonly branchPenalty: number;
  private readonly loadUse: number;
  private readonly mulLatency: number;
  private readonly divLatency: number;
  private readonly systemCost: number;
  private readonly memLatency: number;
  private readonly timingPages = new Map<number, TimingPage>();
  private lastPageNo = -1;
  private lastPage: TimingPage | undefined = undefined;
  /** Pipeline-advancing cycles so far (excludes cache freezes, idle). */
  private pipe = 0;
  /** Cycles charged but not yet in the account, by category; flush() moves them when run()
   * or step() returns. A retire charges `execute` by counting in `instret` alone, and the
   * stalls only when there are any, so the common instruction does no accounting at all. */
  private readonly pending = new Float64Array(CYCLE_CATEGORIES.length);
  private instretFlushed = 0;
  /** Per register: the pipe cycle from which an instruction in EX may read its value. */
  private readonly readyAt = new Float64Array(32);
  private readonly producer = new Uint8Array(32);
  /** No readyAt is later (the fast engine's bound): once the pipe reaches it, nothing
   * produced so far is pending, and a block needs no entry check. */
  private readyMax = 0;
  /**
   * Per set of the L1I and L1D: the line this core accessed last in it (-1: none since the
   * last flush(), after which others may use the caches), and the hits to such lines not yet
   * passed to the cache. LRU compares ways only within a set, and that line is already the
   * newest of its set, so touching it again changes no replacement decision: only the hit
   * counter needs the news (and a write the dirty bit: `dDirty` says it is known set).
   */
  private readonly iMru: Int32Array;
  private readonly dMru: Int32Array;
  private readonly dDirty: Uint8Array;
  private readonly iSetMask: number;
  private readonly dSetMask: number;
  private iHitsSkipped = 0;
  private dHitsSkipped = 0;
  private readonly iLineBits: number;
  private readonly dLineBits: number;

  /** The fast engine's timing blocks (see TimingBlock), per page, and the one entered last. */
  private readonly blockPages = new Map<number, BlockPage>();
  private lastBlockPage: BlockPage | undefined = undefined;
  private block: TimingBlock | undefined = undefined;
  /** The blocks with `runs` not yet counted. */
  private readonly blocksRun: TimingBlock[] = [];
  /** RetireObserver: x[rs1] of each instruction of the block entered last. */
  readonly blockRs1 = new Int32Array(MAX_BLOCK);
  /** Most cycles a result can still be pending after the pipe time: a block's reads at
   * least this far into it cannot wait for anything produced before it. */
  private readonly maxLag: number;
  /** Most stall cycles of one fetch or data access, misaligned emulation included. */
  private readonly worstFetch: number;
  private readonly worstAccess: number;
  /** Blocks that load or store may run only where no access can reach a device: a device
   * read (mtime) must see the clock as of its own instruction, which a block sets at its end. */
  private readonly memInBlocks: boolean;

  constructor(
    readonly hart: Hart,
    readonly env: GuestEnv,
    cfg: Config,
    readonly account: CycleAccount,
    opts: InorderOptions = {},
  ) {
    const p = inorderParams.read(cfg);
    this.branchPenalty = p.branchPenalty;
    this.loadUse = p.loadUse;
    this.mulLatency = p.mulLatency;
    this.divLatency = p.divLatency;
    this.systemCost = p.systemCost;
    this.engine = opts.commitLog ? 'reference' : p.engine;
    this.caches = opts.caches ?? new MemoryHierarchy(cfg);
    this.memLatency = this.caches.memLatency;
    const { l1i, l1d } = this.caches;
    this.iLineBits = Math.log2(l1i.lineBytes);
    this.dLineBits = Math.log2(l1d.lineBytes);
    this.iSetMask = l1i.sets - 1;
    this.dSetMask = l1d.sets - 1;
    this.iMru = new Int32Array(l1i.sets).fill(-1);
    this.dMru = new Int32Array(l1d.sets).fill(-1);
    this.dDirty = new Uint8Array(l1d.sets);
    // dataAccess() relies on a line lying within one page (RAM is mapped by page).
    invariant(this.caches.l1d.lineBytes <= PAGE_SIZE, 'an L1D line larger than a page');
    this.interp = new Interpreter(hart, env, {
      cyclesPerInsn: 0, commitLog: opts.commitLog, observer: this.engine === 'fast' ? this : undefined,
    });
    this.maxLag = Math.max(this.loadUse, this.mulLatency - 1, 0);
    this.worstFetch = this.caches.l2Latency + this.memLatency;
    this.worstAccess = this.worstFetch + (env.misalignedCost ?? 0);
    // The user platform maps no devices: a load or store outside RAM faults.
    this.memInBlocks = env.name === 'user';
    // A store into a block's words drops the block (the interpreter drops their closures).
    if (this.engine === 'fast') env.memory.addCodeWriteListener((addr) => this.dropBlocks(addr));
  }

  /**
   * Run until the guest exits, a wfi can never wake, or `maxInsns` steps are done. Steps are
   * retired instructions plus traps and interrupts taken, as Interpreter.run counts them,
   * so a trap loop cannot hang.
   */
  run(maxInsns: number): StopReason {
    const r = this.engine === 'fast' ? this.runFast(maxInsns) : this.runReference(maxInsns);
    this.flush();
    return r;
  }

  /** Move the pending cycles into the account and `cycles`. */
  private flush(): void {
    this.countBlocks();
    this.caches.l1i.hits += this.iHitsSkipped;
    this.caches.l1d.hits += this.dHitsSkipped;
    this.iHitsSkipped = 0;
    this.dHitsSkipped = 0;
    // Others may use the caches before the next run.
    this.iMru.fill(-1);
    this.dMru.fill(-1);
    const p = this.pending;
    p[Cyc.execute] += this.instret - this.instretFlushed;
    this.instretFlushed = this.instret;
    for (let c = 0; c < p.length; c++) {
      const n = p[c]!;
      if (n === 0) continue;
      this.account.add(c, n);
      this.cycles += n;
      p[c] = 0;
    }
  }

  private runReference(maxInsns: number): StopReason {
    for (let n = 0; n < maxInsns; n++) {
      const r = this.stepUnflushed();
      if (r === 'exit' || r === 'wfi-stall') return r;
    }
    return 'limit';
  }

  /** The interpreter's loop times ordinary instructions through retired()/trapped(); what it
   * hands back (system instructions, interrupts, exits, wfi) goes through step(). */
  private runFast(maxInsns: number): StopReason {
    const interp = this.interp;
    let n = 0;
    while (n < maxInsns) {
      const emu0 = interp.emulationCycles;
      const r = interp.runObserved(maxInsns - n);
      n += interp.lastCount;
      // The platform's emulation of misaligned accesses (user platform) moved the clock
      // inside the loop: charge it as step() does.
      const emu = interp.emulationCycles - emu0;
      if (emu !== 0) this.pending[Cyc.system] += emu;
      if (r === 'limit' || n >= maxInsns) break;
      const s = this.stepUnflushed();
      n++;
      if (s === 'exit' || s === 'wfi-stall') return s;
    }
    // A store that ends the run (HTIF tohost) as the last step: step() would say 'exit'.
    return this.env.exitCode !== undefined ? 'exit' : 'limit';
  }

  /** One interpreter step (an instruction, or a trap/interrupt entry), timed. Returns the
   * interpreter's reason. */
  step(): StopReason {
    const r = this.stepUnflushed();
    this.flush();
    return r;
  }

  private stepUnflushed(): StopReason {
    const hart = this.hart;
    const interp = this.interp;
    const clock = this.env.clock;
    const pc = hart.pc;
    const info = this.timingAt(pc);
    // The base register as it is before the instruction runs (it may overwrite rs1).
    const rs1Value = hart.x[(info >>> 10) & 31]!;
    const traps0 = interp.trapsTaken;
    const irqs0 = interp.interruptsTaken;
    const instret0 = hart.instret;
    const clock0 = clock.cycles;
    const emu0 = interp.emulationCycles;

    const r = interp.step();

    // With cyclesPerInsn 0 the interpreter moves the clock only to skip time in wfi, and for
    // the platform's emulation of a misaligned access (user platform).
    const emu = interp.emulationCycles - emu0;
    const idle = clock.cycles - clock0 - emu;
    if (idle !== 0) this.pending[Cyc.idle] += idle;
    if (emu !== 0) this.pending[Cyc.system] += emu;
    let spent = idle + emu;

    if (interp.interruptsTaken !== irqs0) {
      // Taken at the boundary before pc (nothing executed): flush and refill at the handler.
      this.traps++;
      this.pending[Cyc.system] += this.systemCost;
      spent += this.systemCost;
      this.pipe += this.systemCost;
    } else if (interp.trapsTaken !== traps0) {
      spent += this.trapped(pc);
    } else if (hart.instret !== instret0) {
      invariant(info !== 0 && kindOfNote(info) <= Kind.system, `retired an instruction at 0x${(pc >>> 0).toString(16)} that does not decode`);
      spent += this.engine === 'fast' ? this.retired(info, pc, hart.pc, rs1Value) : this.retiredReference(info, pc, hart.pc, rs1Value);
    }
    // Otherwise the step only found the guest exiting: no time passes.
    clock.cycles = clock0 + spent;
    return r;
  }

  /** For the interpreter (RetireObserver): the packed timing of a word it decodes. */
  annotate(d: Decoded | undefined): number {
    return packDecoded(d);
  }

  // ---- the fast engine's timing blocks ------------------------------------------------

  /** RetireObserver: the block at pc, if it can run as one now (see TimingBlock). Its rare
   * paths are methods of their own, to keep it small: V8 inlines it and blockRetired() into
   * the interpreter's loop only within a budget of bytecode. */
  enterBlock(pc: number, notes: Int32Array, fns: readonly unknown[], budget: number, cyclesLeft: number): number {
    let page = this.lastBlockPage;
    // The interpreter gives each decoding of a page its own `fns`: the same fns is the same
    // page, so staying on a page costs one comparison.
    if (page === undefined || page.fns !== fns) page = this.blockPageOf(pc, fns);
    const b = page.blocks[(pc & (PAGE_SIZE - 1)) >>> 2] ?? this.newBlock(page, pc, notes, fns);
    // (A bound of Infinity refuses even with no check due: cyclesLeft Infinity.)
    if (b === undefined || b.len > budget || b.bound >= cyclesLeft) return 0;
    this.block = b;
    return b.len;
  }

  /** enterBlock(): the BlockPage of pc's page decoded as `fns`, made the last one. */
  private blockPageOf(pc: number, fns: readonly unknown[]): BlockPage {
    const pageNo = pc >>> PAGE_BITS;
    let page = this.blockPages.get(pageNo);
    if (page === undefined || page.fns !== fns) {
      page = new BlockPage(fns);
      this.blockPages.set(pageNo, page);
    }
    this.lastBlockPage = page;
    return page;
  }

  /** enterBlock(): build and keep the block at pc (undefined: none, see buildBlock()). */
  private newBlock(page: BlockPage, pc: number, notes: Int32Array, fns: readonly unknown[]): TimingBlock | undefined {
    const i = (pc & (PAGE_SIZE - 1)) >>> 2;
    const b = this.buildBlock(pc, notes, fns, i);
    if (b !== undefined) page.blocks[i] = b;
    return b;
  }

  /**
   * The timing block starting at word i of a page (pc), or undefined when the word cannot
   * start one (a system instruction, or not decoded yet) or the straight line from it
   * reaches a word not decoded yet: retired() times it then, and the interpreter's step()
   * decodes what is missing, so the block is built whole later.
   */
  private buildBlock(pc: number, notes: Int32Array, fns: readonly unknown[], i: number): TimingBlock | undefined {
    let len = 0;
    for (;;) {
      const w = i + len;
      if (w >= PAGE_SIZE / 4 || len === MAX_BLOCK) break;
      if (fns[w] === undefined) return undefined;
      const note = notes[w]!;
      const kind = kindOfNote(note);
      if ((note & NOTE_STEP) !== 0 || kind > Kind.system) break;
      len++;
      if (kind === Kind.branch || kind === Kind.jump) break;
    }
    if (len === 0) return undefined;
    const blockNotes = notes.slice(i, i + len);

    // The pipeline from the block's entry (offset 0), as retired() would time it when no
    // register it reads is pending at entry.
    const ready = new Int32Array(32);
    const producer = new Uint8Array(32);
    const written = new Uint8Array(32);
    const checked = new Uint8Array(32);
    const entry: number[] = [];
    const events: number[] = [];
    const eventArgs: number[] = [];
    let p = 0;
    let stall = 0;
    let loadUseStalls = 0;
    let mulStalls = 0;
    let divStalls = 0;
    let branchStalls = 0;
    let loads = 0;
    let stores = 0;
    let jumps = 0;
    let lines = 0;
    for (let k = 0; k < len; k++) {
      const note = blockNotes[k]!;
      const kind = kindOfNote(note) as Kind;
      const rd = (note >>> 5) & 31;
      const rs1 = (note >>> 10) & 31;
      const rs2 = (note >>> 15) & 31;
      const line = ((pc + 4 * k) >>> 0) >>> this.iLineBits;
      if (k === 0 || line !== ((pc + 4 * (k - 1)) >>> 0) >>> this.iLineBits) {
        events.push(~k);
        eventArgs.push(line);
        lines++;
      }
      let ex = p;
      for (const r of [rs1, rs2]) {
        // x0 is never pending; a result from before the block is ready by maxLag.
        if (r !== 0 && written[r] === 0 && checked[r] === 0 && ex < this.maxLag) {
          entry.push(r, ex);
          checked[r] = 1;
        }
      }
      const r1 = written[rs1] === 1 ? ready[rs1]! : -Infinity;
      const r2 = written[rs2] === 1 ? ready[rs2]! : -Infinity;
      const wait = (r1 >= r2 ? r1 : r2) - ex;
      if (wait > 0) {
        if (producer[r1 >= r2 ? rs1 : rs2] === Producer.load) loadUseStalls += wait;
        else mulStalls += wait;
        stall += wait;
        ex += wait;
      }
      let readyAt = ex + 1;
      let prod: number = Producer.none;
      let pipeAfter = ex + 1;
      switch (kind) {
        case Kind.alu:
          break;
        case Kind.mul:
          readyAt = ex + this.mulLatency;
          prod = Producer.mul;
          break;
        case Kind.div: {
          const hold = this.divLatency - 1;
          stall += hold;
          divStalls += hold;
          pipeAfter += hold;
          readyAt = pipeAfter;
          break;
        }
        case Kind.load:
          loads++;
          events.push(2 * k);
          eventArgs.push(note >> 20);
          readyAt = ex + 1 + this.loadUse;
          prod = Producer.load;
          break;
        case Kind.store:
          stores++;
          events.push(2 * k + 1);
          eventArgs.push(note >> 20);
          break;
        case Kind.branch:
          break; // the last instruction: its bubble, if taken, is added at run time
        case Kind.jump:
          jumps++;
          stall += this.branchPenalty;
          branchStalls += this.branchPenalty;
          pipeAfter += this.branchPenalty;
          break;
        case Kind.system:
          invariant(false, 'a system instruction in a timing block');
          break;
        default:
          assertNever(kind, 'timing kind');
      }
      if (rd !== 0) {
        ready[rd] = readyAt;
        producer[rd] = prod;
        written[rd] = 1;
      }
      p = pipeAfter;
    }
    // Results still pending at exit must be recorded; so must every result of a block too
    // short to outlast what was pending at its entry (or readyAt would keep a stale later time).
    const exit: number[] = [];
    let exitMax = 0;
    for (let r = 1; r < 32; r++) {
      if (written[r] === 1 && (ready[r]! > p || p < this.maxLag)) {
        exit.push(r, ready[r]!, producer[r]!);
        exitMax = Math.max(exitMax, ready[r]!);
      }
    }
    const mems = loads + stores;
    const bound = mems > 0 && !this.memInBlocks ? Infinity
      : p + this.branchPenalty + this.maxLag + lines * this.worstFetch + mems * this.worstAccess;
    const endsInBranch = kindOfNote(blockNotes[len - 1]!) === Kind.branch;
    return new TimingBlock(
      pc, len, blockNotes, p, stall, loadUseStalls, mulStalls, divStalls, branchStalls, loads, stores, jumps,
      endsInBranch, Int32Array.from(entry), Int32Array.from(exit), exitMax, Int32Array.from(events),
      Int32Array.from(eventArgs), len, bound,
    );
  }

  /** RetireObserver: the block entered last retired whole, followed by nextPc. Its rarer
   * parts are methods of their own (see enterBlock()). */
  blockRetired(nextPc: number): number {
    const b = this.block!;
    const pipe0 = this.pipe;
    if (this.readyMax > pipe0 && this.waitsAtEntry(b, pipe0)) return this.timeEach(b, b.len, nextPc);
    // Cache accesses in program order (the L2 is shared by both L1s). countBlocks() counts
    // every one as a hit: one passed to the caches is taken back from that count here.
    let cycles = b.pipe;
    const events = b.events;
    const args = b.eventArgs;
    for (let j = 0; j < events.length; j++) {
      const e = events[j]!;
      if (e < 0) {
        const line = args[j]!;
        if (this.iMru[line & this.iSetMask] !== line) cycles += this.fetchMissed(b, ~e);
      } else {
        // Only the user platform runs blocks that access memory, and there an access that
        // completed was to RAM (anything else faults).
        const ea = (this.blockRs1[e >>> 1]! + args[j]!) | 0;
        const line = ea >>> this.dLineBits;
        const set = line & this.dSetMask;
        if (this.dMru[set] !== line || ((e & 1) === 1 && this.dDirty[set] !== 1)) {
          this.dHitsSkipped--;
          cycles += this.ramAccess(ea, (e & 1) === 1, line, set);
        }
      }
    }
    if (b.runs++ === 0) this.blocksRun.push(b);
    let pipe = pipe0 + b.pipe;
    if (b.endsInBranch && (nextPc | 0) !== b.fallPc) {
      // A taken branch: its bubble (countBlocks() charges it to the statistics).
      b.takenRuns++;
      cycles += this.branchPenalty;
      pipe += this.branchPenalty;
    }
    this.pipe = pipe;
    if (b.exit.length !== 0) this.setExit(b, pipe0);
    return cycles;
  }

  /** blockRetired(): whether a register block b reads was produced before it and is still
   * pending there (the pipe was at pipe0 at its entry). */
  private waitsAtEntry(b: TimingBlock, pipe0: number): boolean {
    const readyAt = this.readyAt;
    const entry = b.entry;
    for (let j = 0; j < entry.length; j += 2) {
      if (readyAt[entry[j]!]! > pipe0 + entry[j + 1]!) return true;
    }
    return false;
  }

  /** blockRetired(): the fetch of instruction k of block b missed the last-line check. */
  private fetchMissed(b: TimingBlock, k: number): number {
    this.iHitsSkipped--;
    return this.fetch((b.pc + 4 * k) | 0);
  }

  /** blockRetired(): the results block b (entered with the pipe at pipe0) leaves pending. */
  private setExit(b: TimingBlock, pipe0: number): void {
    const exit = b.exit;
    const readyAt = this.readyAt;
    const producer = this.producer;
    for (let j = 0; j < exit.length; j += 3) {
      const r = exit[j]!;
      readyAt[r] = pipe0 + exit[j + 1]!;
      producer[r] = exit[j + 2]!;
    }
    if (pipe0 + b.exitMax > this.readyMax) this.readyMax = pipe0 + b.exitMax;
  }

  /** Add the static counts of the blocks retired since the last call. */
  private countBlocks(): void {
    for (const b of this.blocksRun) {
      const n = b.runs;
      const t = b.takenRuns;
      b.runs = 0;
      b.takenRuns = 0;
      this.iHitsSkipped += n * b.fetchHits;
      this.dHitsSkipped += n * (b.loads + b.stores);
      this.instret += n * b.len;
      this.loads += n * b.loads;
      this.stores += n * b.stores;
      this.jumps += n * b.jumps;
      if (b.endsInBranch) this.branches += n;
      this.taken += t;
      this.loadUseStalls += n * b.loadUseStalls;
      this.mulStalls += n * b.mulStalls;
      this.divStalls += n * b.divStalls;
      this.branchStalls += n * b.branchStalls + t * this.branchPenalty;
      this.pending[Cyc.stallPipeline] += n * b.stall + t * this.branchPenalty;
    }
    this.blocksRun.length = 0;
  }

  /** RetireObserver: the first `count` instructions of the block entered last retired. */
  blockCut(count: number): number {
    return this.timeEach(this.block!, count, 0);
  }

  /** The first `count` instructions of block b, timed one by one by retired(); the last of
   * the whole block is followed by nextPc, the others by the next word. */
  private timeEach(b: TimingBlock, count: number, nextPc: number): number {
    let cycles = 0;
    for (let k = 0; k < count; k++) {
      const pc = (b.pc + 4 * k) >>> 0;
      const next = k === b.len - 1 ? nextPc : (pc + 4) >>> 0;
      cycles += this.retired(b.notes[k]!, pc, next, this.blockRs1[k]!);
    }
    return cycles;
  }

  /** A store at addr: drop the blocks holding that word. */
  private dropBlocks(addr: number): void {
    const page = this.blockPages.get(addr >>> PAGE_BITS);
    if (page === undefined) return;
    const w = (addr & (PAGE_SIZE - 1)) >>> 2;
    for (let s = Math.max(0, w - MAX_BLOCK + 1); s <= w; s++) {
      const b = page.blocks[s];
      if (b !== undefined && s + b.len > w) page.blocks[s] = undefined;
    }
  }

  /** The instruction at pc faulted: it was fetched (unless the fetch itself faulted, i.e. pc
   * is not RAM) and held a slot, then the pipeline drained to enter the handler. Returns its
   * cycles. (RetireObserver; also the reference engine's trap timing.) */
  trapped(pc: number): number {
    this.traps++;
    let icache = 0;
    if (this.env.memory.isRam(pc)) icache = this.fetch(pc);
    this.pending[Cyc.system] += 1 + this.systemCost;
    this.pipe += 1 + this.systemCost;
    return icache + 1 + this.systemCost;
  }

  /**
   * Charge a retired instruction (packed timing `info`, at `pc`, followed by `nextPc`;
   * `rs1Value` is its base register before it ran). Returns its cycles. (RetireObserver:
   * the fast engine's timing; retiredReference() is the oracle's.) Kept small so V8 inlines it into the
   * interpreter's loop: the rare cases (hazard stalls, div, system) are calls out.
   */
  retired(info: number, pc: number, nextPc: number, rs1Value: number): number {
    this.instret++;
    let cycles = 1;
    // Sequential fetch and loops stay in lines last used in their sets: count those hits
    // without the lookup.
    const line = pc >>> this.iLineBits;
    if (this.iMru[line & this.iSetMask] === line) this.iHitsSkipped++;
    else cycles += this.fetch(pc);

    // Operand hazard: wait for the later of the two sources.
    const readyAt = this.readyAt;
    let ex = this.pipe; // the cycle this instruction is in EX
    const rs1 = (info >>> 10) & 31;
    const rs2 = (info >>> 15) & 31;
    if (readyAt[rs1]! > ex || readyAt[rs2]! > ex) {
      const wait = this.hazard(rs1, rs2, ex);
      cycles += wait;
      ex += wait;
    }
    const rd = (info >>> 5) & 31;
    if (kindOfNote(info) === Kind.alu) {
      // x0 never has a pending result.
      if (rd !== 0) {
        readyAt[rd] = ex + 1;
        this.producer[rd] = Producer.none;
      }
      this.pipe = ex + 1;
      return cycles;
    }
    return cycles + this.effect(info, pc, nextPc, rs1Value, ex, rd);
  }

  /** retired() of all but ALU instructions, in EX at `ex`: sets the pipe and rd's readiness,
   * returns the cycles beyond the slot. */
  private effect(info: number, pc: number, nextPc: number, rs1Value: number, ex: number, rd: number): number {
    const kind = kindOfNote(info) as Kind;
    let cycles = 0;
    // When rd's value can be read, and who produces it (rd is 0 when nothing is written).
    let ready = ex + 1;
    let producer: number = Producer.none;
    let pipeAfter = ex + 1;
    if (kind === Kind.load) {
      this.loads++;
      cycles = this.dataAccess((rs1Value + (info >> 20)) | 0, false);
      ready = ex + 1 + this.loadUse;
      producer = Producer.load;
    } else if (kind === Kind.store) {
      this.stores++;
      cycles = this.dataAccess((rs1Value + (info >> 20)) | 0, true);
    } else if (kind === Kind.branch) {
      this.branches++;
      if ((nextPc | 0) !== ((pc + 4) | 0)) {
        this.taken++;
        cycles = this.redirect();
        pipeAfter += cycles;
      }
    } else if (kind === Kind.jump) {
      this.jumps++;
      cycles = this.redirect();
      pipeAfter += cycles;
    } else if (kind === Kind.mul) {
      ready = ex + this.mulLatency;
      producer = Producer.mul;
    } else {
      cycles = this.longOp(kind);
      pipeAfter += cycles;
      ready = pipeAfter;
    }
    if (rd !== 0) {
      this.readyAt[rd] = ready;
      this.producer[rd] = producer;
      if (ready > this.readyMax) this.readyMax = ready;
    }
    this.pipe = pipeAfter;
    return cycles;
  }

  /**
   * The reference engine's timing of a retired instruction (the oracle): the original
   * per-instruction model, every fetch and data access looked up in the caches, kept apart
   * from the fast engine's retired() so test/inorder-engines.test.ts compares two
   * independent implementations of the same model. Returns its cycles.
   */
  private retiredReference(info: number, pc: number, nextPc: number, rs1Value: number): number {
    const pending = this.pending;
    const kind = kindOfNote(info) as Kind;
    const rd = (info >>> 5) & 31;
    const rs1 = (info >>> 10) & 31;
    const rs2 = (info >>> 15) & 31;
    this.instret++;

    const icache = this.caches.fetch(pc);
    if (icache !== 0) pending[Cyc.stallIcache] += icache;

    // Operand hazard: wait for the later of the two sources.
    const readyAt = this.readyAt;
    let stall = 0;
    const r1 = readyAt[rs1]!;
    const r2 = readyAt[rs2]!;
    const wait = (r1 >= r2 ? r1 : r2) - this.pipe;
    if (wait > 0) {
      stall = wait;
      if (this.producer[r1 >= r2 ? rs1 : rs2] === Producer.load) this.loadUseStalls += wait;
      else this.mulStalls += wait;
    }
    const ex = this.pipe + stall; // the cycle this instruction is in EX
    let pipeAfter = ex + 1;
    let dcache = 0;
    let system = 0;
    // When rd's value can be read, and who produces it (rd is 0 when nothing is written).
    let ready = ex + 1;
    let producer: number = Producer.none;

    switch (kind) {
      case Kind.alu:
        break;
      case Kind.mul:
        ready = ex + this.mulLatency;
        producer = Producer.mul;
        break;
      case Kind.div: {
        const hold = this.divLatency - 1;
        stall += hold;
        this.divStalls += hold;
        pipeAfter += hold;
        ready = pipeAfter;
        break;
      }
      case Kind.load: {
        this.loads++;
        const ea = (rs1Value + (info >> 20)) | 0;
        dcache = this.env.memory.isRam(ea) ? this.caches.data(ea, false) : this.memLatency;
        ready = ex + 1 + this.loadUse;
        producer = Producer.load;
        break;
      }
      case Kind.store: {
        this.stores++;
        const ea = (rs1Value + (info >> 20)) | 0;
        dcache = this.env.memory.isRam(ea) ? this.caches.data(ea, true) : this.memLatency;
        break;
      }
      case Kind.branch:
        this.branches++;
        if ((nextPc | 0) !== ((pc + 4) | 0)) {
          this.taken++;
          stall += this.branchPenalty;
          this.branchStalls += this.branchPenalty;
          pipeAfter += this.branchPenalty;
        }
        break;
      case Kind.jump:
        this.jumps++;
        stall += this.branchPenalty;
        this.branchStalls += this.branchPenalty;
        pipeAfter += this.branchPenalty;
        break;
      case Kind.system:
        system = this.systemCost;
        pipeAfter += system;
        ready = pipeAfter;
        break;
      default:
        assertNever(kind, 'timing kind');
    }
    // x0 never has a pending result.
    if (rd !== 0) {
      readyAt[rd] = ready;
      this.producer[rd] = producer;
    }
    this.pipe = pipeAfter;
    if (stall !== 0) pending[Cyc.stallPipeline] += stall;
    if (dcache !== 0) pending[Cyc.stallDcache] += dcache;
    if (system !== 0) pending[Cyc.system] += system;
    return icache + 1 + stall + dcache + system;
  }

  /** The stall of an instruction in EX from `ex` on whose sources are not ready yet. */
  private hazard(rs1: number, rs2: number, ex: number): number {
    const r1 = this.readyAt[rs1]!;
    const r2 = this.readyAt[rs2]!;
    const wait = (r1 >= r2 ? r1 : r2) - ex;
    if (this.producer[r1 >= r2 ? rs1 : rs2] === Producer.load) this.loadUseStalls += wait;
    else this.mulStalls += wait;
    this.pending[Cyc.stallPipeline] += wait;
    return wait;
  }

  /** The bubble after a taken branch or a jump. */
  private redirect(): number {
    this.branchStalls += this.branchPenalty;
    this.pending[Cyc.stallPipeline] += this.branchPenalty;
    return this.branchPenalty;
  }

  /** Cycles beyond its slot that a div (held EX) or a system instruction (drain) takes. */
  private longOp(kind: Kind): number {
    if (kind === Kind.div) {
      const hold = this.divLatency - 1;
      this.divStalls += hold;
      this.pending[Cyc.stallPipeline] += hold;
      return hold;
    }
    invariant(kind === Kind.system, 'timing kind');
    this.pending[Cyc.system] += this.systemCost;
    return this.systemCost;
  }

  /** I-cache stall of fetching at pc (charged). */
  private fetch(pc: number): number {
    const stall = this.caches.fetch(pc);
    const line = pc >>> this.iLineBits;
    this.iMru[line & this.iSetMask] = line;
    if (stall !== 0) this.pending[Cyc.stallIcache] += stall;
    return stall;
  }

  /**
   * D-cache stall of a load or store at `ea` (charged); device MMIO is uncached and pays one
   * bus round trip. An access to the line last used in its set is a hit counted without the
   * lookup (a line lies within one page, so it is still RAM), unless it is a write and the
   * line is not known to be dirty yet.
   */
  private dataAccess(ea: number, write: boolean): number {
    const line = ea >>> this.dLineBits;
    const set = line & this.dSetMask;
    if (this.dMru[set] === line && (!write || this.dDirty[set] === 1)) {
      this.dHitsSkipped++;
      return 0;
    }
    if (!this.env.memory.isRam(ea)) {
      this.pending[Cyc.stallDcache] += this.memLatency;
      return this.memLatency;
    }
    return this.ramAccess(ea, write, line, set);
  }

  /** dataAccess() of a RAM address `ea` in `line` of L1D `set`, past the last-line check. */
  private ramAccess(ea: number, write: boolean, line: number, set: number): number {
    const stall = this.caches.data(ea, write);
    // A read leaves the dirty bit unknown: the next write to the line looks it up.
    if (this.dMru[set] !== line) this.dDirty[set] = write ? 1 : 0;
    else if (write) this.dDirty[set] = 1;
    this.dMru[set] = line;
    if (stall !== 0) this.pending[Cyc.stallDcache] += stall;
    return stall;
  }

  /** Packed timing of the word at pc; 0 when pc cannot be fetched. */
  private timingAt(pc: number): number {
    const mem = this.env.memory;
    if (!mem.isRam(pc)) return 0;
    const pageNo = pc >>> PAGE_BITS;
    let page = this.lastPage;
    if (pageNo !== this.lastPageNo || page === undefined) {
      page = this.timingPages.get(pageNo);
      if (page === undefined) {
        page = new TimingPage();
        this.timingPages.set(pageNo, page);
      }
      this.lastPage = page;
      this.lastPageNo = pageNo;
    }
    const raw = mem.fetch32(pc);
    const i = (pc & (PAGE_SIZE - 1)) >>> 2;
    let info = page.info[i]!;
    if (info === 0 || page.raw[i] !== raw) {
      info = packDecoded(decode(raw >>> 0));
      page.info[i] = info;
      page.raw[i] = raw;
    }
    return info;
  }

  /** Core statistics and the cache hierarchy's, keyed "inorder.*" and "cache.*". */
  stats(): Record<string, number> {
    return {
      ...inorderRegistry.evaluate(inorderStats.values({
        instret: this.instret,
        cycles: this.cycles,
        branches: this.branches,
        taken: this.taken,
        jumps: this.jumps,
        loads: this.loads,
        stores: this.stores,
        loadUseStalls: this.loadUseStalls,
        mulStalls: this.mulStalls,
        divStalls: this.divStalls,
        branchStalls: this.branchStalls,
        traps: this.traps,
      })),
      ...this.caches.stats(),
    };
  }
}
