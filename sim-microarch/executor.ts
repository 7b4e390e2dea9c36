/**
 * Executing host code with cycle accounting. `Executor` is the interface the runtime drives;
 * `ReferenceExecutor` is its specification: it runs molecule by molecule with the exact
 * semantics of isa-host-vliw/code.ts, and the fast (wasm) executor must match it result for
 * result and cycle for cycle.
 *
 * Per molecule, in this order:
 *  1. interrupt check: when the cycle count has reached `interruptAtCycle`, the translation
 *     rolls back with cause 'interrupt' before the molecule issues;
 *  2. fetch of the molecule at hostAddr + i * moleculeBytes (I-cache stall → stallIcache);
 *  3. issue: one cycle → execute. Atoms act in slot order, reading registers as of issue;
 *     loads access the D-cache when they execute (stall → stallDcache); buffered stores reach
 *     the D-cache only when a commit drains them;
 *  4. the molecule's register writes land;
 *  5. `commit`, then the first taken exit. Both wait for results still in flight (cycles
 *     known statically per molecule → execute) and commit: shadow ← working, drain the store
 *     buffer (D-cache stalls → stallDcache), clear the alias table. A taken exit then costs its
 *     kind (fallthrough / sideExit / indirect) plus its transfer (chained / toDispatcher) → exit.
 *     Calls and register-indirect exits also ask the IndirectPredictor (indirect.ts), in this
 *     order: exit.call / exit.icall push first (predictor.call, its cost added); then
 *     exit.ind / exit.icall ask predictor.jump(target) and exit.ret predictor.ret(target),
 *     adding predictor.cost. A translation returned is entered like a chained exit (onChain,
 *     chainLog, maxChain) with no exit.chained cost and no exec.chained count; null goes to the
 *     dispatcher (+ exit.toDispatcher). While stopRequested is set, chained links are not
 *     followed and the predictor is told not to follow (follow = false).
 *
 * A fault rolls back to the last commit point (a commit atom, a taken exit, or the run's
 * entry) and moves the cycles spent since then, in every category, to `rollback`.
 * Faults are detected before an atom touches memory or the cache.
 */
import { assertNever } from '../core/assert.ts';
import { ALU, BRANCH, type AluOp, type BranchCond } from '../core/alu.ts';
import { PAGE_BITS, WATCH_CODE, type AccessSize } from '../isa-guest/memory.ts';
import { GuestTrap } from '../isa-guest/trap.ts';
import { ATOMS, KIND_OPERANDS, type OperandKind } from '../isa-host-vliw/atoms.ts';
import type { Atom, HostCode } from '../isa-host-vliw/code.ts';
import type { StallCycles } from './cache.ts';
import { CYCLE_CATEGORIES, Cyc, type CycleAccount } from './cycles.ts';
import { execStats } from './exec-stats.ts';
import type { HostState } from './host-state.ts';
import { IndirectPredictor, PREDICTION_OFF } from './indirect.ts';
import type { exitParams } from './params.ts';

/** Why a translation rolled back. `smc`: a store would modify the running translation's own
 * guest code (the runtime re-executes it in the interpreter, which sees the new code). */
export const FAULT_CAUSES = ['access', 'misaligned', 'alias', 'overflow', 'device', 'interrupt', 'smc'] as const;
export type FaultCause = (typeof FAULT_CAUSES)[number];

export interface ExecLimits {
  /** Absolute cycle (CycleAccount total) at which an interrupt becomes pending; reaching it
   * inside a translation rolls back with cause 'interrupt'. Infinity for none. */
  readonly interruptAtCycle: number;
  /** Most translations one call executes (the entry counts; 1 = never follow links). */
  readonly maxChain: number;
  /** Would a store to [addr, addr+size) modify `code`'s own guest instructions? Asked only for
   * stores to pages holding translated code; a yes rolls back with cause 'smc'. */
  readonly writesOwnCode?: (code: HostCode, addr: number, size: number) => boolean;
  /** Called at each chained transfer, after the exit's commit: the translation left, guest
   * instructions retired by the run so far, and the guest pc of the next translation.
   * (Verification hooks in here to compare state at every commit; it costs no cycles.) */
  readonly onChain?: (from: HostCode, retired: number, target: number) => void;
  /** Where to count the chained transfers `onChain` would see, and note the due ones in
   * order, for a caller that needs them only after the run: the executor does not stop at
   * each one. Cleared by the caller, never by the executor. */
  readonly chainLog?: ChainLog;
  /** Asked when a run ends at `maxChain` with its chained transfer paid (`res.chainTo` set),
   * with the cycle count then (the CycleAccount total the run's end makes it) and the
   * translations' `execCount` and `cycles` up to date. The caller may account the run there,
   * as if `execute` had returned `res`, and answer how many runs the executor may begin
   * without asking again. 0: `execute` returns `res`. n >= 1: the executor goes on with a new
   * run from `res.chainTo`, exactly as `execute(res.chainTo, limits)` called then would (the
   * chain log must have been cleared), and it may pass the ends of up to n - 1 further runs
   * without asking, telling `passRun` instead, as long as at each the run retired an
   * instruction, its transfer leads to a translation, the cycle count is below
   * interruptAtCycle, no device has been accessed since the answer, and, with a chain log,
   * no transfer of the run was due (ChainLog.noteDue) and neither the translation left nor
   * the one entered has run its `dueAt` times. (An executor may also ask at every run end.) */
  readonly continueRun?: (res: ExitResult, now: number) => number;
  /** A run end passed under continueRun's allowance: the translation left, its exit atom, the
   * pc entered and the cycle count there. Told in order, before the executor next asks
   * continueRun or returns, and before anything it calls back during the runs after it
   * (code-write listeners, device accesses, `writesOwnCode`). */
  readonly passRun?: (code: HostCode, exitAtom: Atom, target: number, now: number) => void;
}

/**
 * The chained transfers of one or more runs: per entry, the tag of the translation left, the
 * guest pc entered and how many such transfers (an executor that counts transfers in place
 * may log their sums; entries are in no particular order). In order, the transfers out of a
 * translation that had then run at least its `dueAt` times (`noteDue`): its tag and that count.
 */
export class ChainLog {
  /** Entries 0..length-1, in typed arrays that grow as needed and keep their size when
   * cleared (no allocation per run; entries past length are stale). */
  tag = new Int32Array(256);
  target = new Uint32Array(256);
  count = new Float64Array(256);
  length = 0;
  /** The due transfers, in order: tag and execution count. */
  readonly dueTag: number[] = [];
  readonly dueCount: number[] = [];
  push(tag: number, target: number, n = 1): void {
    if (this.length === this.tag.length) this.reserve(1);
    this.tag[this.length] = tag;
    this.count[this.length] = n;
    this.target[this.length++] = target;
  }
  /** A transfer out of translation `tag` when it had run `count` times, at least its dueAt. */
  noteDue(tag: number, count: number): void {
    this.dueTag.push(tag);
    this.dueCount.push(count);
  }
  /** Make room for `n` more entries (a writer that fills the arrays itself). */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.tag.length) return;
    const cap = Math.max(need, 2 * this.tag.length);
    const grow = <T extends Int32Array | Uint32Array | Float64Array>(a: T, b: T): T => { b.set(a.subarray(0, this.length)); return b; };
    this.tag = grow(this.tag, new Int32Array(cap));
    this.target = grow(this.target, new Uint32Array(cap));
    this.count = grow(this.count, new Float64Array(cap));
  }
  clear(): void {
    this.length = 0;
    this.dueTag.length = 0;
    this.dueCount.length = 0;
  }
}

export type ExecResult =
  | {
    readonly kind: 'exit';
    /** The translation that exited. */
    readonly code: HostCode;
    /** The exit atom taken (its `link` is what the translation cache patches). */
    readonly exitAtom: Atom;
    readonly molecule: number;
    readonly atom: number;
    /** Guest pc to continue at. */
    readonly target: number;
    /** Guest instructions committed by the whole run, chained translations included. */
    readonly retired: number;
    /** Set when the exit is chained but the run stopped at maxChain: the chained transfer has
     * been paid, so the runtime continues by executing this translation, without a lookup. */
    readonly chainTo: HostCode | null;
  }
  | {
    readonly kind: 'fault';
    /** The translation that faulted (and was rolled back). */
    readonly code: HostCode;
    readonly cause: FaultCause;
    readonly molecule: number;
    /** Atom index in the molecule; -1 for an interrupt (taken before the molecule issued). */
    readonly atom: number;
    /** Faulting address for memory faults, else 0. */
    readonly addr: number;
    /** Guest instructions committed before the fault: by earlier translations of the run and
     * by commit atoms of the faulting translation. The state is at that point. */
    readonly retired: number;
    /** Guest pc of the faulting translation's last executed commit atom, or null when none
     * ran (the state is then at the translation's entry). */
    readonly commitPc: number | null;
  };

export type ExitResult = Extract<ExecResult, { kind: 'exit' }>;

export interface Executor {
  readonly name: string;
  execute(entry: HostCode, limits: ExecLimits): ExecResult;
  /** Statistics so far, keyed "exec.<name>" (counters only; formulas come from the registry). */
  stats(): Record<string, number>;
  /** The translation cache dropped `code` (it will not be executed again): free what the
   * executor keeps for it. Exits chained to it have been unlinked already. */
  release?(code: HostCode): void;
  /** The translation cache was flushed: every translation is dropped. */
  releaseAll?(): void;
  /** `code.dueAt` changed (between runs): an executor that keeps a copy updates it. */
  noteDueAt?(code: HostCode): void;
}

export type ExitCosts = ReturnType<typeof exitParams.read>;

/** The cache timing an executor consults: cache.ts's MemoryHierarchy, or the same model
 * kept elsewhere (the fast executor's, in wasm memory, when it hands cold code over). */
export interface TimingModel {
  fetch(addr: number): StallCycles;
  data(addr: number, write: boolean): StallCycles;
}

// Executor-internal opcodes (one per kind and memory mode).
const X_ALU = 0, X_ALUI = 1, X_LI = 2, X_MOV = 3, X_CMP = 4, X_SEL = 5,
  X_LD = 6, X_LDP = 7, X_LDIO = 8, X_ST = 9, X_STC = 10, X_STIO = 11,
  X_COMMIT = 12, X_EXIT = 13, X_EXITIF = 14, X_EXITIND = 15, X_CALL = 16, X_ICALL = 17, X_RET = 18;

/** A translation pre-resolved into flat arrays (built on first execution; host code is
 * immutable once executed, except for exit links, which are read from the atoms). */
export interface Decoded {
  readonly x: Uint8Array;
  readonly rd: Int32Array;
  readonly rs1: Int32Array;
  readonly rs2: Int32Array;
  readonly rs3: Int32Array;
  readonly imm: Int32Array;
  /** Access size for memory atoms, sign-extension shift (0, 16 or 24) in `sext`. */
  readonly size: Uint8Array;
  readonly sext: Uint8Array;
  /** ALU / compare functions per atom (unused entries point at a harmless one). */
  readonly fn: ((a: number, b: number) => number)[];
  readonly cond: ((a: number, b: number) => boolean)[];
  /** Flat atoms, for exits' links and retired counts. */
  readonly atoms: Atom[];
  /** Molecule i's atoms are start[i]..start[i+1]-1. */
  readonly start: Int32Array;
  /** Cycles a commit or taken exit in molecule i waits for results in flight. */
  readonly wait: Int32Array;
  readonly maxAtoms: number;
}

type FaultOut = Extract<ExecResult, { kind: 'fault' }>;

const ROLLBACK = Cyc.rollback;

/** No interrupt, and chains followed up to 64 translations per call. */
export const DEFAULT_LIMITS: ExecLimits = { interruptAtCycle: Infinity, maxChain: 64 };

export class ReferenceExecutor implements Executor {
  readonly name = 'reference';
  private readonly decoded = new WeakMap<HostCode, Decoded>();
  /** Cycle categories at the last commit point (to move wasted cycles to rollback). */
  private readonly snap: Float64Array;
  /** This molecule's pending register writes. */
  private wReg = new Int32Array(16);
  private wVal = new Int32Array(16);
  private readonly c = {
    molecules: 0, atoms: 0, issueSlots: 0, commitWait: 0, commits: 0,
    sbStores: 0, sbDrained: 0, sbForwards: 0, sbPeak: 0, aliasRecords: 0, aliasChecks: 0, ioAccesses: 0,
    rollbackAccess: 0, rollbackMisaligned: 0, rollbackAlias: 0, rollbackOverflow: 0, rollbackDevice: 0, rollbackInterrupt: 0, rollbackSmc: 0,
    exitFallthrough: 0, exitSide: 0, exitIndirect: 0, chained: 0, toDispatcher: 0,
  };

  constructor(
    private readonly state: HostState,
    private readonly hierarchy: TimingModel,
    private readonly account: CycleAccount,
    private readonly exitCosts: ExitCosts,
    private readonly moleculeBytes: number,
    /** The machine's indirect-branch predictor (default: none, every indirect exit goes to
     * the dispatcher). */
    private readonly predictor: IndirectPredictor = new IndirectPredictor(PREDICTION_OFF.ibtc, PREDICTION_OFF.ras),
  ) {
    this.snap = new Float64Array(CYCLE_CATEGORIES.length);
  }

  stats(): Record<string, number> {
    return execStats.values(this.c);
  }

  /** The pre-resolved form of `code` (exposed for tests and the fast executor's checks). */
  decode(code: HostCode): Decoded {
    let d = this.decoded.get(code);
    if (!d) {
      d = decodeHostCode(code, this.state.machine.latency);
      this.decoded.set(code, d);
      if (d.maxAtoms > this.wReg.length) {
        this.wReg = new Int32Array(d.maxAtoms);
        this.wVal = new Int32Array(d.maxAtoms);
      }
    }
    return d;
  }

  execute(entry: HostCode, limits: ExecLimits): ExecResult {
    const st = this.state;
    const regs = st.regs;
    const mem = st.memory;
    const hier = this.hierarchy;
    const acct = this.account;
    const c = this.c;
    const width = st.machine.width;
    const mb = this.moleculeBytes;
    const irqAt = limits.interruptAtCycle;

    st.stopRequested = false;
    // The run's entry is a commit point: whatever the interpreter left in the working
    // registers is the state a rollback returns to.
    st.checkpoint();
    this.snap.set(acct.by);
    let now = acct.total();
    let retired = 0;
    let translations = 1;
    let code = entry;

    for (;;) {
      code.execCount++;
      const entered = now;
      const d = this.decode(code);
      const { x, rd, rs1, rs2, rs3, imm, size, sext, fn, cond, atoms, start, wait } = d;
      const wReg = this.wReg;
      const wVal = this.wVal;
      const nMol = start.length - 1;
      let commitRetired = 0;
      let commitPc: number | null = null;

      for (let i = 0; i < nMol; i++) {
        if (now >= irqAt) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'interrupt', i, -1, 0);
        const fs = hier.fetch((code.hostAddr + i * mb) >>> 0);
        if (fs !== 0) { acct.add(Cyc.stallIcache, fs); now += fs; }
        acct.add(Cyc.execute, 1);
        now += 1;
        const a0 = start[i]!;
        const a1 = start[i + 1]!;
        c.molecules++;
        c.atoms += a1 - a0;
        c.issueSlots += width;

        let nw = 0;
        let exitAt = -1;
        let exitTarget = 0;
        let commitAt = -1;
        for (let k = a0; k < a1; k++) {
          switch (x[k]) {
            case X_ALU: wReg[nw] = rd[k]!; wVal[nw++] = fn[k]!(regs[rs1[k]!]!, regs[rs2[k]!]!); break;
            case X_ALUI: wReg[nw] = rd[k]!; wVal[nw++] = fn[k]!(regs[rs1[k]!]!, imm[k]!); break;
            case X_LI: wReg[nw] = rd[k]!; wVal[nw++] = imm[k]!; break;
            case X_MOV: wReg[nw] = rd[k]!; wVal[nw++] = regs[rs1[k]!]!; break;
            case X_CMP: wReg[nw] = rd[k]!; wVal[nw++] = cond[k]!(regs[rs1[k]!]!, regs[rs2[k]!]!) ? 1 : 0; break;
            case X_SEL: wReg[nw] = rd[k]!; wVal[nw++] = regs[rs1[k]!] !== 0 ? regs[rs2[k]!]! : regs[rs3[k]!]!; break;
            case X_LD:
            case X_LDP: {
              const sz = size[k]! as AccessSize;
              const addr = (regs[rs1[k]!]! + imm[k]!) >>> 0;
              if ((addr & (sz - 1)) !== 0) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'misaligned', i, k - a0, addr);
              if (!mem.isRam(addr)) return this.fault(code, now - entered, retired + commitRetired, commitPc, mem.deviceAt(addr) ? 'device' : 'access', i, k - a0, addr);
              if (x[k] === X_LDP) {
                if (!st.protect(addr, sz)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'overflow', i, k - a0, addr);
                c.aliasRecords++;
              }
              const ds = hier.data(addr, false);
              if (ds !== 0) { acct.add(Cyc.stallDcache, ds); now += ds; }
              const v = st.loadRam(addr, sz);
              if (st.forwarded) c.sbForwards++;
              const sh = sext[k]!;
              wReg[nw] = rd[k]!;
              wVal[nw++] = sh === 0 ? v : (v << sh) >> sh;
              break;
            }
            case X_LDIO: {
              const sz = size[k]! as AccessSize;
              const addr = (regs[rs1[k]!]! + imm[k]!) >>> 0;
              if ((addr & (sz - 1)) !== 0) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'misaligned', i, k - a0, addr);
              let v: number;
              const ram = mem.isRam(addr);
              if (!ram && !mem.deviceAt(addr)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'access', i, k - a0, addr);
              if (ram) {
                const ds = hier.data(addr, false);
                if (ds !== 0) { acct.add(Cyc.stallDcache, ds); now += ds; }
              }
              try {
                v = mem.load(addr, sz);
              } catch (e) {
                if (e instanceof GuestTrap) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'access', i, k - a0, addr);
                throw e;
              }
              c.ioAccesses++;
              const sh = sext[k]!;
              wReg[nw] = rd[k]!;
              wVal[nw++] = sh === 0 ? v : (v << sh) >> sh;
              break;
            }
            case X_ST:
            case X_STC: {
              const sz = size[k]! as AccessSize;
              const addr = (regs[rs1[k]!]! + imm[k]!) >>> 0;
              if ((addr & (sz - 1)) !== 0) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'misaligned', i, k - a0, addr);
              if (!mem.isRam(addr)) return this.fault(code, now - entered, retired + commitRetired, commitPc, mem.deviceAt(addr) ? 'device' : 'access', i, k - a0, addr);
              const watched = mem.watched[addr >>> PAGE_BITS]!;
              if (watched !== 0) {
                // A store watcher (HTIF tohost) acts at the store itself: a device in disguise.
                if (mem.storeIsWatched(addr, sz)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'device', i, k - a0, addr);
                if ((watched & WATCH_CODE) !== 0 && limits.writesOwnCode?.(code, addr, sz)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'smc', i, k - a0, addr);
              }
              if (x[k] === X_STC) {
                c.aliasChecks++;
                if (st.aliases(addr, sz)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'alias', i, k - a0, addr);
              }
              if (!st.bufferStore(addr, sz, regs[rs2[k]!]!)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'overflow', i, k - a0, addr);
              c.sbStores++;
              if (st.sbCount > c.sbPeak) c.sbPeak = st.sbCount;
              break;
            }
            case X_STIO: {
              const sz = size[k]! as AccessSize;
              const addr = (regs[rs1[k]!]! + imm[k]!) >>> 0;
              if ((addr & (sz - 1)) !== 0) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'misaligned', i, k - a0, addr);
              const ram = mem.isRam(addr);
              if (!ram && !mem.deviceAt(addr)) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'access', i, k - a0, addr);
              if (ram) {
                const ds = hier.data(addr, true);
                if (ds !== 0) { acct.add(Cyc.stallDcache, ds); now += ds; }
              }
              try {
                mem.store(addr, sz, regs[rs2[k]!]!);
              } catch (e) {
                if (e instanceof GuestTrap) return this.fault(code, now - entered, retired + commitRetired, commitPc, 'access', i, k - a0, addr);
                throw e;
              }
              c.ioAccesses++;
              break;
            }
            case X_COMMIT: commitAt = k; break;
            case X_EXIT: case X_CALL: if (exitAt < 0) { exitAt = k; exitTarget = imm[k]! >>> 0; } break;
            case X_EXITIF: if (exitAt < 0 && regs[rs1[k]!] !== 0) { exitAt = k; exitTarget = imm[k]! >>> 0; } break;
            case X_EXITIND: case X_ICALL: case X_RET: if (exitAt < 0) { exitAt = k; exitTarget = regs[rs1[k]!]! >>> 0; } break;
            default: throw new Error(`reference executor: bad internal opcode ${x[k]}`);
          }
        }
        // The molecule's results land (r0 is never a destination in validated code; the
        // guard keeps it zero even for code that was not validated).
        for (let w = 0; w < nw; w++) { const r = wReg[w]!; if (r !== 0) regs[r] = wVal[w]!; }

        if (commitAt >= 0 || exitAt >= 0) {
          const wt = wait[i]!;
          if (wt !== 0) { acct.add(Cyc.execute, wt); now += wt; c.commitWait += wt; }
          if (commitAt >= 0) {
            now += this.commit();
            commitRetired = atoms[commitAt]!.retired;
            commitPc = imm[commitAt]! >>> 0;
            if (exitAt < 0) this.snap.set(acct.by);
          }
          if (exitAt >= 0) {
            const ex = atoms[exitAt]!;
            now += this.commit();
            retired += ex.retired;
            const xk = x[exitAt]!;
            const follow = !st.stopRequested;
            const pred = this.predictor;
            let cost: number;
            // Where control goes without the dispatcher: a chained link, or a predicted target.
            let link: HostCode | null = null;
            let predicted: HostCode | null = null;
            if (xk === X_EXIT) { cost = this.exitCosts.fallthrough; c.exitFallthrough++; link = ex.link; }
            else if (xk === X_EXITIF) { cost = this.exitCosts.sideExit; c.exitSide++; link = ex.link; }
            else if (xk === X_CALL) { cost = this.exitCosts.fallthrough + pred.call(ex.retPc, ex); c.exitFallthrough++; link = ex.link; }
            else {
              cost = this.exitCosts.indirect;
              c.exitIndirect++;
              if (xk === X_ICALL) cost += pred.call(ex.retPc, ex);
              predicted = xk === X_RET ? pred.ret(exitTarget, follow) : pred.jump(exitTarget, follow);
              cost += pred.cost;
            }
            if (link !== null && follow) { cost += this.exitCosts.chained; c.chained++; }
            else if (predicted === null) { cost += this.exitCosts.toDispatcher; c.toDispatcher++; link = null; }
            else link = predicted;
            acct.add(Cyc.exit, cost);
            now += cost;
            this.snap.set(acct.by);
            code.cycles += now - entered;
            if (link !== null && translations < limits.maxChain) {
              limits.onChain?.(code, retired, exitTarget);
              const log = limits.chainLog;
              if (log) {
                log.push(code.tag, exitTarget);
                if (code.execCount >= (code.dueAt ?? Infinity)) log.noteDue(code.tag, code.execCount);
              }
              translations++;
              code = link;
              break;
            }
            const res: ExitResult = {
              kind: 'exit', code, exitAtom: ex, molecule: i, atom: exitAt - a0, target: exitTarget, retired,
              chainTo: link,
            };
            if (link === null || !((limits.continueRun?.(res, acct.total()) ?? 0) > 0)) return res;
            // A new run, entered as execute() enters one (the exit's commit left the state,
            // the rollback snapshot and the store buffer as a fresh entry makes them).
            now = acct.total();
            translations = 1;
            retired = 0;
            code = link;
            break;
          }
        }
        if (i === nMol - 1) {
          throw new Error(`reference executor: translation tag ${code.tag} fell off its last molecule (invalid code)`);
        }
      }
    }
  }

  /** Commit point: shadow ← working, drain stores, clear alias ranges; returns stall cycles. */
  private commit(): number {
    const st = this.state;
    st.checkpoint();
    this.c.commits++;
    this.c.sbDrained += st.sbCount;
    const stall = st.drain(this.hierarchy);
    st.clearAlias();
    if (stall !== 0) this.account.add(Cyc.stallDcache, stall);
    return stall;
  }

  /** A fault in `code` after `spent` cycles in it: roll back (no closure on the hot path). */
  private fault(code: HostCode, spent: number, retired: number, commitPc: number | null, cause: FaultCause, molecule: number, atom: number, addr: number): FaultOut {
    code.cycles += spent;
    return this.rollback(code, cause, molecule, atom, addr, retired, commitPc);
  }

  private rollback(code: HostCode, cause: FaultCause, molecule: number, atom: number, addr: number, retired: number, commitPc: number | null): FaultOut {
    this.state.rollback();
    const by = this.account.by;
    for (let cat = 0; cat < by.length; cat++) {
      const wasted = by[cat]! - this.snap[cat]!;
      if (cat !== ROLLBACK && wasted !== 0) this.account.move(cat, ROLLBACK, wasted);
    }
    switch (cause) {
      case 'access': this.c.rollbackAccess++; break;
      case 'misaligned': this.c.rollbackMisaligned++; break;
      case 'alias': this.c.rollbackAlias++; break;
      case 'overflow': this.c.rollbackOverflow++; break;
      case 'device': this.c.rollbackDevice++; break;
      case 'interrupt': this.c.rollbackInterrupt++; break;
      case 'smc': this.c.rollbackSmc++; break;
      default: assertNever(cause, 'fault cause');
    }
    return { kind: 'fault', code, cause, molecule, atom, addr, retired, commitPc };
  }
}

/** Pre-resolve a translation into the flat arrays the executor loop reads. */
export function decodeHostCode(code: HostCode, latency: Readonly<Record<string, number>>): Decoded {
  let n = 0;
  let maxAtoms = 0;
  for (const m of code.molecules) { n += m.atoms.length; maxAtoms = Math.max(maxAtoms, m.atoms.length); }
  const d = {
    x: new Uint8Array(n), rd: new Int32Array(n), rs1: new Int32Array(n), rs2: new Int32Array(n), rs3: new Int32Array(n),
    imm: new Int32Array(n), size: new Uint8Array(n), sext: new Uint8Array(n),
    fn: new Array<(a: number, b: number) => number>(n).fill(ALU.add),
    cond: new Array<(a: number, b: number) => boolean>(n).fill(BRANCH.eq),
    atoms: new Array<Atom>(n), start: new Int32Array(code.molecules.length + 1), wait: new Int32Array(code.molecules.length), maxAtoms,
  };
  let k = 0;
  // Latest cycle a result issued since the last commit point lands (commits wait for it).
  let maxLand = 0;
  code.molecules.forEach((m, i) => {
    d.start[i] = k;
    let commits = false;
    for (const a of m.atoms) {
      const spec = ATOMS[a.op];
      d.atoms[k] = a;
      d.rd[k] = a.rd; d.rs1[k] = a.rs1; d.rs2[k] = a.rs2; d.rs3[k] = a.rs3; d.imm[k] = a.imm | 0;
      d.size[k] = spec.size ?? 0;
      d.sext[k] = spec.signed ? 32 - 8 * spec.size! : 0;
      switch (spec.kind) {
        case 'alu': d.x[k] = X_ALU; d.fn[k] = ALU[spec.alu as AluOp]; break;
        case 'aluImm': d.x[k] = X_ALUI; d.fn[k] = ALU[spec.alu as AluOp]; break;
        case 'li': d.x[k] = X_LI; break;
        case 'mov': d.x[k] = X_MOV; break;
        case 'cmp': d.x[k] = X_CMP; d.cond[k] = BRANCH[spec.cond as BranchCond]; break;
        case 'sel': d.x[k] = X_SEL; break;
        case 'load': d.x[k] = spec.mode === 'protected' ? X_LDP : spec.mode === 'io' ? X_LDIO : X_LD; break;
        case 'store': d.x[k] = spec.mode === 'checked' ? X_STC : spec.mode === 'io' ? X_STIO : X_ST; break;
        case 'commit': d.x[k] = X_COMMIT; commits = true; break;
        case 'exit': d.x[k] = X_EXIT; commits = true; break;
        case 'exitIf': d.x[k] = X_EXITIF; break;
        case 'exitInd': d.x[k] = X_EXITIND; commits = true; break;
        case 'exitCall': d.x[k] = X_CALL; commits = true; break;
        case 'exitIndCall': d.x[k] = X_ICALL; commits = true; break;
        case 'exitRet': d.x[k] = X_RET; commits = true; break;
        default: assertNever(spec.kind, 'atom kind');
      }
      if ((KIND_OPERANDS[spec.kind] as readonly OperandKind[]).includes('rd')) maxLand = Math.max(maxLand, i + latency[spec.latency]!);
      k++;
    }
    d.wait[i] = Math.max(0, maxLand - (i + 1));
    if (commits) maxLand = Math.min(maxLand, i + 1);
  });
  d.start[code.molecules.length] = k;
  return d;
}
