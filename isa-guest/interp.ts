/**
 * The reference interpreter: THE specification of guest behaviour. Every other way of
 * running guest code (translations on the VLIW host, the baseline in-order core) is
 * checked against what this produces: registers, memory, CSRs, instret, output.
 *
 * Speed comes from pre-decoding: each instruction word is compiled once, at its pc, into a
 * small closure with its operands, immediate and pc-relative values baked in (writes to x0
 * go to a scratch array, chosen at that moment). Closures live per 4 KiB page; the page is
 * watched, and a store into it drops the closure of the written word, so self-modifying
 * code is seen at once, fence.i or not.
 *
 * A closure returns 0 to fall through to pc + 4, or 1 after setting hart.pc itself (a taken
 * control transfer). Passing no pc keeps addresses above 2^31 from being boxed per call.
 * Exceptions are thrown as GuestTrap and delivered here. Between instructions the loop
 * only compares the clock with `checkAt`; exits, interrupts and decode-cache flushes are
 * looked at when it is reached, and anything that may change them sets it to 0.
 *
 * PMP: while it can deny nothing at the current privilege (the normal case; see
 * pmpTransparent) closures and the loop do no PMP work at all. Otherwise a second set of
 * decoded pages is used whose loads and stores check PMP, and the loop checks each fetch.
 * Only a CSR write, a trap or mret can switch between the two, and each of those makes the
 * loop look between instructions, where the choice is made again.
 */
import { assertNever, invariant } from '../core/assert.ts';
import { ExitCode, MorphsimError } from '../core/errors.ts';
import { ALU, BRANCH, type AluOp, type BranchCond } from '../core/alu.ts';
import {
  csrAccess, dataPriv, enterTrap, interruptsEnabled, MSTATUS_TW, pendingInterrupt, pmpTransparent, returnFromTrap,
} from './csr.ts';
import { decode, type Decoded } from './decode.ts';
import { hex32 } from './disasm.ts';
import type { GuestEnv } from './env.ts';
import { PRIV_M, PRIV_U, type Hart, type Priv } from './hart.ts';
import { semEndsBlock, writesRd } from './isa.ts';
import { PAGE_BITS, PAGE_SIZE, WATCH_STORE } from './memory.ts';
import { Cause, GuestTrap, interruptCause } from './trap.ts';

export interface InterpOptions {
  /** Simulated cycles each retired instruction (and each trap taken) costs. */
  cyclesPerInsn: number;
  /** Spike-style commit log, one line per retired instruction (slow path only). */
  commitLog?: (line: string) => void;
  /**
   * auto (default): take interrupts when they are pending and enabled, and let wfi move
   * the clock to the next device event. external: a follower (the lockstep reference,
   * sharing another machine's clock) that takes interrupts only through
   * takeInterruptIfPending() and never moves time itself.
   */
  interrupts?: 'auto' | 'external';
  /** A timing model that runObserved() reports each retired instruction to. */
  observer?: RetireObserver;
}

/** Bit of an observer's note: runObserved() leaves this instruction to the caller's step(). */
export const NOTE_STEP = 1;

/**
 * A timing model driven by runObserved() (the baseline in-order core): it annotates each
 * instruction word once, when the interpreter decodes it, and is told of every retire.
 * Notes live beside the decoded closures, so a store that drops a closure drops its note.
 *
 * Retires come a basic block at a time where the observer can time a block as a whole:
 * before each instruction that may start one, enterBlock() says how many instructions to
 * run back to back (0: just this one, reported with retired()). The interpreter runs them,
 * recording each one's x[rs1] in `blockRs1`, and reports them with blockRetired(), or with
 * blockCut() when fewer retired (an exception, a closure dropped by a store into the block,
 * or a store that made the loop look between instructions: checkAt changed).
 */
export interface RetireObserver {
  /** The note for a word (`d` undefined: it does not decode). */
  annotate(d: Decoded | undefined): number;
  /** The instruction at `pc` retired and the next is at `nextPc`; `rs1Value` is its x[rs1]
   * from before it ran (the base of a load or store). Returns the cycles it took. */
  retired(note: number, pc: number, nextPc: number, rs1Value: number): number;
  /** The instruction at `pc` raised an exception, already taken. Returns the cycles it took. */
  trapped(pc: number): number;
  /**
   * How many instructions from `pc` to run as one block (0: one, through retired()).
   * `notes` and `fns` are pc's page's notes and closures (undefined: not decoded yet);
   * `budget` is the steps left in this run, `cyclesLeft` the cycles until the clock reaches
   * the next between-instructions check (Infinity: none). A block must fit both: no
   * instruction of it but the first may start with the check due.
   */
  enterBlock(pc: number, notes: Int32Array, fns: readonly unknown[], budget: number, cyclesLeft: number): number;
  /** x[rs1] of each instruction of the block entered last, from before it ran. */
  readonly blockRs1: Int32Array;
  /** The block entered last retired whole; the next instruction is at `nextPc`. Returns its cycles. */
  blockRetired(nextPc: number): number;
  /** Only the first `count` (< its length) instructions of the block entered last retired
   * (only a block's last instruction may transfer control). Returns their cycles. */
  blockCut(count: number): number;
}

/**
 * Why a run stopped. limit: the instruction budget is used up (for step(): one
 * instruction retired); exit: the guest asked to stop (env.exitCode is set); trap: an
 * exception or interrupt was taken; block-end: the retired instruction ends a basic
 * block; wfi-stall: a wfi found nothing pending and no future event that could wake it.
 */
export type StopReason = 'limit' | 'exit' | 'trap' | 'block-end' | 'wfi-stall';

/** Execute one pre-decoded instruction; 0 = fall through, 1 = hart.pc was set. */
type Exec = () => number;

const INSNS_PER_PAGE = PAGE_SIZE / 4;
const PAGE_OFFSET_MASK = PAGE_SIZE - 1;

/** Pre-decoded closures of one guest page, which of them end a basic block, and (with an
 * observer) each word's note and rs1. */
class CodePage {
  readonly fns: (Exec | undefined)[] = new Array<Exec | undefined>(INSNS_PER_PAGE).fill(undefined);
  readonly ends = new Uint8Array(INSNS_PER_PAGE);
  readonly notes: Int32Array;
  readonly rs1: Uint8Array;
  constructor(observed: boolean) {
    this.notes = new Int32Array(observed ? INSNS_PER_PAGE : 0);
    this.rs1 = new Uint8Array(observed ? INSNS_PER_PAGE : 0);
  }
}
const NO_FNS: (Exec | undefined)[] = [];
const NO_PAGE = new CodePage(false);

/*
 * One closure shape per ALU operation and branch condition: each calls its ALU/BRANCH
 * function directly, so V8 inlines it, instead of sharing one call site that sees every
 * operation (megamorphic, never inlined). The semantics stay in alu.ts.
 */
type AluExec = (w: Int32Array, rd: number, x: Int32Array, rs1: number, b: number) => Exec;
const ALU_RR: Record<AluOp, AluExec> = {
  add: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.add(x[rs1]!, x[rs2]!); return 0; },
  sub: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.sub(x[rs1]!, x[rs2]!); return 0; },
  sll: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.sll(x[rs1]!, x[rs2]!); return 0; },
  slt: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.slt(x[rs1]!, x[rs2]!); return 0; },
  sltu: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.sltu(x[rs1]!, x[rs2]!); return 0; },
  xor: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.xor(x[rs1]!, x[rs2]!); return 0; },
  srl: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.srl(x[rs1]!, x[rs2]!); return 0; },
  sra: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.sra(x[rs1]!, x[rs2]!); return 0; },
  or: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.or(x[rs1]!, x[rs2]!); return 0; },
  and: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.and(x[rs1]!, x[rs2]!); return 0; },
  mul: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.mul(x[rs1]!, x[rs2]!); return 0; },
  mulh: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.mulh(x[rs1]!, x[rs2]!); return 0; },
  mulhsu: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.mulhsu(x[rs1]!, x[rs2]!); return 0; },
  mulhu: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.mulhu(x[rs1]!, x[rs2]!); return 0; },
  div: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.div(x[rs1]!, x[rs2]!); return 0; },
  divu: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.divu(x[rs1]!, x[rs2]!); return 0; },
  rem: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.rem(x[rs1]!, x[rs2]!); return 0; },
  remu: (w, rd, x, rs1, rs2) => () => { w[rd] = ALU.remu(x[rs1]!, x[rs2]!); return 0; },
};
const ALU_RI: Record<AluOp, AluExec> = {
  add: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.add(x[rs1]!, imm); return 0; },
  sub: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.sub(x[rs1]!, imm); return 0; },
  sll: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.sll(x[rs1]!, imm); return 0; },
  slt: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.slt(x[rs1]!, imm); return 0; },
  sltu: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.sltu(x[rs1]!, imm); return 0; },
  xor: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.xor(x[rs1]!, imm); return 0; },
  srl: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.srl(x[rs1]!, imm); return 0; },
  sra: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.sra(x[rs1]!, imm); return 0; },
  or: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.or(x[rs1]!, imm); return 0; },
  and: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.and(x[rs1]!, imm); return 0; },
  mul: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.mul(x[rs1]!, imm); return 0; },
  mulh: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.mulh(x[rs1]!, imm); return 0; },
  mulhsu: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.mulhsu(x[rs1]!, imm); return 0; },
  mulhu: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.mulhu(x[rs1]!, imm); return 0; },
  div: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.div(x[rs1]!, imm); return 0; },
  divu: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.divu(x[rs1]!, imm); return 0; },
  rem: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.rem(x[rs1]!, imm); return 0; },
  remu: (w, rd, x, rs1, imm) => () => { w[rd] = ALU.remu(x[rs1]!, imm); return 0; },
};
type BranchExec = (h: Hart, x: Int32Array, rs1: number, rs2: number, target: number) => Exec;
const BRANCH_TAKEN: Record<BranchCond, BranchExec> = {
  eq: (h, x, rs1, rs2, target) => () => { if (BRANCH.eq(x[rs1]!, x[rs2]!)) { h.pc = target; return 1; } return 0; },
  ne: (h, x, rs1, rs2, target) => () => { if (BRANCH.ne(x[rs1]!, x[rs2]!)) { h.pc = target; return 1; } return 0; },
  lt: (h, x, rs1, rs2, target) => () => { if (BRANCH.lt(x[rs1]!, x[rs2]!)) { h.pc = target; return 1; } return 0; },
  ge: (h, x, rs1, rs2, target) => () => { if (BRANCH.ge(x[rs1]!, x[rs2]!)) { h.pc = target; return 1; } return 0; },
  ltu: (h, x, rs1, rs2, target) => () => { if (BRANCH.ltu(x[rs1]!, x[rs2]!)) { h.pc = target; return 1; } return 0; },
  geu: (h, x, rs1, rs2, target) => () => { if (BRANCH.geu(x[rs1]!, x[rs2]!)) { h.pc = target; return 1; } return 0; },
};

/** Outcomes of the between-instructions check. */
const GO = 0;
const TOOK_INTERRUPT = 1;
const EXITED = 2;
const STALLED = 3;

export class Interpreter {
  /** Instructions retired by the last runBlock(). */
  lastCount = 0;
  /** Cycles skipped by wfi waiting for the next device event. */
  idleCycles = 0;
  /** Synchronous exceptions taken (interrupts are counted apart). */
  trapsTaken = 0;
  interruptsTaken = 0;
  /** Misaligned loads and stores the platform completed in software, and their cycles. */
  misalignedEmulated = 0;
  emulationCycles = 0;
  /** Called after each interrupt is taken (hart state is then at the handler). */
  onInterrupt: (() => void) | undefined = undefined;

  /** Decoded pages of the mode in use: `plainPages` or, while PMP may deny, `checkedPages`. */
  private pages: Map<number, CodePage>;
  private readonly plainPages = new Map<number, CodePage>();
  private readonly checkedPages = new Map<number, CodePage>();
  /** PMP may deny an access now: check fetches, and use checkedPages. */
  private pmpChecked = false;
  /** Privilege loads and stores are checked at while pmpChecked (MPRV applied). */
  private pmpDataPriv: Priv = PRIV_M;
  /** Where writes to x0 go. */
  private readonly sink = new Int32Array(32);
  /** Run the between-instructions check once clock.cycles reaches this; 0 = before the
   * next instruction. */
  private checkAt = 0;
  private wfiStalled = false;
  private readonly cpi: number;
  private readonly log: ((line: string) => void) | undefined;
  private readonly autoInterrupts: boolean;
  private readonly observer: RetireObserver | undefined;

  constructor(
    readonly hart: Hart,
    readonly env: GuestEnv,
    opts: InterpOptions,
  ) {
    this.cpi = opts.cyclesPerInsn;
    this.log = opts.commitLog;
    this.autoInterrupts = (opts.interrupts ?? 'auto') === 'auto';
    this.observer = opts.observer;
    this.pages = this.plainPages;
    // A store into a decoded page drops the closures of the words it wrote (an unmapped page:
    // all of them).
    env.memory.addCodeWriteListener((addr, size) => {
      const no = addr >>> PAGE_BITS;
      const p = this.plainPages.get(no);
      const q = this.checkedPages.get(no);
      for (let a = (addr & ~3) >>> 0; a < addr + size; a += 4) {
        const i = (a & PAGE_OFFSET_MASK) >>> 2;
        if (p) p.fns[i] = undefined;
        if (q) q.fns[i] = undefined;
      }
    });
  }

  /** Drop all cached decodings. Stores through Memory already drop what they overwrite;
   * this is for whoever changes memory behind the page watches (memory.unwatchAll(), a
   * remapped page). */
  flushDecodeCache(): void {
    this.plainPages.clear();
    this.checkedPages.clear();
    this.checkAt = 0; // a running loop holds the current page's closures: make it look again
  }

  /** Run until env.exitCode is set or `maxInsns` steps (retired instructions plus traps
   * taken, so a trap loop cannot hang) are done. */
  run(maxInsns: number): StopReason {
    if (this.log) return this.runStepwise(maxInsns);
    this.choosePmpMode();
    const h = this.hart;
    const clock = this.env.clock;
    const cpi = this.cpi;
    let n = 0;
    for (;;) {
      let pc = h.pc;
      let pageNo = -1;
      let fns = NO_FNS;
      try {
        for (;;) {
          if (clock.cycles >= this.checkAt) {
            h.pc = pc;
            const r = this.between();
            if (r === EXITED) return 'exit';
            if (r === STALLED) return 'wfi-stall';
            if (r === TOOK_INTERRUPT) n++;
            pc = h.pc;
            pageNo = -1;
          }
          if (n >= maxInsns) {
            h.pc = pc;
            return 'limit';
          }
          if (pc >>> PAGE_BITS !== pageNo) {
            fns = this.enterPage(pc).fns;
            // While PMP may deny, every fetch comes this way to be checked.
            pageNo = this.pmpChecked ? -1 : pc >>> PAGE_BITS;
          }
          const i = (pc & PAGE_OFFSET_MASK) >>> 2;
          const f = fns[i] ?? this.compileAt(pc);
          pc = f() === 0 ? (pc + 4) >>> 0 : h.pc;
          h.instret++;
          clock.cycles += cpi;
          n++;
        }
      } catch (e) {
        if (!(e instanceof GuestTrap)) throw e;
        h.pc = pc;
        this.takeTrap(e);
        n++;
      }
    }
  }

  /**
   * run() for the observer given at construction: each retired instruction is reported to
   * it, one at a time or a block at a time (see RetireObserver), and the clock advances by
   * the cycles it returns (cyclesPerInsn is not used). Returns
   * 'step', with `lastCount` steps done, before anything the caller must time step by step
   * with step(): an instruction noted NOTE_STEP or not decoded yet, or a between-instructions
   * check (exit, interrupt, wfi, PMP mode). Exceptions are taken here and reported with trapped().
   */
  runObserved(maxInsns: number): 'limit' | 'step' {
    const obs = this.observer;
    if (obs === undefined) throw new Error('runObserved: the interpreter was built without an observer');
    this.choosePmpMode();
    const h = this.hart;
    const x = h.x;
    const clock = this.env.clock;
    const blockRs1 = obs.blockRs1;
    let n = 0;
    try {
      for (;;) {
        let pc = h.pc;
        let pageNo = -1;
        let fns = NO_FNS;
        let notes = NO_PAGE.notes;
        let rs1s = NO_PAGE.rs1;
        // Instructions of the current block retired so far; -1 outside a block.
        let inBlock = -1;
        try {
          for (;;) {
            if (n >= maxInsns) {
              h.pc = pc;
              return 'limit';
            }
            const checkAt = this.checkAt;
            if (clock.cycles >= checkAt) {
              h.pc = pc;
              return 'step';
            }
            if (pc >>> PAGE_BITS !== pageNo) {
              const page = this.enterPage(pc);
              fns = page.fns;
              notes = page.notes;
              rs1s = page.rs1;
              pageNo = this.pmpChecked ? -1 : pc >>> PAGE_BITS;
            }
            const i = (pc & PAGE_OFFSET_MASK) >>> 2;
            // While PMP may deny, each fetch is checked on its own (enterPage): no blocks.
            let len = this.pmpChecked ? 0 : obs.enterBlock(pc, notes, fns, maxInsns - n, checkAt - clock.cycles);
            if (len > 0) {
              let start = i;
              // Blocks follow one another here while each retires whole, stays within the
              // page and is allowed by the observer (which checks the steps and cycles left),
              // and nothing changed checkAt; anything else goes back to the checks above.
              for (;;) {
                // The block's instructions are sequential, and only its last may transfer
                // control; whatever stops it early is reported with blockCut().
                inBlock = 0;
                for (;;) {
                  const f = fns[start + inBlock];
                  if (f === undefined) break; // a store into the block dropped it (or, before it ran, another)
                  blockRs1[inBlock] = x[rs1s[start + inBlock]!]!;
                  const r = f();
                  inBlock++;
                  if (inBlock === len) {
                    pc = r === 0 ? (pc + 4 * len) >>> 0 : h.pc;
                    break;
                  }
                  // The observer ends its blocks at control transfers.
                  if (r !== 0) invariant(false, 'runObserved: a control transfer inside a block');
                  if (this.checkAt !== checkAt) break;
                }
                // Nothing in a block reads instret (CSR reads are system instructions).
                h.instret += inBlock;
                n += inBlock;
                if (inBlock !== len) break;
                clock.cycles += obs.blockRetired(pc);
                inBlock = -1;
                if (this.checkAt !== checkAt || pc >>> PAGE_BITS !== pageNo || n >= maxInsns) break;
                len = obs.enterBlock(pc, notes, fns, maxInsns - n, checkAt - clock.cycles);
                if (len === 0) break;
                start = (pc & PAGE_OFFSET_MASK) >>> 2;
              }
              if (inBlock === 0) {
                // Its first word is not decoded now: step() decodes it.
                h.pc = pc;
                return 'step';
              } else if (inBlock > 0) {
                clock.cycles += obs.blockCut(inBlock);
                pc = (pc + 4 * inBlock) >>> 0;
              }
              inBlock = -1;
              continue;
            }
            const f = fns[i];
            const note = notes[i]!;
            // A word not decoded yet goes to step() too, which decodes it: compiling here
            // would spend V8's inlining budget of this loop on a cold path.
            if (f === undefined || (note & NOTE_STEP) !== 0) {
              h.pc = pc;
              return 'step';
            }
            const a = x[rs1s[i]!]!;
            const next = f() === 0 ? (pc + 4) >>> 0 : h.pc;
            h.instret++;
            n++;
            clock.cycles += obs.retired(note, pc, next, a);
            pc = next;
          }
        } catch (e) {
          if (!(e instanceof GuestTrap)) throw e;
          if (inBlock >= 0) {
            // The instructions of the block before the faulting one retired.
            h.instret += inBlock;
            n += inBlock;
            clock.cycles += obs.blockCut(inBlock);
            pc = (pc + 4 * inBlock) >>> 0;
          }
          h.pc = pc;
          this.takeTrap(e);
          n++;
          clock.cycles += obs.trapped(pc);
        }
      }
    } finally {
      this.lastCount = n;
    }
  }

  /** Retire one instruction, or take one pending interrupt or exception. Returns 'limit'
   * after an ordinary instruction, 'block-end' after one that ends a block. */
  step(): StopReason {
    this.choosePmpMode();
    if (this.env.clock.cycles >= this.checkAt) {
      const r = this.between();
      if (r === EXITED) return 'exit';
      if (r === STALLED) return 'wfi-stall';
      if (r === TOOK_INTERRUPT) return 'trap';
    }
    return this.execOne();
  }

  /** Run up to and including the next block-ending instruction, or `limit` instructions;
   * `lastCount` tells how many retired. Stops early on a trap taken or an exit. */
  runBlock(limit: number): StopReason {
    let n = 0;
    this.choosePmpMode();
    try {
      while (n < limit) {
        if (this.env.clock.cycles >= this.checkAt) {
          const r = this.between();
          if (r === EXITED) return 'exit';
          if (r === STALLED) return 'wfi-stall';
          if (r === TOOK_INTERRUPT) return 'trap';
        }
        const r = this.execOne();
        if (r === 'trap') return r;
        n++;
        if (r !== 'limit') return r;
      }
      return 'limit';
    } finally {
      this.lastCount = n;
    }
  }

  /** Take a pending, enabled interrupt now, if there is one (delivery at a precise boundary
   * chosen by the runtime). */
  takeInterruptIfPending(): boolean {
    const irq = pendingInterrupt(this.hart, this.env);
    if (irq < 0) return false;
    enterTrap(this.hart, interruptCause(irq) | 0, 0);
    this.interruptsTaken++;
    this.env.clock.cycles += this.cpi;
    this.checkAt = 0;
    this.onInterrupt?.();
    return true;
  }

  // ---- the slow paths ----------------------------------------------------------------

  private runStepwise(maxInsns: number): StopReason {
    for (let n = 0; n < maxInsns; n++) {
      const r = this.step();
      if (r === 'exit' || r === 'wfi-stall') return r;
    }
    return 'limit';
  }

  /** One instruction at hart.pc, with the commit log if enabled. Returns 'trap' when it
   * trapped (not retired), otherwise how it retired. */
  private execOne(): StopReason {
    const h = this.hart;
    const env = this.env;
    const pc = h.pc;
    const priv = h.priv;
    try {
      if (pc & 3) throw new GuestTrap(Cause.instructionAddressMisaligned, pc);
      if (this.pmpChecked) this.checkFetch(pc);
      const page = this.pageAt(pc);
      const i = (pc & PAGE_OFFSET_MASK) >>> 2;
      const f = page.fns[i] ?? this.compileAt(pc);
      const pre = this.log ? this.preCommit(pc) : undefined;
      if (f() === 0) h.pc = (pc + 4) >>> 0;
      h.instret++;
      env.clock.cycles += this.cpi;
      if (pre) this.log!(this.commitLine(pc, priv, pre));
      if (this.checkAt === 0 && env.exitCode !== undefined) return 'exit';
      if (this.wfiStalled) {
        this.wfiStalled = false;
        return 'wfi-stall';
      }
      return page.ends[i] ? 'block-end' : 'limit';
    } catch (e) {
      if (!(e instanceof GuestTrap)) throw e;
      h.pc = pc;
      this.takeTrap(e);
      return 'trap';
    }
  }

  /** Between instructions: exit requested? interrupt to take? when to look next? */
  private between(): number {
    const h = this.hart;
    const env = this.env;
    this.choosePmpMode();
    if (env.exitCode !== undefined) return EXITED;
    if (this.wfiStalled) {
      this.wfiStalled = false;
      return STALLED;
    }
    if (!this.autoInterrupts) {
      this.checkAt = Infinity; // only stores, ecalls and CSR writes (which reset it) can end a run
      return GO;
    }
    let r = GO;
    if (this.takeInterruptIfPending()) {
      r = TOOK_INTERRUPT;
      this.choosePmpMode(); // now in M-mode
    }
    // While interrupts are globally disabled or mie is 0 nothing can be taken until a CSR
    // write, mret or trap changes that, and each of those resets checkAt.
    this.checkAt = interruptsEnabled(h) && h.mie !== 0 ? env.nextEventCycle() : Infinity;
    return r;
  }

  /** Checked or plain execution, for the hart's privilege, mstatus and PMP as they are now. */
  private choosePmpMode(): void {
    const checked = !pmpTransparent(this.hart);
    this.pmpChecked = checked;
    this.pages = checked ? this.checkedPages : this.plainPages;
    this.pmpDataPriv = dataPriv(this.hart);
  }

  private checkFetch(pc: number): void {
    const h = this.hart;
    if (!h.pmp.check(pc, 4, 'x', h.priv)) throw new GuestTrap(Cause.instructionAccessFault, pc >>> 0);
  }

  private takeTrap(e: GuestTrap): void {
    const h = this.hart;
    if (this.env.fatalTrap?.(h, e.cause, e.tval)) {
      this.checkAt = 0; // the platform ended the run
      return;
    }
    // The trap vector itself cannot be fetched, or its first instruction raised this very
    // exception already (mepc and mcause say so) with the same registers: every trap would
    // come back here, forever.
    if (h.pc === ((h.mtvec & ~3) >>> 0)) {
      if (e.cause === Cause.instructionAccessFault || e.cause === Cause.instructionAddressMisaligned) {
        throw new MorphsimError(`the guest is stuck: it trapped (mcause ${e.cause}) to mtvec ${hex32(h.pc)}, where no instruction can be fetched`, ExitCode.limit);
      }
      if ((h.mepc >>> 0) === h.pc && h.mcause === e.cause) {
        throw new MorphsimError(`the guest is stuck: the first instruction of its trap handler at mtvec ${hex32(h.pc)} raises mcause ${e.cause} every time`, ExitCode.limit);
      }
    }
    enterTrap(this.hart, e.cause, e.tval);
    this.trapsTaken++;
    this.env.clock.cycles += this.cpi;
    this.checkAt = 0;
  }

  /** The decoded page the run loops fetch pc from, after the checks of a fetch: alignment
   * and, while PMP may deny, PMP (the loops then come here for every fetch). */
  private enterPage(pc: number): CodePage {
    if (pc & 3) throw new GuestTrap(Cause.instructionAddressMisaligned, pc);
    const page = this.pageAt(pc);
    if (this.pmpChecked) this.checkFetch(pc);
    return page;
  }

  /** The decoded page holding pc; faults when pc is not in RAM (any more). */
  private pageAt(pc: number): CodePage {
    const mem = this.env.memory;
    if (!mem.isRam(pc)) throw new GuestTrap(Cause.instructionAccessFault, pc >>> 0);
    const no = pc >>> PAGE_BITS;
    let p = this.pages.get(no);
    if (!p) {
      p = new CodePage(this.observer !== undefined);
      this.pages.set(no, p);
      mem.watch(pc);
    }
    return p;
  }

  private compileAt(pc: number): Exec {
    const raw = this.env.memory.fetch32(pc);
    const page = this.pageAt(pc);
    const i = (pc & PAGE_OFFSET_MASK) >>> 2;
    const d = decode(raw);
    const f = this.pmpChecked ? this.compileChecked(d, raw >>> 0, pc >>> 0) : this.compile(d, raw >>> 0, pc >>> 0);
    page.fns[i] = f;
    page.ends[i] = d && semEndsBlock(d.spec.sem) ? 1 : 0;
    if (this.observer) {
      page.notes[i] = this.observer.annotate(d);
      page.rs1[i] = d ? d.rs1 : 0;
    }
    return f;
  }

  /** compile(), with a PMP check in front of each load and store: an access PMP denies raises
   * an access fault (mtval = the address) unless it is misaligned, which the plain closure
   * then raises first, as the spec's exception priority asks. */
  private compileChecked(d: Decoded | undefined, raw: number, pc: number): Exec {
    const f = this.compile(d, raw, pc);
    if (!d || (d.spec.sem.kind !== 'load' && d.spec.sem.kind !== 'store')) return f;
    const self = this;
    const h = this.hart;
    const x = h.x;
    const { rs1, imm } = d;
    const size = d.spec.sem.size;
    const kind = d.spec.sem.kind === 'load' ? 'r' : 'w';
    const cause = kind === 'r' ? Cause.loadAccessFault : Cause.storeAccessFault;
    return () => {
      const a = (x[rs1]! + imm) | 0;
      if ((a & (size - 1)) === 0 && !h.pmp.check(a, size, kind, self.pmpDataPriv)) throw new GuestTrap(cause, a >>> 0);
      return f();
    };
  }

  /** The closure for the instruction `d` (undefined: illegal) at `pc`. */
  private compile(d: Decoded | undefined, raw: number, pc: number): Exec {
    if (!d) return () => { throw new GuestTrap(Cause.illegalInstruction, raw); };
    const self = this;
    const h = this.hart;
    const env = this.env;
    const mem = env.memory;
    const x = h.x;
    const { rs1, rs2, imm } = d;
    const rd = d.rd;
    const w = rd === 0 ? this.sink : x; // x0 is never written
    const link = (pc + 4) | 0;
    const sem = d.spec.sem;
    switch (sem.kind) {
      case 'alu':
        return sem.src2 === 'imm' ? ALU_RI[sem.op](w, rd, x, rs1, imm) : ALU_RR[sem.op](w, rd, x, rs1, rs2);
      case 'lui':
        return () => { w[rd] = imm; return 0; };
      case 'auipc': {
        const v = (pc + imm) | 0;
        return () => { w[rd] = v; return 0; };
      }
      case 'load': {
        // A misaligned access leaves the fast path: it traps, or the platform completes it.
        return sem.size === 4
          ? () => { const a = (x[rs1]! + imm) | 0; if (a & 3) { w[rd] = self.misalignedLoad(a, 4) | 0; return 0; } w[rd] = mem.load32(a); return 0; }
          : sem.size === 2
            ? sem.signed
              ? () => { const a = (x[rs1]! + imm) | 0; if (a & 1) { w[rd] = (self.misalignedLoad(a, 2) << 16) >> 16; return 0; } w[rd] = (mem.load16(a) << 16) >> 16; return 0; }
              : () => { const a = (x[rs1]! + imm) | 0; if (a & 1) { w[rd] = self.misalignedLoad(a, 2); return 0; } w[rd] = mem.load16(a); return 0; }
            : sem.signed
              ? () => { w[rd] = (mem.load8((x[rs1]! + imm) | 0) << 24) >> 24; return 0; }
              : () => { w[rd] = mem.load8((x[rs1]! + imm) | 0); return 0; };
      }
      case 'store': {
        const watched = mem.watched;
        // Stores that may end the run or move the next device event (one reaching a store
        // watcher such as HTIF tohost, or a device register such as mtimecmp) make the loop
        // look between instructions.
        const after = (a: number, size: 1 | 2 | 4): void => {
          if (((watched[a >>> PAGE_BITS]! & WATCH_STORE) !== 0 && mem.storeIsWatched(a, size)) || !mem.isRam(a)) self.checkAt = 0;
        };
        switch (sem.size) {
          case 4: return () => { const a = (x[rs1]! + imm) | 0; if (a & 3) self.misalignedStore(a, 4, x[rs2]!); else mem.store32(a, x[rs2]!); after(a, 4); return 0; };
          case 2: return () => { const a = (x[rs1]! + imm) | 0; if (a & 1) self.misalignedStore(a, 2, x[rs2]!); else mem.store16(a, x[rs2]!); after(a, 2); return 0; };
          case 1: return () => { const a = (x[rs1]! + imm) | 0; mem.store8(a, x[rs2]!); after(a, 1); return 0; };
          default: return assertNever(sem.size, 'store size');
        }
      }
      case 'branch': {
        const target = (pc + imm) >>> 0;
        // Only a taken branch to a misaligned target traps (mepc = the branch).
        if (target & 3) {
          const cond = BRANCH[sem.cond];
          return () => { if (cond(x[rs1]!, x[rs2]!)) throw new GuestTrap(Cause.instructionAddressMisaligned, target); return 0; };
        }
        return BRANCH_TAKEN[sem.cond](h, x, rs1, rs2, target);
      }
      case 'jal': {
        const target = (pc + imm) >>> 0;
        if (target & 3) return () => { throw new GuestTrap(Cause.instructionAddressMisaligned, target); };
        return () => { w[rd] = link; h.pc = target; return 1; };
      }
      case 'jalr':
        // The target is computed before rd is written (rd may be rs1); a misaligned target
        // traps with rd untouched.
        return () => {
          const t = (x[rs1]! + imm) & ~1;
          if (t & 2) throw new GuestTrap(Cause.instructionAddressMisaligned, t >>> 0);
          w[rd] = link;
          h.pc = t >>> 0;
          return 1;
        };
      case 'csr': {
        const csr = d.csr;
        const op = sem.op;
        // csrrs/csrrc with rs1 = x0 or uimm = 0 do not write (so they may read read-only CSRs).
        const writes = op === 'rw' || (sem.src === 'rs1' ? rs1 !== 0 : imm !== 0);
        if (sem.src === 'uimm') {
          return () => { w[rd] = csrAccess(h, env, csr, op, imm, writes, raw); if (writes) self.checkAt = 0; return 0; };
        }
        return () => { w[rd] = csrAccess(h, env, csr, op, x[rs1]!, writes, raw); if (writes) self.checkAt = 0; return 0; };
      }
      case 'fence':
        return () => 0; // one hart, in-order memory: nothing to order
      case 'fence.i':
        // Every store into a decoded page has already dropped the closure it overwrote
        // (the page watch), so there is nothing stale left to flush.
        return () => 0;
      case 'ecall':
        return () => {
          h.pc = pc;
          if (env.ecall(h)) {
            self.checkAt = 0; // the platform may have ended the run
            return 0;
          }
          throw new GuestTrap(h.priv === PRIV_M ? Cause.ecallFromM : Cause.ecallFromU, 0);
        };
      case 'ebreak':
        return () => { throw new GuestTrap(Cause.breakpoint, pc); };
      case 'mret':
        return () => {
          if (h.priv !== PRIV_M) throw new GuestTrap(Cause.illegalInstruction, raw);
          returnFromTrap(h);
          self.checkAt = 0;
          return 1;
        };
      case 'wfi':
        return () => {
          if (h.priv === PRIV_U && (h.mstatus & MSTATUS_TW) !== 0) throw new GuestTrap(Cause.illegalInstruction, raw);
          self.waitForInterrupt();
          return 0;
        };
      default:
        return assertNever(sem, 'sem');
    }
  }

  /**
   * A misaligned load (value zero-extended from `size` bytes): a trap, unless the platform
   * completes it in software (user platform: Linux's misaligned-access emulation), which
   * reads byte by byte and costs the platform's `misalignedCost` cycles. A byte that is not
   * mapped is an access fault at that byte, as the emulation's own access would be.
   */
  misalignedLoad(a: number, size: 2 | 4): number {
    const env = this.env;
    const cost = env.misalignedCost;
    if (cost === undefined) throw new GuestTrap(Cause.loadAddressMisaligned, a >>> 0);
    const mem = env.memory;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | mem.load8((a + i) | 0);
    this.charge(cost);
    return size === 4 ? v | 0 : v & 0xffff;
  }

  /** A misaligned store: a trap, or completed byte by byte (see misalignedLoad), after
   * checking that every byte is mapped, so a fault leaves memory untouched. */
  misalignedStore(a: number, size: 2 | 4, v: number): void {
    const env = this.env;
    const cost = env.misalignedCost;
    if (cost === undefined) throw new GuestTrap(Cause.storeAddressMisaligned, a >>> 0);
    const mem = env.memory;
    for (let i = 0; i < size; i++) if (!mem.isRam((a + i) | 0)) throw new GuestTrap(Cause.storeAccessFault, (a + i) >>> 0);
    for (let i = 0; i < size; i++) mem.store8((a + i) | 0, v >>> (8 * i));
    this.charge(cost);
  }

  /** Cycles of platform work done on the guest's behalf (misaligned-access emulation). */
  private charge(cycles: number): void {
    this.env.clock.cycles += cycles;
    this.emulationCycles += cycles;
    this.misalignedEmulated++;
  }

  /** wfi: if no interrupt is pending in mie, sleep until the next device event (counted as
   * idle cycles); with none to come, note the stall and retire as a nop. */
  private waitForInterrupt(): void {
    const env = this.env;
    this.checkAt = 0;
    if (!this.autoInterrupts) return;
    if ((env.pendingInterrupts() & this.hart.mie) !== 0) return;
    const next = env.nextEventCycle();
    if (next === Infinity) {
      this.wfiStalled = true;
      return;
    }
    const clock = env.clock;
    if (next > clock.cycles) {
      this.idleCycles += next - clock.cycles;
      clock.cycles = next;
    }
  }

  // ---- commit log (Spike's --log-commits format) ---------------------------------------

  private preCommit(pc: number): { d: Decoded | undefined; raw: number; addr: number; value: number } {
    const raw = this.env.memory.fetch32(pc) >>> 0;
    const d = decode(raw);
    let addr = 0;
    let value = 0;
    if (d && (d.spec.sem.kind === 'load' || d.spec.sem.kind === 'store')) {
      addr = (this.hart.x[d.rs1]! + d.imm) >>> 0;
      value = this.hart.x[d.rs2]!;
    }
    return { d, raw, addr, value };
  }

  private commitLine(pc: number, priv: number, pre: { d: Decoded | undefined; raw: number; addr: number; value: number }): string {
    let line = `core   0: ${priv} ${hex32(pc)} (${hex32(pre.raw)})`;
    const d = pre.d;
    if (!d) return line;
    const sem = d.spec.sem;
    if (writesRd(sem) && d.rd !== 0) line += ` x${String(d.rd).padEnd(2)} ${hex32(this.hart.x[d.rd]!)}`;
    if (sem.kind === 'load') line += ` mem ${hex32(pre.addr)}`;
    if (sem.kind === 'store') {
      const digits = sem.size * 2;
      const v = sem.size === 4 ? pre.value >>> 0 : pre.value & ((1 << (sem.size * 8)) - 1);
      line += ` mem ${hex32(pre.addr)} 0x${v.toString(16).padStart(digits, '0')}`;
    }
    return line;
  }
}
