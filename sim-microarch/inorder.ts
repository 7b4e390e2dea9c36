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
 * exactly the cycles charged to the account, so the CLINT timer, mcycle and the guest's
 * clock_gettime see the baseline core's time.
 */
import { assertNever, invariant } from '../core/assert.ts';
import type { Config } from '../core/params.ts';
import { counter, defineStats, formula, ratio, StatRegistry } from '../core/stats.ts';
import type { AluOp } from '../core/alu.ts';
import { decode } from '../isa-guest/decode.ts';
import type { GuestEnv } from '../isa-guest/env.ts';
import type { Hart } from '../isa-guest/hart.ts';
import { PAGE_BITS, PAGE_SIZE } from '../isa-guest/memory.ts';
import { writesRd, type Sem } from '../isa-guest/isa.ts';
import { Interpreter, type StopReason } from '../isa-guest/interp.ts';
import { MemoryHierarchy } from './cache.ts';
import { Cyc, type CycleAccount } from './cycles.ts';
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

/**
 * The timing-relevant fields of one instruction word, packed in an int32 so the per-pc
 * cache is a typed array (no objects, no boxing on the hot path):
 *   bits 0-3 kind + 1 (0 = not decoded yet, ILLEGAL = does not decode), 4-8 rd, 9-13 rs1,
 *   14-18 rs2, 20-31 the 12-bit signed immediate of a load or store.
 * Register fields the format lacks are 0 in Decoded, and rd is packed as 0 when nothing is
 * written: x0 never has a pending result, so the hazard check needs no per-kind lists.
 */
const ILLEGAL = 15;

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

function packTiming(raw: number): number {
  const d = decode(raw >>> 0);
  if (d === undefined) return ILLEGAL;
  const sem = d.spec.sem;
  const kind = kindOf(sem);
  const imm = kind === Kind.load || kind === Kind.store ? d.imm & 0xfff : 0;
  return (kind + 1) | (writesRd(sem) ? d.rd : 0) << 4 | d.rs1 << 9 | d.rs2 << 14 | imm << 20;
}

/** Cached timings of one guest page, with the word each was computed from: a word that no
 * longer matches (self-modifying code) is simply decoded again, so no invalidation hook is needed. */
class TimingPage {
  readonly raw = new Int32Array(PAGE_SIZE / 4);
  readonly info = new Int32Array(PAGE_SIZE / 4);
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
  /** Spike-style commit log of the interpreter, one line per retired instruction. */
  readonly commitLog?: (line: string) => void;
}

export class InorderCore {
  readonly interp: Interpreter;
  readonly caches: MemoryHierarchy;

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
  /** Cycles charged by this core (equals the account's growth since construction). */
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
  /** Per register: the pipe cycle from which an instruction in EX may read its value. */
  private readonly readyAt = new Float64Array(32);
  private readonly producer = new Uint8Array(32);

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
    this.caches = opts.caches ?? new MemoryHierarchy(cfg);
    this.memLatency = this.caches.memLatency;
    this.interp = new Interpreter(hart, env, { cyclesPerInsn: 0, commitLog: opts.commitLog });
  }

  /**
   * Run until the guest exits, a wfi can never wake, or `maxInsns` steps are done. Steps are
   * retired instructions plus traps and interrupts taken, as Interpreter.run counts them,
   * so a trap loop cannot hang.
   */
  run(maxInsns: number): StopReason {
    for (let n = 0; n < maxInsns; n++) {
      const r = this.step();
      if (r === 'exit' || r === 'wfi-stall') return r;
    }
    return 'limit';
  }

  /** One interpreter step (an instruction, or a trap/interrupt entry), timed. Returns the
   * interpreter's reason. */
  step(): StopReason {
    const hart = this.hart;
    const interp = this.interp;
    const clock = this.env.clock;
    const pc = hart.pc;
    const info = this.timingAt(pc);
    const kind = (info & 15) - 1;
    // The effective address from the operands as they are before the instruction runs (it may
    // overwrite rs1).
    const ea = kind === Kind.load || kind === Kind.store ? (hart.x[(info >>> 9) & 31]! + (info >> 20)) | 0 : 0;
    const traps0 = interp.trapsTaken;
    const irqs0 = interp.interruptsTaken;
    const instret0 = hart.instret;
    const clock0 = clock.cycles;
    const emu0 = interp.emulationCycles;

    const r = interp.step();

    const acct = this.account;
    // With cyclesPerInsn 0 the interpreter moves the clock only to skip time in wfi, and for
    // the platform's emulation of a misaligned access (user platform).
    const emu = interp.emulationCycles - emu0;
    const idle = clock.cycles - clock0 - emu;
    if (idle !== 0) acct.add(Cyc.idle, idle);
    if (emu !== 0) acct.add(Cyc.system, emu);
    let spent = idle + emu;

    if (interp.interruptsTaken !== irqs0) {
      // Taken at the boundary before pc (nothing executed): flush and refill at the handler.
      this.traps++;
      acct.add(Cyc.system, this.systemCost);
      spent += this.systemCost;
      this.pipe += this.systemCost;
    } else if (interp.trapsTaken !== traps0) {
      // The instruction at pc faulted: it was fetched (unless the fetch itself faulted) and
      // held a slot, then the pipeline drained to enter the handler.
      this.traps++;
      let icache = 0;
      if (info !== 0) {
        icache = this.caches.fetch(pc);
        if (icache !== 0) acct.add(Cyc.stallIcache, icache);
      }
      acct.add(Cyc.system, 1 + this.systemCost);
      spent += icache + 1 + this.systemCost;
      this.pipe += 1 + this.systemCost;
    } else if (hart.instret !== instret0) {
      invariant(info !== 0 && kind <= Kind.system, `retired an instruction at 0x${(pc >>> 0).toString(16)} that does not decode`);
      spent += this.retire(kind as Kind, (info >>> 4) & 31, (info >>> 9) & 31, (info >>> 14) & 31, pc, ea);
    }
    // Otherwise the step only found the guest exiting: no time passes.
    this.cycles += spent;
    clock.cycles = clock0 + spent;
    return r;
  }

  /** Charge a retired instruction; returns its cycles. */
  private retire(kind: Kind, rd: number, rs1: number, rs2: number, pc: number, ea: number): number {
    const acct = this.account;
    this.instret++;

    const icache = this.caches.fetch(pc);
    if (icache !== 0) acct.add(Cyc.stallIcache, icache);

    // Operand hazard: wait for the later of the two sources.
    let stall = 0;
    const r1 = this.readyAt[rs1]!;
    const r2 = this.readyAt[rs2]!;
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

    switch (kind) {
      case Kind.alu:
        this.setResult(rd, ex + 1, Producer.none);
        break;
      case Kind.mul:
        this.setResult(rd, ex + this.mulLatency, Producer.mul);
        break;
      case Kind.div: {
        const hold = this.divLatency - 1;
        stall += hold;
        this.divStalls += hold;
        pipeAfter += hold;
        this.setResult(rd, pipeAfter, Producer.none);
        break;
      }
      case Kind.load:
        this.loads++;
        dcache = this.env.memory.isRam(ea) ? this.caches.data(ea, false) : this.memLatency;
        this.setResult(rd, ex + 1 + this.loadUse, Producer.load);
        break;
      case Kind.store:
        this.stores++;
        dcache = this.env.memory.isRam(ea) ? this.caches.data(ea, true) : this.memLatency;
        break;
      case Kind.branch:
        this.branches++;
        if ((this.hart.pc | 0) !== ((pc + 4) | 0)) {
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
        this.setResult(rd, ex + 1, Producer.none);
        break;
      case Kind.system:
        system = this.systemCost;
        pipeAfter += system;
        this.setResult(rd, pipeAfter, Producer.none);
        break;
      default:
        assertNever(kind, 'timing kind');
    }
    this.pipe = pipeAfter;
    acct.add(Cyc.execute, 1);
    if (stall !== 0) acct.add(Cyc.stallPipeline, stall);
    if (dcache !== 0) acct.add(Cyc.stallDcache, dcache);
    if (system !== 0) acct.add(Cyc.system, system);
    return icache + 1 + stall + dcache + system;
  }

  private setResult(rd: number, ready: number, producer: number): void {
    if (rd === 0) return;
    this.readyAt[rd] = ready;
    this.producer[rd] = producer;
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
      info = packTiming(raw);
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
