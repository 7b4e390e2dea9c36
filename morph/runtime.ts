/**
 * The code-morphing runtime ("CMS"): the dispatch loop that, for the current guest pc,
 * either runs a translation from the translation cache or interprets, and the recovery
 * path that keeps guest state precise.
 *
 * Time: every host cycle is added to the machine's CycleAccount, and the guest-visible
 * clock (mtime, mcycle) is kept equal to the account's total at every dispatcher boundary.
 *
 * Precise state: a translation is atomic up to its commit points. When it faults, the
 * executor has already rolled the host back to the last commit; the runtime then
 * interprets from there, one block at a time, so an exception is raised by the interpreter
 * at exactly the faulting instruction (mepc/mcause/mtval exact), and an interrupt that
 * became pending during the translation is delivered at the rolled-back boundary.
 *
 * Self-modifying code: a store that overlaps a translation's guest bytes drops exactly that
 * translation when it reaches memory, and a store that would rewrite the running
 * translation's own code rolls it back first (cause `smc`). So `fence.i` has nothing left to
 * invalidate; it is interpreted like any other system instruction.
 */
import type { Config } from '../core/params.ts';
import { interruptsEnabled, pendingInterrupt, pmpTransparent } from '../isa-guest/csr.ts';
import type { GuestEnv } from '../isa-guest/env.ts';
import type { Hart } from '../isa-guest/hart.ts';
import type { Interpreter } from '../isa-guest/interp.ts';
import { ATOMS, isChainable } from '../isa-host-vliw/atoms.ts';
import type { Atom, HostCode } from '../isa-host-vliw/code.ts';
import type { MachineDesc } from '../isa-host-vliw/machine.ts';
import { Cyc, type CycleAccount } from '../sim-microarch/cycles.ts';
import { ChainLog, type ExecResult, type Executor, type ExitResult } from '../sim-microarch/executor.ts';
import type { HostState } from '../sim-microarch/host-state.ts';
import type { IndirectPredictor } from '../sim-microarch/indirect.ts';
import { liftRegion } from './lift.ts';
import type { IrRegion } from './optimizer/ir.ts';
import { PassRegistry } from './optimizer/passes.ts';
import { optimizeRegion } from './optimizer/pipeline.ts';
import { PolicyRegistry, REASONS, type RetranslationPolicy, type TranslationReport } from './optimizer/policy.ts';
import { translateTrace } from './optimizer/tier2.ts';
import { formTrace, type Trace, type TraceSource } from './optimizer/trace.ts';
import { cmsParams, runParams, tierParams } from './params.ts';
import { Profile } from './profiler/profile.ts';
import { morphStats } from './stats.ts';
import { overlapsRanges, TranslationCache, type HistoryEntry, type Speculation, type Translation } from './tcache.ts';
import { translateRegion } from './translate.ts';

/** How a Runtime is extended from outside (library users, tests). */
export interface RuntimeOptions {
  /** Retranslation policies by name (default: the built-in ones). */
  readonly policies?: PolicyRegistry;
  /** The policy to use (default 'default'). */
  readonly policy?: string;
  /** Where tier 2 looks up IR passes and pipelines (default: the built-in ones). */
  readonly passes?: PassRegistry;
  /** The pipeline run on every trace before scheduling: a name or pass names (default `O2`). */
  readonly pipeline?: string | readonly string[];
  /** Let the executor go on past the end of a run where the dispatcher would just enter the
   * chained translation again (ExecLimits.continueRun; default true). Results are the same
   * either way: tests turn it off to check that. */
  readonly continueRuns?: boolean;
  /** How many dropped translations the history holds whole, code and IR (the ones with the
   * most cycles; default DEFAULT_KEEP_WHOLE; Infinity: all, and the runtime forgets nothing
   * it keeps by translation id either, for studies of every translation made). The others
   * keep only their statistics, so memory stays bounded when translations churn. Results do
   * not depend on it. */
  readonly keepDroppedWhole?: number;
}

/** What tier 1 speculates (one object for all its translations). */
const NO_SPECULATION: Speculation = Object.freeze({ memory: false, control: false });

/** Executions of a tier-2 translation between two consultations of the policy. */
const POLICY_INTERVAL = 256;

export type RunStop = 'exit' | 'limit';

/** What a step of the runtime did, for the lockstep checker. */
export interface StepInfo {
  /** The translation that ran (the last one of a chained run), if any. */
  translation: Translation | undefined;
}

export class Runtime {
  readonly profile = new Profile();
  readonly tcache: TranslationCache;
  private readonly cms: ReturnType<typeof cmsParams.read>;
  private readonly tier: ReturnType<typeof tierParams.read>;
  /** Guest pcs of loads/stores that touched a device inside a translation: interpreted from now on. */
  private readonly ioPcs = new Set<number>();
  /** Guest pcs where no region can start (a system instruction or a device access is first). */
  private readonly untranslatable = new Set<number>();
  /** The instruction limit of the current run(): nothing may retire past it. */
  private maxInstret = Number.MAX_SAFE_INTEGER;
  /** Exit taken by the previous translation run, to chain when its target gets translated. */
  private pendingLink: Atom | null = null;
  /** A chained transfer already paid for by the executor (run it without a lookup). */
  private chainTo: HostCode | null = null;
  private readonly byTag = new Map<number, Translation>();
  /** Guest pc of the previous dispatcher lookup (profiled control-flow edges), -1 at start. */
  private lastDispatchPc = -1;
  /** run.mode=optimize: tier 2 on, exits profiled exactly. */
  private readonly optimize: boolean;
  private readonly policy: RetranslationPolicy;
  private readonly passes: PassRegistry;
  private readonly pipeline: string | readonly string[];
  /** Check the IR after every pass (lockstep verification sets it). */
  verifyPasses = false;
  /** Latest tier-1 translation id per block entry pc (its exits are the branch profile). */
  private readonly tier1At = new Map<number, number>();
  /** The trace each tier-2 translation was made from, by translation id. */
  private readonly traces = new Map<number, Trace>();
  /** Entry pcs where tier 2 gave up (no trace, no fit, or out of versions). */
  private readonly settled = new Set<number>();
  /** Per tier-1 translation id: executions at which it is promoted, when not hotThreshold. */
  private readonly promoteAt = new Map<number, number>();
  /** Per tier-2 translation id: execution count at which to consult the policy next. */
  private readonly nextPolicyCheck = new Map<number, number>();
  readonly c = {
    instret: 0, interpretedInsns: 0, translatedInsns: 0, blocksInterpreted: 0, translationsMade: 0,
    translationsExecuted: 0, chainsMade: 0, dispatches: 0, invalidations: 0,
    evictions: 0, flushes: 0, interrupts: 0, exceptions: 0,
    tier2Made: 0, tier2Insns: 0, loopTraces: 0, tier2Declined: 0, protectedLoads: 0, checkedStores: 0,
    retranslations: 0, retranslateAlias: 0, retranslateRollback: 0, retranslateSideExit: 0, retranslateOther: 0,
  };
  /** Called after every dispatcher step (lockstep verification hooks in here). */
  onStep: ((info: StepInfo) => void) | undefined;
  /** Called at every chained transfer inside a run, with the instret and pc the guest has
   * reached there (the hart's own fields are updated only when the run ends). Setting it
   * makes the executor stop at every transfer (slower). */
  onChain: ((info: StepInfo, instret: number, pc: number) => void) | undefined;
  private readonly chainHook = (from: HostCode, retired: number, target: number): void => {
    const t = this.optimize ? this.noteChain(from, target) : this.byTag.get(from.tag);
    this.onChain?.({ translation: t }, this.hart.instret + retired, target);
  };
  /** run.mode=optimize without a hook: the run's chained transfers, noted when it ends. */
  private readonly chainLog = new ChainLog();
  /** noteTransfers()'s per-(translation, target) exit counts. */
  private readonly exitTally = new ExitTally();
  /** Translations seen due for retier() during the current run. */
  private readonly due: Translation[] = [];
  private readonly continueRuns: boolean;
  /** The interrupt deadline the executor was given for the current execute(). */
  private runDeadline = Infinity;
  /** continueRun() accounted the run the executor then returned (finish() must not again). */
  private accounted = false;
  /** Called whenever the interpreter is about to run guest code (the lockstep reference
   * aligns its clock there, so device reads and clock_gettime agree). */
  onInterpret: (() => void) | undefined;

  constructor(
    private readonly hart: Hart,
    private readonly env: GuestEnv,
    private readonly interp: Interpreter,
    private readonly host: HostState,
    private readonly executor: Executor,
    private readonly machine: MachineDesc,
    private readonly account: CycleAccount,
    cfg: Config,
    moleculeBytes: number,
    /** The executor's indirect-branch predictor: the dispatcher fills it, and it forgets
     * every translation the cache drops. */
    private readonly predictor?: IndirectPredictor,
    opts: RuntimeOptions = {},
  ) {
    this.cms = cmsParams.read(cfg);
    this.tier = tierParams.read(cfg);
    this.optimize = runParams.read(cfg).mode === 'optimize';
    this.policy = (opts.policies ?? PolicyRegistry.withBuiltins()).get(opts.policy ?? 'default');
    this.passes = opts.passes ?? PassRegistry.withDefaults();
    this.pipeline = opts.pipeline ?? 'O2';
    this.continueRuns = opts.continueRuns ?? true;
    this.passes.resolve(this.pipeline); // an unknown pass or pipeline fails here, not mid-run
    this.tcache = new TranslationCache(env.memory, this.tier.tcacheBytes, this.tier.tcacheBase, moleculeBytes, opts.keepDroppedWhole);
    this.tcache.onDrop = (t) => {
      if (t === 'all') { predictor?.clear(); executor.releaseAll?.(); }
      else { predictor?.purge(t.code); executor.release?.(t.code); }
    };
    env.memory.addCodeWriteListener((addr, size) => this.codeWritten(addr, size));
  }

  stats(): Record<string, number> {
    return morphStats.values({ ...this.c, instret: this.hart.instret });
  }

  translationOf(code: HostCode): Translation | undefined { return this.byTag.get(code.tag); }

  /** Run until the guest exits or `maxInstret` instructions have retired. */
  run(maxInstret: number): RunStop {
    const env = this.env;
    while (env.exitCode === undefined) {
      if (this.hart.instret >= maxInstret) { this.syncClock(); this.compact(); return 'limit'; }
      this.step(maxInstret);
    }
    this.syncClock();
    this.compact();
    return 'exit';
  }

  /** One dispatcher step: deliver a due interrupt, then run one translation (chain) or interpret one block. */
  step(maxInstret: number): void {
    const hart = this.hart;
    this.maxInstret = maxInstret;
    this.syncClock();
    this.compact();
    if (this.deliverInterrupt()) { this.chainTo = null; this.pendingLink = null; this.onStep?.({ translation: undefined }); return; }
    // Translations do not check PMP: while it may deny an access, interpret. (Only
    // interpreted instructions can change that: CSR writes, traps, mret.)
    if (!pmpTransparent(hart)) {
      this.chainTo = null;
      this.pendingLink = null;
      this.interpretBlock(this.tier.maxRegionInsns);
      this.onStep?.({ translation: undefined });
      return;
    }

    let code = this.chainTo;
    this.chainTo = null;
    let t: Translation | undefined;
    if (code) {
      t = this.byTag.get(code.tag);
      if (!t?.valid) { code = null; t = undefined; }
      else if (this.optimize) { t = this.retier(t); code = t.code; }
    }
    if (!code) {
      this.c.dispatches++;
      this.account.add(Cyc.dispatch, this.cms.dispatchCost);
      const pc = hart.pc >>> 0;
      if (this.lastDispatchPc >= 0) this.profile.countEdge(this.lastDispatchPc, pc);
      this.lastDispatchPc = pc;
      t = this.tcache.lookup(pc);
      if (!t && this.profile.countBlock(pc) >= this.tier.threshold && !this.untranslatable.has(pc)) t = this.translate(pc);
      if (t && this.optimize) t = this.retier(t);
      if (t) {
        this.chain(t);
        this.predictor?.resolved(pc, t.code);
        code = t.code;
      }
    }
    if (!code || !t || hart.instret + t.guestInsns > maxInstret) {
      this.pendingLink = null;
      // Where translation is impossible (a system instruction, a device access) interpret
      // just that instruction, so the code after it can be translated.
      this.interpretBlock(this.untranslatable.has(hart.pc >>> 0) ? 1 : this.tier.maxRegionInsns);
      this.onStep?.({ translation: undefined });
      return;
    }
    // A run retires whole translations (at most maxRegionInsns each) and cannot stop inside
    // one: near the instruction limit, run just this one (its size was checked above).
    const room = maxInstret - hart.instret;
    const maxChain = room >= this.fullRunInsns() ? this.tier.maxChain : 1;
    // Tier 2 needs the chained transfers only after the run: logged, the executor need not
    // stop at each (a user's hook still sees them as they happen, and tier 2 with it).
    // Past a full run the executor may go on (continueRun) when no hook watches every step.
    this.runDeadline = this.interruptDeadline();
    const res = this.executor.execute(code, {
      interruptAtCycle: this.runDeadline, maxChain, writesOwnCode: this.writesOwnCode,
      onChain: this.onChain ? this.chainHook : undefined,
      chainLog: this.optimize && !this.onChain ? this.chainLog : undefined,
      continueRun: this.continueRuns && maxChain === this.tier.maxChain && !this.onChain && !this.onStep ? this.continueRun : undefined,
      passRun: this.passRun,
    });
    this.syncClock();
    const last = this.finish(res);
    this.onStep?.({ translation: last });
  }

  /** Account a finished run and recover from a fault. Returns the last translation that ran. */
  private finish(res: ExecResult): Translation | undefined {
    let t: Translation | undefined;
    if (this.accounted) {
      this.accounted = false;
      t = this.byTag.get(res.code.tag);
    } else {
      this.noteTransfers();
      t = this.finishRun(res);
    }
    if (this.optimize) {
      if (t && this.dueForRetier(t)) this.due.push(t);
      for (const d of this.due) this.retier(d);
      this.due.length = 0;
    }
    return t;
  }

  /**
   * The executor's question at the end of a run that chains on (ExecLimits.continueRun, `now`
   * the cycle count there): account the run as finish() does, then answer whether the next
   * step() would just enter `res.chainTo` the same way, so the executor may go on without
   * returning: no hook, no tier-2 or policy work due (finish()'s due list and the target's
   * retier() would do nothing), the guest still running, room for another full run, no
   * interrupt to deliver and the same deadline, PMP still transparent, the target valid. On
   * false, finish() does only what is left (the due list) once the executor returns `res`.
   */
  private readonly continueRun = (res: ExitResult, now: number): number => {
    if (res.retired === 0) return 0; // finishRun() would interpret: not at this clock
    this.noteTransfers();
    const last = this.finishRun(res);
    this.accounted = true;
    const next = this.byTag.get(res.chainTo!.tag);
    if (!next?.valid) return 0;
    if (this.optimize && (this.due.length !== 0 || (last !== undefined && this.dueForRetier(last)) || this.dueForRetier(next))) return 0;
    const hart = this.hart;
    const env = this.env;
    const room = this.maxInstret - hart.instret;
    if (env.exitCode !== undefined || room < this.fullRunInsns() || room < next.guestInsns) return 0;
    env.clock.cycles = now; // as syncClock() sets it at the boundary
    if (pendingInterrupt(hart, env) >= 0 || this.interruptDeadline() !== this.runDeadline || !pmpTransparent(hart)) return 0;
    // step() would now take chainTo and run it with the same limits.
    this.accounted = false;
    this.chainTo = null;
    // Nothing here changes inside the next runs but by time, room, devices and (optimize
    // mode) translations becoming due, which the executor's conditions for passing a run's
    // end cover (ExecLimits). Room does not, so only as many run ends pass (passRun) as
    // leave room for a full run and the longest translation after each, even if every run
    // retired maxChain of the longest translations (tier 2's traces may be longer than a
    // region, so this is not a full run each).
    const longest = this.optimize ? Math.max(this.tier.maxRegionInsns, this.tier.traceMaxInsns) : this.tier.maxRegionInsns;
    return 1 + Math.max(0, Math.floor((room - Math.max(this.fullRunInsns(), longest)) / (this.tier.maxChain * longest)));
  };

  /** A run's end the executor passed (ExecLimits.passRun): what finishRun() and continueRun()
   * would have done there in translate mode, the rest (instructions, pc) being sums or
   * overwritten by the next run's end. */
  private readonly passRun = (code: HostCode, exitAtom: Atom, target: number, now: number): void => {
    this.c.translationsExecuted++;
    if (exitAtom.op === 'exit.if') {
      const t = this.byTag.get(code.tag);
      if (t) this.profile.countSideExit(t.entryPc, target >>> 0);
    }
    if (this.optimize) this.profile.countExit(code.tag, target >>> 0);
    this.env.clock.cycles = now;
  };

  /** The most guest instructions a full run (tier.maxChain translations) of tier-1 regions
   * can retire: with less room left, step() runs one translation at a time and
   * continueRun() stops. */
  private fullRunInsns(): number {
    return this.tier.maxChain * this.tier.maxRegionInsns;
  }

  private finishRun(res: ExecResult): Translation | undefined {
    const hart = this.hart;
    const t = this.byTag.get(res.code.tag);
    this.c.translationsExecuted++;
    hart.instret += res.retired;
    this.c.translatedInsns += res.retired;
    if (res.kind === 'exit') {
      hart.pc = res.target >>> 0;
      if (res.retired === 0) {
        // No progress: the translation bailed out before its first instruction (e.g. a jalr
        // whose target is misaligned); the interpreter executes it and raises the trap.
        this.pendingLink = null;
        this.chainTo = null;
        this.interpretBlock(1);
        return t;
      }
      if (t && res.exitAtom.op === 'exit.if') this.profile.countSideExit(t.entryPc, res.target >>> 0);
      if (this.optimize) this.profile.countExit(res.code.tag, res.target >>> 0);
      this.pendingLink = isChainable(ATOMS[res.exitAtom.op].kind) ? res.exitAtom : null;
      this.chainTo = res.chainTo;
      return t;
    }
    // Fault: the host is back at the last commit of the faulting translation.
    const entry = t ? t.entryPc : hart.pc >>> 0;
    hart.pc = (res.commitPc ?? entry) >>> 0;
    this.pendingLink = null;
    this.account.add(Cyc.rollback, this.cms.rollbackCost);
    this.syncClock();
    if (t) {
      t.rollbacks++;
      this.profile.countRollback(t.entryPc, res.cause);
      this.profile.countFault(t.id, res.cause);
      if (t.tier === 2) { this.nextPolicyCheck.set(t.id, 0); this.refreshDue(t); } // consult the policy at its next run
    }
    switch (res.cause) {
      case 'interrupt':
        this.deliverInterrupt();
        break;
      case 'device': {
        // Never speculate device accesses: keep this instruction in the interpreter and
        // retranslate the region without it.
        const atom = res.molecule >= 0 && res.atom >= 0 ? res.code.molecules[res.molecule]?.atoms[res.atom] : undefined;
        const pc = atom && t ? t.guestPcOf.get(atom) : undefined;
        if (pc !== undefined) { this.ioPcs.add(pc); this.untranslatable.add(pc); }
        if (t) { this.tcache.remove(t); this.invalidated([t]); }
        this.interpretBlock(this.tier.maxRegionInsns);
        break;
      }
      case 'smc':
        // The translation was about to rewrite its own code: drop it and let the
        // interpreter run the store and whatever it changed.
        if (t?.valid) { this.tcache.remove(t); this.invalidated([t]); }
        this.interpretBlock(this.tier.maxRegionInsns);
        break;
      case 'access': case 'misaligned': case 'alias': case 'overflow':
        // Re-execute precisely: the interpreter raises the trap at the faulting instruction.
        this.interpretBlock(this.tier.maxRegionInsns);
        break;
    }
    return t;
  }

  /** At a chained transfer (optimize mode): profile the exit; translations entered only
   * through chains never reach the dispatcher, so note the ones due for tier 2 or for the
   * policy, and deal with them when the run ends. */
  private noteChain(from: HostCode, target: number): Translation | undefined {
    const t = this.byTag.get(from.tag);
    this.profile.countExit(from.tag, target);
    if (t && this.dueForRetier(t)) this.due.push(t);
    return t;
  }

  /**
   * The run's logged transfers, noted as noteChain() would have noted them one by one (it
   * runs before finishRun(), as the run's transfers came before it). Nothing noteChain()
   * reads changed meanwhile but execution counts: retier()'s thresholds (dueAt) change only
   * after the run, and a translation invalidated during the run (after which nothing chains:
   * the executor is told to stop) would have had nothing done by its retier() anyway.
   *
   * The exit counts are sums (the log's entries may be too). A transfer is due when its
   * translation's count then has reached dueAt(): the executors note the transfers whose
   * count reached `code.dueAt` (refreshDue keeps it at most dueAt()), with that count.
   */
  private noteTransfers(): void {
    const log = this.chainLog;
    if (log.length === 0 && log.dueTag.length === 0) return;
    const tally = this.exitTally;
    tally.tally(log);
    tally.flush(this.profile);
    const { dueTag, dueCount } = log;
    for (let i = 0; i < dueTag.length; i++) {
      const t = this.byTag.get(dueTag[i]!);
      if (t !== undefined && dueCount[i]! >= this.dueAt(t)) this.due.push(t);
    }
    log.clear();
  }

  /** Interpret one basic block (cold code, system instructions, recovery). */
  private interpretBlock(limit: number): void {
    this.syncClock();
    this.onInterpret?.();
    const interp = this.interp;
    const before = this.hart.instret;
    const idle0 = interp.idleCycles;
    const c0 = this.env.clock.cycles;
    const traps0 = interp.trapsTaken;
    const irq0 = interp.interruptsTaken;
    interp.runBlock(Math.min(limit, this.maxInstret - this.hart.instret));
    const idle = interp.idleCycles - idle0;
    this.account.add(Cyc.idle, idle);
    this.account.add(Cyc.interpret, this.env.clock.cycles - c0 - idle);
    const n = this.hart.instret - before;
    this.c.interpretedInsns += n;
    this.c.blocksInterpreted++;
    this.c.exceptions += interp.trapsTaken - traps0;
    this.c.interrupts += interp.interruptsTaken - irq0;
  }

  /** Deliver a pending, enabled interrupt at this (precise) boundary. */
  private deliverInterrupt(): boolean {
    if (pendingInterrupt(this.hart, this.env) < 0) return false;
    this.onInterpret?.();
    const taken = this.interp.takeInterruptIfPending();
    if (taken) this.c.interrupts++;
    return taken;
  }

  /** Absolute cycle at which a translation must stop for an interrupt (Infinity if none can come). */
  private interruptDeadline(): number {
    const hart = this.hart;
    if (!interruptsEnabled(hart) || hart.mie === 0) return Infinity;
    const when = this.env.nextEventCycle();
    // Something is pending already but not enabled: nothing new can arrive inside a
    // translation (mie changes only through CSR instructions, which are interpreted).
    return when <= this.env.clock.cycles ? Infinity : when;
  }

  private translate(pc: number): Translation | undefined {
    const tag = this.tcache.newId();
    const tr = translateRegion(this.env.memory, pc, this.machine, tag, { maxInsns: this.tier.maxRegionInsns, stopAt: this.ioPcs });
    if (!tr) {
      this.untranslatable.add(pc);
      return undefined;
    }
    this.account.add(Cyc.translate, this.cms.translateCost * tr.region.guestInsns);
    const before = this.tier1At.get(pc);
    // Dropped already (the cache had no translation at pc), and no longer the profile's source.
    if (before !== undefined && this.forgetsDropped()) this.profile.forget(before);
    this.tier1At.set(pc, tag);
    return this.install({
      id: tag, entryPc: pc, endPc: tr.region.endPc, ranges: [[pc, tr.region.endPc]], guestInsns: tr.region.guestInsns, tier: 1,
      code: tr.code, region: tr.region, guestPcOf: tr.guestPcOf, blocks: [pc],
      speculation: NO_SPECULATION, history: this.newVersion(pc, 1, 'threshold'),
    });
  }

  /** Place a new translation in the cache (flushing it first when full). */
  private install(t: Parameters<TranslationCache['insert']>[0]): Translation {
    if (!this.tcache.fits(t.code.molecules.length)) {
      const n = this.tcache.flush();
      this.byTag.clear();
      this.c.evictions += n;
      this.c.flushes++;
      this.account.add(Cyc.translate, this.cms.flushCost);
      this.pendingLink = null;
      this.chainTo = null;
    }
    const placed = this.tcache.insert(t);
    this.byTag.set(t.id, placed);
    this.refreshDue(placed);
    this.c.translationsMade++;
    return placed;
  }

  /** The history of `pc` with one more version appended. */
  private newVersion(pc: number, tier: 1 | 2, reason: string): HistoryEntry[] {
    return this.tcache.history.newVersion(pc, tier, reason, this.account.total());
  }

  /** Between steps (no run in progress, so the counts of dropped translations are final):
   * compact the history, and forget what is kept here by the id of a dropped translation. */
  private compact(): void {
    const dropped = this.tcache.history.compact();
    if (!this.forgetsDropped()) return;
    for (const t of dropped) {
      this.traces.delete(t.id);
      this.promoteAt.delete(t.id);
      this.nextPolicyCheck.delete(t.id);
      // A pc's latest tier-1 translation stays the source of its branches' profile (makeTrace).
      if (this.tier1At.get(t.entryPc) !== t.id) this.profile.forget(t.id);
    }
  }

  /** Does the runtime forget its per-id data of dropped translations? Not when the history
   * holds them all whole (RuntimeOptions.keepDroppedWhole: Infinity, a study of everything). */
  private forgetsDropped(): boolean {
    return this.tcache.history.keepWhole !== Infinity;
  }

  /** Would retier() look at `t` now (cheap: called at every chained transfer)? */
  private dueForRetier(t: Translation): boolean {
    return t.code.execCount >= this.dueAt(t);
  }

  /** The execution count from which retier() looks at `t` (Infinity: never; an entry pc is
   * never unsettled). It changes only in retier() and when a run ends. */
  private dueAt(t: Translation): number {
    if (!t.valid || this.settled.has(t.entryPc)) return Infinity;
    return t.tier === 1 ? this.promoteAt.get(t.id) ?? this.tier.hotThreshold : this.nextPolicyCheck.get(t.id) ?? 0;
  }

  /**
   * Tier 2 (run.mode=optimize): the translation to run instead of `t` — a new trace when a
   * tier-1 translation has become hot, a new version when the retranslation policy asks for
   * one — or `t` itself.
   */
  private retier(t: Translation): Translation {
    const u = this.retierOnce(t);
    this.refreshDue(t);
    if (u !== t) this.refreshDue(u);
    return u;
  }

  /** The executors' copy of dueAt() (HostCode.dueAt), where it may have changed: install, a
   * tier-2 rollback, retier(). Elsewhere it only rises (settled, invalid): a stale copy is
   * lower, which costs only speed (noteTransfers() checks each due transfer). */
  private refreshDue(t: Translation): void {
    if (!this.optimize) return;
    const at = this.dueAt(t);
    if (t.code.dueAt === at) return;
    t.code.dueAt = at;
    this.executor.noteDueAt?.(t.code);
  }

  private retierOnce(t: Translation): Translation {
    if (!t.valid || this.settled.has(t.entryPc)) return t;
    if (t.tier === 1) {
      if (t.code.execCount < (this.promoteAt.get(t.id) ?? this.tier.hotThreshold)) return t;
      if (!this.promoteAt.has(t.id) && this.insideTrace(t.entryPc)) {
        // Mostly run inside a trace already: promote only if it stays hot on its own.
        this.promoteAt.set(t.id, t.code.execCount + this.tier.hotThreshold);
        return t;
      }
      return this.makeTrace(t.entryPc, { memory: this.tier.speculateMemory, control: this.tier.speculateControl }, 'hot') ?? t;
    }
    if (t.code.execCount < (this.nextPolicyCheck.get(t.id) ?? 0)) return t;
    this.nextPolicyCheck.set(t.id, t.code.execCount + POLICY_INTERVAL);
    const d = this.policy.decide(this.report(t));
    if (!d) return t;
    if (t.history.filter((h) => h.tier === 2).length >= this.tier.maxVersions) {
      this.settled.add(t.entryPc);
      return t;
    }
    this.noteBranches(t);
    const u = this.makeTrace(t.entryPc, d.speculation, d.reason, t);
    if (!u) {
      // Nothing would change: ask again only after as many executions again.
      this.nextPolicyCheck.set(t.id, 2 * t.code.execCount);
      return t;
    }
    this.c.retranslations++;
    switch (d.reason) {
      case REASONS.alias: this.c.retranslateAlias++; break;
      case REASONS.rollbacks: this.c.retranslateRollback++; break;
      case REASONS.sideExit: this.c.retranslateSideExit++; break;
      default: this.c.retranslateOther++;
    }
    return u;
  }

  /** Is `pc` an interior block of a live trace? */
  private insideTrace(pc: number): boolean {
    for (const [id, trace] of this.traces) {
      if (this.byTag.get(id)?.valid && trace.blocks.indexOf(pc) > 0) return true;
    }
    return false;
  }

  /** What the policy sees of a live translation. */
  private report(t: Translation): TranslationReport {
    // Side exits: where the trace leaves a branch it followed (not its natural end).
    const side = new Set((this.traces.get(t.id)?.branches ?? []).map((b) => b.offTarget));
    const sideExits = [...this.profile.exitsOf(t.id)].filter(([pc]) => side.has(pc))
      .map(([target, count]) => ({ target, count })).sort((a, b) => b.count - a.count || a.target - b.target);
    return {
      entryPc: t.entryPc, tier: t.tier, version: t.history.length, speculation: t.speculation,
      executions: t.code.execCount, faults: this.profile.faultsOf(t.id), sideExits, params: this.tier,
    };
  }

  /** Before a trace is re-made, keep what it saw of its branches (the profile it was made from is stale). */
  private noteBranches(t: Translation): void {
    const trace = this.traces.get(t.id);
    if (!trace) return;
    const done = new Set<number>();
    for (const b of trace.branches) {
      if (done.has(b.pc)) continue;
      done.add(b.pc);
      const off = this.profile.exitCount(t.id, b.offTarget);
      const on = Math.max(0, t.code.execCount - off);
      this.profile.noteBranch(b.pc, b.followedTaken ? on : off, b.followedTaken ? off : on);
    }
  }

  /** Form a trace at `pc` from the profile and translate it at tier 2. */
  private makeTrace(pc: number, speculation: Speculation, reason: string, previous?: Translation): Translation | undefined {
    const m = this.machine;
    const src: TraceSource = {
      block: (b) => (this.tier1At.has(b) && !this.untranslatable.has(b)
        ? liftRegion(this.env.memory, b, this.tier.maxRegionInsns, m.numRegs - m.numShadowed, this.ioPcs) : undefined),
      branch: (block, branchPc, taken, fall) => {
        const seen = this.profile.branchOf(branchPc);
        if (seen) return seen;
        const id = this.tier1At.get(block);
        return id === undefined ? undefined : { taken: this.profile.exitCount(id, taken), notTaken: this.profile.exitCount(id, fall) };
      },
    };
    const trace = formTrace(pc, src, {
      maxInsns: this.tier.traceMaxInsns, maxBlocks: this.tier.traceMaxBlocks, unroll: this.tier.loopUnroll,
      bias: this.tier.traceBias, minSamples: this.tier.traceMinSamples, maxStores: m.storeBufferEntries,
    });
    const before = previous && this.traces.get(previous.id);
    if (trace && before && previous.speculation.memory === speculation.memory && previous.speculation.control === speculation.control &&
      sameTrace(trace, before)) return undefined;
    if (trace && !trace.loop && trace.blocks.length < this.tier.traceMinBlocks) {
      this.settled.add(pc);
      this.c.tier2Declined++;
      return undefined;
    }
    const tag = this.tcache.newId();
    const optimize = (r: IrRegion): IrRegion => optimizeRegion(r, { pipeline: this.pipeline, registry: this.passes, verify: this.verifyPasses });
    const tr = trace && translateTrace(trace, m, speculation, tag, optimize);
    if (!trace || !tr) {
      this.settled.add(pc);
      this.c.tier2Declined++;
      return undefined;
    }
    this.account.add(Cyc.translate, this.cms.optimizeCost * trace.region.guestInsns);
    const t = this.install({
      id: tag, entryPc: pc, endPc: trace.region.endPc, ranges: trace.ranges, guestInsns: trace.region.guestInsns, tier: 2,
      code: tr.code, region: tr.region, guestPcOf: tr.guestPcOf, blocks: trace.blocks, speculation,
      history: this.newVersion(pc, 2, reason),
    });
    this.traces.set(tag, trace);
    this.c.tier2Made++;
    this.c.tier2Insns += trace.region.guestInsns;
    if (trace.loop) this.c.loopTraces++;
    this.c.protectedLoads += tr.scheduled.protectedLoads;
    this.c.checkedStores += tr.scheduled.checkedStores;
    return t;
  }

  /** Patch the previous run's exit to jump straight to `t` next time. */
  private chain(t: Translation): void {
    const e = this.pendingLink;
    this.pendingLink = null;
    if (!e || e.link !== null || (e.imm >>> 0) !== t.entryPc) return;
    this.tcache.link(e, t);
    this.c.chainsMade++;
    this.account.add(Cyc.chain, this.cms.chainCost);
  }

  private readonly writesOwnCode = (code: HostCode, addr: number, size: number): boolean => {
    const t = this.byTag.get(code.tag);
    return t !== undefined && overlapsRanges(t.ranges, addr, size);
  };

  private codeWritten(addr: number, size: number): void {
    const hit = this.tcache.invalidateRange(addr, size);
    if (hit.length > 0) this.invalidated(hit);
  }

  /** Account translations just dropped from the cache, and stop chaining into stale code. */
  private invalidated(ts: Translation[]): void {
    for (const t of ts) this.byTag.delete(t.id);
    this.c.invalidations += ts.length;
    this.account.add(Cyc.translate, this.cms.invalidateCost * ts.length);
    this.host.stopRequested = true;
    this.pendingLink = null;
    this.chainTo = null;
  }

  private syncClock(): void {
    this.env.clock.cycles = this.account.total();
  }
}

/** Are two traces the same blocks with the same IR (re-making one would change nothing)? */
function sameTrace(a: Trace, b: Trace): boolean {
  return a.blocks.length === b.blocks.length && a.blocks.every((pc, i) => pc === b.blocks[i]) &&
    a.region.insts.length === b.region.insts.length && a.region.insts.every((x, i) => JSON.stringify(x) === JSON.stringify(b.region.insts[i]));
}

/**
 * Chained transfers counted per (translation, target), for Profile.countExit in bulk: an
 * open-addressing table over (tag, target), and per translation tag the last target it
 * transferred to and that pair's slot (a loop repeats the same few transfers).
 */
export class ExitTally {
  private cap = 256;
  private tags = new Int32Array(this.cap).fill(-1);
  private targets = new Int32Array(this.cap);
  private counts = new Float64Array(this.cap);
  /** Slots in use, in order of first use. */
  private used: number[] = [];
  /** Per tag: the tally (generation) that last saw it, its last target and that pair's slot. */
  private seenGen = new Int32Array(256);
  private lastTarget = new Int32Array(256);
  private lastSlot = new Int32Array(256);
  private gen = 1;
  /** Tags with a per-tag shortcut in this tally (since the last flush()), in order of first use. */
  readonly seen: number[] = [];

  /** Count `log`'s transfers. */
  tally(log: ChainLog): void {
    const { tag: tags, target, count, length: n } = log;
    const gen = this.gen;
    let seenGen = this.seenGen;
    let lastTarget = this.lastTarget;
    let lastSlot = this.lastSlot;
    let counts = this.counts;
    for (let i = 0; i < n; i++) {
      const tag = tags[i]!;
      const tg = target[i]! | 0;
      if (tag < seenGen.length && seenGen[tag] === gen && lastTarget[tag] === tg) { counts[lastSlot[tag]!]! += count[i]!; continue; }
      this.add(tag, tg, count[i]!);
      ({ seenGen, lastTarget, lastSlot, counts } = this);
    }
  }

  /** A transfer the per-tag shortcut does not cover. */
  private add(tag: number, tg: number, n: number): void {
    if (tag >= this.seenGen.length) this.growTags(tag);
    const s = this.slot(tag, tg);
    if (this.seenGen[tag] !== this.gen) { this.seenGen[tag] = this.gen; this.seen.push(tag); }
    this.lastTarget[tag] = tg;
    this.lastSlot[tag] = s;
    this.counts[s]! += n;
  }

  /** Note the counts in `profile` and empty the table. */
  flush(profile: Profile): void {
    for (const s of this.used) profile.countExit(this.tags[s]!, this.targets[s]! >>> 0, this.counts[s]!);
    this.reset();
  }

  reset(): void {
    for (const s of this.used) { this.tags[s] = -1; this.counts[s] = 0; }
    this.used.length = 0;
    this.seen.length = 0;
    this.gen++;
  }

  private growTags(tag: number): void {
    const n = Math.max(tag + 1, 2 * this.seenGen.length);
    const grow = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    this.seenGen = grow(this.seenGen);
    this.lastTarget = grow(this.lastTarget);
    this.lastSlot = grow(this.lastSlot);
  }

  private slot(tag: number, target: number): number {
    if (2 * (this.used.length + 1) > this.cap) this.grow();
    const mask = this.cap - 1;
    let s = (Math.imul(tag, 0x9e3779b1) ^ Math.imul(target, 0x85ebca77)) >>> 0;
    for (s = (s ^ (s >>> 15)) & mask; ; s = (s + 1) & mask) {
      const t = this.tags[s]!;
      if (t === tag && this.targets[s] === target) return s;
      if (t === -1) {
        this.tags[s] = tag;
        this.targets[s] = target;
        this.used.push(s);
        return s;
      }
    }
  }

  /** Twice the slots; pairs keep their order of first use. */
  private grow(): void {
    const { tags, targets, counts, used } = this;
    this.cap *= 2;
    this.tags = new Int32Array(this.cap).fill(-1);
    this.targets = new Int32Array(this.cap);
    this.counts = new Float64Array(this.cap);
    this.used = [];
    for (const s of used) this.counts[this.slot(tags[s]!, targets[s]!)] = counts[s]!;
    // Slots moved: the per-tag shortcuts follow.
    for (const tag of this.seen) this.lastSlot[tag] = this.slot(tag, this.lastTarget[tag]!);
  }
}
