/**
 * The random program generator: seeded, valid, terminating RV32IM + Zicsr + Zifencei
 * programs for the machine platform (bare M-mode at 0x80000000, exit through HTIF
 * tohost), in the spirit of riscv-dv's random instruction streams. Each program is a list
 * of blocks drawn from these kinds:
 *
 *  - straight-line ALU mixes over edge-case values (0, ±1, INT_MIN, INT_MAX, shifts by
 *    31/32, ...), multiply/divide edge cases (INT_MIN / -1, division by zero);
 *  - loops with data-dependent forward branches and trip counts, some long enough to be
 *    translated at the default threshold and to become hot (tier 2), some nested;
 *  - loads and stores over a 4 KiB data region, through addresses computed from data so
 *    they alias each other at different sizes;
 *  - direct calls, calls and jumps through tables (jalr);
 *  - CSR reads and writes; traps (misaligned loads/stores/jumps/branches, access faults,
 *    illegal instructions, ecall, ebreak) taken by a handler that records mcause, mepc,
 *    mtval and a checksum of all registers in memory and resumes after the instruction;
 *  - self-modifying code: a loop that rewrites an instruction ahead of itself, with or
 *    without fence.i;
 *  - UART output (device stores, which translations must never speculate).
 *
 * With `storm`, the same programs run with timer interrupts: the handler reprograms
 * mtimecmp after each one from a table of pseudo-random delays, so interrupts land at
 * arbitrary cycles (inside translations, between a store and its commit). The handler
 * restores every register, so an interrupt is invisible to the program; its record goes
 * to a log of its own that only lockstep (at the same retired-instruction count) judges.
 * Programs then avoid CSRs that interrupts change (mepc, mcause, mtval, mstatus, minstret).
 *
 * Registers: gp holds the data region's middle; s0/s1 are loop counters; ra links calls;
 * sp is unused; everything else is fair game for random code. A block keeps its labels
 * local (prefix `b<id>_`), so blocks can be dropped independently by the shrinker.
 */
import { REG_NAMES } from '../isa-guest/disasm.ts';
import { encode } from '../isa-guest/encode.ts';
import { paramRegistry } from '../morph/config.ts';
import { Rng } from './rng.ts';

/** One unit of the program the shrinker can drop: its code and the tables it reads. */
export interface Block {
  readonly kind: string;
  readonly lines: readonly string[];
  /** Read-only data placed after the code (jump tables). */
  readonly tables: readonly string[];
}

export type GenPlatform = 'machine' | 'user';

export interface GeneratedProgram {
  readonly seed: number;
  /** machine: bare M-mode with the trap handler; user: a Linux process (no handler: misaligned
   * accesses are completed by the platform, output goes through write(2)). */
  readonly platform: GenPlatform;
  readonly storm: boolean;
  /** Initial values of the random-code registers. */
  readonly regs: readonly (readonly [number, number])[];
  /** The data region's initial 1024 words. */
  readonly data: readonly number[];
  /** Timer delays (mtime ticks) the handler draws from, in order. */
  readonly deltas: readonly number[];
  readonly blocks: readonly Block[];
  /** Leaf functions (label `fn<k>`), called from blocks. */
  readonly funcs: readonly Block[];
}

export interface GenOptions {
  readonly platform?: GenPlatform;
  /** Timer-interrupt storms (machine platform only). */
  readonly storm?: boolean;
  /** Number of top-level blocks (default: 4..10). */
  readonly blocks?: number;
}

/** Registers random code may write (not x0, ra, sp, gp, s0, s1). */
export const POOL: readonly number[] = [4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
const r = (n: number): string => REG_NAMES[n]!;

export const DATA_BYTES = 4096;
/** Trap-log records kept (a ring): mcause, mepc, mtval, register checksum. */
export const LOG_RECORDS = 16;
export const LOG_BYTES = 4 + LOG_RECORDS * 16;
/** The handler stops the timer after this many interrupts (bounds a program's run time). */
export const MAX_IRQS = 150;
const CLINT_MTIMECMP = 0x02004000;
const CLINT_MTIME = 0x0200bff8;
const UART_THR = 0x10000000;
/** An address no device or RAM answers on the machine platform (access faults). */
const UNMAPPED = 0x00001000;

const EDGE: readonly number[] = [
  0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, -0x7fffffff, 0xffff, 0x8000, 0x7fff, 0xff, 0x80, 31, 32, 33,
  0x55555555, -0x55555556, 0x10000, -0x10000, 3, 7,
];
const IMM_EDGE: readonly number[] = [0, 1, -1, 2047, -2048, 2, 31, -32, 0x7ff, 0x555, -0x556];
const ALU_RR = ['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and'];
const MUL_RR = ['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'];
const ALU_RI = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi'];
const SHIFT_RI = ['slli', 'srli', 'srai'];
const BRANCHES = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'];
const LOADS: readonly (readonly [string, number])[] = [['lb', 1], ['lbu', 1], ['lh', 2], ['lhu', 2], ['lw', 4]];
const STORES: readonly (readonly [string, number])[] = [['sb', 1], ['sh', 2], ['sw', 4]];

/** Executions a loop needs so its body becomes hot (tier 2) at the default thresholds. */
function hotTrips(): number {
  const d = (name: string): number => paramRegistry.spec(name)?.default as number ?? 0;
  return d('tier.threshold') + d('tier.hotThreshold') + 16;
}

class Gen {
  private next = 0;
  readonly funcs: Block[] = [];
  /** Generating a leaf function: no calls (ra must survive to its `ret`), no switches. */
  private inFunc = false;

  constructor(readonly rng: Rng, readonly storm: boolean, readonly user: boolean) {}

  id(): number { return this.next++; }
  reg(): string { return r(this.rng.pick(POOL)); }
  /** A source register: usually from the pool, sometimes x0. */
  src(): string { return this.rng.chance(0.08) ? 'zero' : this.reg(); }
  value(): number { return this.rng.chance(0.6) ? this.rng.pick(EDGE) : this.rng.u32() | 0; }
  imm12(): number { return this.rng.chance(0.5) ? this.rng.pick(IMM_EDGE) : this.rng.int(-2048, 2047); }

  // ---- single items (a few lines each) ---------------------------------------------

  alu(out: string[]): void {
    const g = this.rng;
    switch (g.int(0, 6)) {
      case 0: case 1: out.push(`${g.pick(ALU_RR)} ${this.reg()}, ${this.src()}, ${this.src()}`); break;
      case 2: out.push(`${g.pick(ALU_RI)} ${this.reg()}, ${this.src()}, ${this.imm12()}`); break;
      case 3: out.push(`${g.pick(SHIFT_RI)} ${this.reg()}, ${this.src()}, ${g.pick([0, 1, 31, g.int(0, 31)])}`); break;
      case 4: out.push(`${g.pick(MUL_RR)} ${this.reg()}, ${this.src()}, ${this.src()}`); break;
      case 5: out.push(g.chance(0.5) ? `lui ${this.reg()}, ${g.int(0, 0xfffff)}` : `auipc ${this.reg()}, ${g.int(0, 0xfffff)}`); break;
      default:
        // Rarely: a fence, or (storms) a wfi that waits for the next timer interrupt.
        if (g.chance(0.1)) out.push(this.storm && g.chance(0.5) ? 'wfi' : g.pick(['fence', 'fence rw, rw']));
        else out.push(`li ${this.reg()}, ${this.value()}`);
    }
  }

  /** Multiply/divide on operands chosen to hit the spec's special cases. */
  mulDivEdge(out: string[]): void {
    const g = this.rng;
    const a = this.reg();
    const b = this.reg();
    const [x, y] = g.pick([[-0x80000000, -1], [g.int(-9, 9), 0], [-0x80000000, 1], [-1, -1], [0x7fffffff, 0x7fffffff], [-0x80000000, -0x80000000]] as const);
    out.push(`li ${a}, ${x}`, `li ${b}, ${y}`);
    for (let i = g.int(1, 3); i > 0; i--) out.push(`${g.pick(MUL_RR)} ${this.reg()}, ${a}, ${b}`);
  }

  /** An aligned address into the data region in `t`: gp + (data-dependent & mask). */
  private dataAddr(out: string[], t: string, align: number): number {
    const mask = this.rng.pick([0x1c, 0x3c, 0xfc, 0x7fc]) & ~(align - 1);
    out.push(`andi ${t}, ${this.src()}, ${mask}`, `add ${t}, ${t}, gp`);
    return mask;
  }

  /** An offset that keeps t+off (t in gp+[0, mask]) inside the data region, aligned. */
  private dataOff(mask: number, align: number): number {
    const hi = 2047 - mask - 4;
    const off = this.rng.chance(0.7) ? this.rng.int(-4, 4) * align : this.rng.int(-2048, hi);
    return Math.max(-2048, Math.min(hi, off)) & ~(align - 1);
  }

  mem(out: string[]): void {
    const g = this.rng;
    if (g.chance(0.35)) {
      // gp-relative, anywhere in the region
      const [op, size] = g.pick([...LOADS, ...STORES]);
      const off = g.int(-2048, 2047 - size) & ~(size - 1);
      out.push(op.startsWith('s') ? `${op} ${this.src()}, ${off}(gp)` : `${op} ${this.reg()}, ${off}(gp)`);
      return;
    }
    // A store and loads through two data-dependent addresses of small masks: they alias often.
    const t = this.reg();
    const [sop, ssize] = g.pick(STORES);
    const mask = this.dataAddr(out, t, 4);
    out.push(`${sop} ${this.src()}, ${this.dataOff(mask, ssize)}(${t})`);
    const u = g.chance(0.5) ? t : this.reg();
    const umask = u === t ? mask : this.dataAddr(out, u, 4);
    // Loads never overwrite the address registers: a later store through them must stay
    // inside the data region.
    const dest = (): string => {
      let d = this.reg();
      while (d === t || d === u) d = this.reg();
      return d;
    };
    for (let i = g.int(1, 3); i > 0; i--) {
      const [lop, lsize] = g.pick(LOADS);
      out.push(`${lop} ${dest()}, ${this.dataOff(umask, lsize)}(${u})`);
    }
    if (g.chance(0.4)) out.push(`${g.pick(STORES)[0]} ${this.src()}, ${this.dataOff(mask, 4)}(${t})`);
  }

  /** A misaligned offset from gp: near the middle of the data region, or straddling its last
   * byte and the exception log's page (an access that crosses a page boundary). */
  private misalignedOff(size: number): number {
    const g = this.rng;
    return g.chance(0.8) ? g.int(-200, 200) * size + g.int(1, size - 1) : DATA_BYTES / 2 - g.int(1, size - 1);
  }

  /** A trap the handler records and skips (user platform: a misaligned access Linux completes). */
  trap(out: string[]): void {
    const g = this.rng;
    const t = this.reg();
    switch (this.user ? g.int(0, 2) : g.int(0, 9)) {
      case 0: {
        const [op, size] = g.pick([['lh', 2], ['lhu', 2], ['lw', 4], ['lw', 4]] as const);
        out.push(`${op} ${this.reg()}, ${this.misalignedOff(size)}(gp)`);
        break;
      }
      case 1: {
        const [op, size] = g.pick([['sh', 2], ['sw', 4], ['sw', 4]] as const);
        out.push(`${op} ${this.src()}, ${this.misalignedOff(size)}(gp)`);
        break;
      }
      case 2: // data-dependent: misaligned or not
        out.push(`andi ${t}, ${this.src()}, 0x3f`, `add ${t}, ${t}, gp`,
          g.chance(0.5) ? `${g.pick(['lw', 'lh', 'lhu'])} ${this.reg()}, 0(${t})` : `${g.pick(['sw', 'sh'])} ${this.src()}, 0(${t})`);
        break;
      case 3: out.push(g.pick(['.word 0', '.word 0xffffffff', 'csrrs ' + this.reg() + ', 0x7c0, zero', `csrrw zero, mvendorid, ${this.src()}`])); break;
      case 4: out.push('ecall'); break;
      case 5: out.push('ebreak'); break;
      case 6: out.push(`li ${t}, ${UNMAPPED + 4 * g.int(0, 15)}`, g.chance(0.5) ? `lw ${this.reg()}, 0(${t})` : `sb ${this.src()}, 0(${t})`); break;
      case 7: { // jalr to a target with bit 1 set: instruction-address-misaligned, rd untouched
        const id = this.id();
        out.push(`la ${t}, b${id}_m`, `addi ${t}, ${t}, 2`, `jalr ${g.pick(['ra', 'zero', this.reg()])}, 0(${t})`, `b${id}_m:`);
        break;
      }
      case 8: // a taken branch to pc+6 traps; not taken falls through
        out.push(`${g.pick(BRANCHES)} ${this.src()}, ${this.src()}, ${g.pick([2, 6, 10])}`, 'nop', 'nop');
        break;
      default:
        out.push('ecall');
    }
  }

  csr(out: string[]): void {
    const g = this.rng;
    if (this.storm) {
      // Only CSRs an interrupt leaves alone.
      out.push(g.pick([`csrr ${this.reg()}, misa`, `csrr ${this.reg()}, mhartid`, `csrrsi ${this.reg()}, mie, 8`, `csrrci ${this.reg()}, mie, 8`, `csrr ${this.reg()}, mtvec`]));
      return;
    }
    const csr = g.pick(['mepc', 'mcause', 'mtval', 'mie', 'minstret', 'mstatus', 'misa', 'mhartid', 'minstreth']);
    const writable = ['mepc', 'mcause', 'mtval', 'minstret'].includes(csr);
    if (!writable || g.chance(0.4)) {
      out.push(`csrr ${this.reg()}, ${csr}`);
      return;
    }
    const op = g.pick(['csrrw', 'csrrs', 'csrrc']);
    out.push(g.chance(0.5) ? `${op} ${this.reg()}, ${csr}, ${this.src()}` : `${op}i ${this.reg()}, ${csr}, ${g.int(0, 31)}`);
  }

  uart(out: string[]): void {
    if (this.user) {
      // write(1, gp + off, n): a few bytes of the data region
      out.push('li a0, 1', `addi a1, gp, ${this.rng.int(-2048, 2000)}`, `li a2, ${this.rng.int(0, 24)}`, 'li a7, 64', 'ecall');
      return;
    }
    const [t, u] = this.distinct(2);
    out.push(`li ${t}, ${UART_THR}`, `andi ${u}, ${this.src()}, 63`, `addi ${u}, ${u}, 48`, `sb ${u}, 0(${t})`);
  }

  call(out: string[], tables: string[]): void {
    const g = this.rng;
    if (this.funcs.length === 0) return this.alu(out);
    if (g.chance(0.5)) {
      out.push(`call fn${g.int(0, this.funcs.length - 1)}`);
      return;
    }
    const id = this.id();
    const [t, u] = this.distinct(2);
    out.push(`andi ${t}, ${this.src()}, 3`, `slli ${t}, ${t}, 2`, `la ${u}, b${id}_ct`, `add ${t}, ${t}, ${u}`, `lw ${t}, 0(${t})`, 'jalr ra, 0(' + t + ')');
    tables.push(`b${id}_ct: .word ${[0, 1, 2, 3].map(() => `fn${g.int(0, this.funcs.length - 1)}`).join(', ')}`);
  }

  /** A forward branch over a few items (data-dependent control flow). */
  skip(out: string[], depth: number, tables: string[], hot: boolean): void {
    const id = this.id();
    out.push(`${this.rng.pick(BRANCHES)} ${this.src()}, ${this.src()}, b${id}_s`);
    this.items(out, this.rng.int(1, 3), depth + 1, tables, hot);
    out.push(`b${id}_s:`);
  }

  /** A switch: jump through a table to one of four cases, each jumping to the join. */
  switchJump(out: string[], depth: number, tables: string[]): void {
    const id = this.id();
    const [t, u] = this.distinct(2);
    out.push(`andi ${t}, ${this.src()}, 3`, `slli ${t}, ${t}, 2`, `la ${u}, b${id}_jt`, `add ${t}, ${t}, ${u}`, `lw ${t}, 0(${t})`, `jalr zero, 0(${t})`);
    for (let c = 0; c < 4; c++) {
      out.push(`b${id}_c${c}:`);
      this.items(out, this.rng.int(0, 2), depth + 1, tables);
      out.push(`j b${id}_j`);
    }
    out.push(`b${id}_j:`);
    tables.push(`b${id}_jt: .word b${id}_c0, b${id}_c1, b${id}_c2, b${id}_c3`);
  }

  /** `hot`: a body that runs thousands of times: no calls or traps, which would multiply
   * its length by the callee's or the handler's. */
  items(out: string[], n: number, depth: number, tables: string[], hot = false): void {
    const leaf = hot || this.inFunc;
    for (let i = 0; i < n; i++) {
      const kind = this.rng.weighted<string>([
        [10, 'alu'], [4, 'mem'], [1, 'muldiv'], [depth < 2 ? 2 : 0, 'skip'], [leaf ? 0 : 1, 'call'],
        [hot ? 0 : 1.2, 'trap'], [this.user ? 0 : 0.8, 'csr'], [0.2, 'uart'], [depth < 1 && !leaf ? 0.5 : 0, 'switch'],
      ]);
      switch (kind) {
        case 'alu': this.alu(out); break;
        case 'mem': this.mem(out); break;
        case 'muldiv': this.mulDivEdge(out); break;
        case 'skip': this.skip(out, depth, tables, hot); break;
        case 'call': this.call(out, tables); break;
        case 'trap': this.trap(out); break;
        case 'csr': this.csr(out); break;
        case 'uart': this.uart(out); break;
        case 'switch': this.switchJump(out, depth, tables); break;
      }
    }
  }

  // ---- blocks ----------------------------------------------------------------------

  straight(): Block {
    const out: string[] = [];
    const tables: string[] = [];
    this.items(out, this.rng.int(3, 14), 0, tables);
    return { kind: 'straight', lines: out, tables };
  }

  loop(): Block {
    const g = this.rng;
    const id = this.id();
    const out: string[] = [];
    const tables: string[] = [];
    const hot = g.chance(0.12);
    const nested = !hot && g.chance(0.25);
    const trips = hot ? hotTrips() + g.int(0, 100) : g.weighted<number>([[3, g.int(1, 8)], [3, g.int(9, 70)], [1, g.int(71, 160)]]);
    if (nested) out.push(`li s1, ${g.int(2, 8)}`, `b${id}_o:`);
    if (!hot && g.chance(0.3)) out.push(`andi s0, ${this.src()}, ${g.pick([7, 31, 63])}`, 'addi s0, s0, 1');
    else out.push(`li s0, ${nested ? Math.min(trips, 40) : trips}`);
    out.push(`b${id}_l:`);
    // Mix the counter into the data so branches and addresses change from one trip to the next.
    out.push(`${g.pick(['add', 'xor', 'mul', 'sub'])} ${this.reg()}, ${this.src()}, s0`);
    this.items(out, hot ? g.int(1, 4) : g.int(2, 10), 1, tables, hot);
    out.push('addi s0, s0, -1', `bne s0, zero, b${id}_l`);
    if (nested) out.push('addi s1, s1, -1', `bne s1, zero, b${id}_o`);
    return { kind: hot ? 'hot-loop' : nested ? 'nested-loop' : 'loop', lines: out, tables };
  }

  /** The head of a self-modifying loop: each trip stores `addi rd, rd, <counter>` at `target`
   * (with fence.i three times in four). */
  private patchHead(id: number, target: string, rd: number, t: string, u: string, v: string): string[] {
    const g = this.rng;
    return [
      `li s1, ${g.weighted<number>([[2, g.int(1, 10)], [2, g.int(11, 120)]])}`,
      `b${id}_l:`,
      `la ${t}, ${target}`,
      `li ${u}, ${encode('addi', { rd, rs1: rd, imm: 0 }) | 0}`,
      `slli ${v}, s1, 20`,
      `add ${u}, ${u}, ${v}`,
      `sw ${u}, 0(${t})`,
      ...(g.chance(0.75) ? ['fence.i'] : []),
    ];
  }

  /** A loop that rewrites an `addi` ahead of itself each trip (new immediate = the counter). */
  smc(): Block {
    const g = this.rng;
    const id = this.id();
    const rd = g.pick(POOL);
    const [t, u, v] = this.distinct(3);
    const out = [
      ...this.patchHead(id, `b${id}_i`, rd, t!, u!, v!),
      `b${id}_i: addi ${r(rd)}, ${r(rd)}, 1`,
      `${g.pick(ALU_RR)} ${this.reg()}, ${r(rd)}, ${this.src()}`,
      'addi s1, s1, -1',
      `bne s1, zero, b${id}_l`,
    ];
    return { kind: 'smc', lines: out, tables: [] };
  }

  /** A local function whose first instruction the loop rewrites before calling it each trip
   * (directly, or through a register: the indirect-branch caches must forget the old code). */
  smcCallee(): Block {
    const g = this.rng;
    const id = this.id();
    const rd = g.pick(POOL);
    const [t, u, v, w] = this.distinct(4);
    const out = [
      `j b${id}_a`,
      `b${id}_f: addi ${r(rd)}, ${r(rd)}, 1`,
      `${g.pick(ALU_RR)} ${this.reg()}, ${r(rd)}, ${this.src()}`,
      'ret',
      `b${id}_a:`,
      ...this.patchHead(id, `b${id}_f`, rd, t!, u!, v!),
      ...(g.chance(0.5) ? [`call b${id}_f`] : [`la ${w}, b${id}_f`, `jalr ra, 0(${w})`]),
      'addi s1, s1, -1',
      `bne s1, zero, b${id}_l`,
    ];
    return { kind: 'smc', lines: out, tables: [] };
  }

  /** n different pool registers. */
  private distinct(n: number): string[] {
    const out: string[] = [];
    while (out.length < n) {
      const x = this.reg();
      if (!out.includes(x)) out.push(x);
    }
    return out;
  }

  func(k: number): Block {
    const out: string[] = [`fn${k}:`];
    const tables: string[] = [];
    this.inFunc = true;
    this.items(out, this.rng.int(1, 8), 1, tables);
    this.inFunc = false;
    out.push('ret');
    return { kind: 'func', lines: out, tables };
  }

  block(): Block {
    return this.rng.weighted<() => Block>([
      [4, () => this.straight()], [5, () => this.loop()], [0.5, () => this.smc()], [0.4, () => this.smcCallee()],
    ])();
  }
}

export function generateProgram(seed: number, opts: GenOptions = {}): GeneratedProgram {
  const rng = new Rng(seed);
  const platform = opts.platform ?? 'machine';
  const storm = platform === 'machine' && (opts.storm ?? false);
  const g = new Gen(rng, storm, platform === 'user');
  const nf = rng.int(0, 3);
  for (let k = 0; k < nf; k++) g.funcs.push(g.func(k));
  const blocks: Block[] = [];
  const nb = opts.blocks ?? rng.int(3, 8);
  for (let i = 0; i < nb; i++) blocks.push(g.block());
  const regs = POOL.map((n) => [n, g.value()] as const);
  const data = Array.from({ length: DATA_BYTES / 4 }, () => (rng.chance(0.3) ? g.value() : rng.u32() | 0));
  const deltas = Array.from({ length: 64 }, () => rng.weighted<number>([[3, rng.int(1, 40)], [3, rng.int(41, 400)], [1, rng.int(401, 3000)]]));
  return { seed, platform, storm, regs, data, deltas, blocks, funcs: g.funcs };
}

const saveOffsets = (): number[] => Array.from({ length: 30 }, (_, i) => i + 1); // x1..x30 (x31 = t6 is the base)

/** The trap handler: save every register, checksum them, log (mcause, mepc, mtval, sum),
 * skip the faulting instruction (exceptions) or reprogram the timer (interrupts), restore. */
function handler(): string[] {
  return [
    '.align 64',
    'trap:',
    'csrrw t6, mscratch, t6',
    ...saveOffsets().map((i) => `sw x${i}, ${4 * i}(t6)`),
    'csrr t5, mscratch',
    'sw t5, 124(t6)',
    'addi t1, t6, 4',
    'addi t2, t6, 128',
    'li t0, 0',
    'trap_sum:',
    'lw t3, 0(t1)',
    'slli t4, t0, 5',
    'add t0, t0, t4',
    'add t0, t0, t3',
    'addi t1, t1, 4',
    'bne t1, t2, trap_sum',
    'csrr t1, mcause',
    'la t2, xlog',
    'bge t1, zero, trap_rec',
    'la t2, ilog',
    'trap_rec:',
    'lw t3, 0(t2)',
    'addi t4, t3, 1',
    'sw t4, 0(t2)',
    `andi t3, t3, ${LOG_RECORDS - 1}`,
    'slli t3, t3, 4',
    'add t3, t3, t2',
    'sw t1, 4(t3)',
    'csrr t4, mepc',
    'sw t4, 8(t3)',
    'csrr t4, mtval',
    'sw t4, 12(t3)',
    'sw t0, 16(t3)',
    'blt t1, zero, trap_timer',
    'csrr t4, mepc',
    'addi t4, t4, 4',
    'csrw mepc, t4',
    'j trap_ret',
    'trap_timer:',
    'lw t3, 0(t2)',
    `li t4, ${MAX_IRQS}`,
    'bgeu t3, t4, trap_timer_off',
    'andi t3, t3, 63',
    'slli t3, t3, 2',
    'la t4, deltas',
    'add t4, t4, t3',
    'lw t4, 0(t4)',
    `li t3, ${CLINT_MTIME}`,
    'lw t5, 0(t3)',
    'add t5, t5, t4',
    `li t3, ${CLINT_MTIMECMP}`,
    'sw t5, 0(t3)',
    'j trap_ret',
    'trap_timer_off:',
    `li t3, ${CLINT_MTIMECMP}`,
    'li t4, -1',
    'sw t4, 4(t3)',
    'sw t4, 0(t3)',
    'trap_ret:',
    ...saveOffsets().map((i) => `lw x${i}, ${4 * i}(t6)`),
    'csrw mscratch, t6',
    'lw t6, 124(t6)',
    'mret',
  ];
}

/** Load address of user-platform programs (where Linux links static executables). */
export const USER_BASE = 0x10000;

/** The assembly source of a program (for `assemble()` of test/helpers/guest-asm-program.ts). */
export function programSource(p: GeneratedProgram): string[] {
  const words = (xs: readonly number[]): string[] => {
    const out: string[] = [];
    for (let i = 0; i < xs.length; i += 16) out.push(`.word ${xs.slice(i, i + 16).map((v) => v | 0).join(', ')}`);
    return out;
  };
  const machine = p.platform === 'machine';
  const setup = machine ? [
    'la t0, trap',
    'csrw mtvec, t0',
    'la t0, save',
    'csrw mscratch, t0',
    `la gp, data+${DATA_BYTES / 2}`,
    ...(p.storm ? [
      `li t0, ${CLINT_MTIMECMP}`, `li t1, ${p.deltas[p.deltas.length - 1]}`, 'sw t1, 0(t0)', 'sw zero, 4(t0)',
      'li t0, 0x80', 'csrw mie, t0', 'csrrsi zero, mstatus, 8',
    ] : []),
  ] : [`la gp, data+${DATA_BYTES / 2}`];
  // machine: through HTIF tohost; user: exit(2).
  const exit = machine
    ? ['csrrci zero, mstatus, 8', 'andi a0, a0, 63', 'slli t6, a0, 1', 'ori t6, t6, 1', 'la t5, tohost', 'sw t6, 0(t5)', 'done: j done']
    : ['andi a0, a0, 63', 'li a7, 93', 'ecall'];
  return [
    '_start:',
    ...setup,
    ...p.regs.map(([n, v]) => `li ${r(n)}, ${v}`),
    ...p.blocks.flatMap((b) => b.lines),
    ...exit,
    ...p.funcs.flatMap((b) => b.lines),
    ...(machine ? handler() : []),
    '.align 4',
    ...[...p.blocks, ...p.funcs].flatMap((b) => b.tables),
    '.align 4096',
    'data:',
    ...words(p.data),
    'xlog: .zero ' + LOG_BYTES,
    ...(machine ? [
      '.align 4096',
      'ilog: .zero ' + LOG_BYTES,
      'save: .zero 128',
      'deltas:',
      ...words(p.deltas),
      '.align 4096',
      'tohost: .word 0, 0',
      'fromhost: .word 0, 0',
    ] : []),
  ];
}
