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
import type { ExecResult, Executor } from '../sim-microarch/executor.ts';
import type { HostState } from '../sim-microarch/host-state.ts';
import type { IndirectPredictor } from '../sim-microarch/indirect.ts';
import { cmsParams, tierParams } from './params.ts';
import { Profile } from './profiler/profile.ts';
import { morphStats } from './stats.ts';
import { TranslationCache, type Translation } from './tcache.ts';
import { translateRegion } from './translate.ts';

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
  readonly c = {
    instret: 0, interpretedInsns: 0, translatedInsns: 0, blocksInterpreted: 0, translationsMade: 0,
    translationsExecuted: 0, chainsMade: 0, dispatches: 0, invalidations: 0,
    evictions: 0, flushes: 0, interrupts: 0, exceptions: 0,
  };
  /** Called after every dispatcher step (lockstep verification hooks in here). */
  onStep: ((info: StepInfo) => void) | undefined;
  /** Called at every chained transfer inside a run, with the instret and pc the guest has
   * reached there (the hart's own fields are updated only when the run ends). */
  onChain: ((info: StepInfo, instret: number, pc: number) => void) | undefined;
  private readonly chainHook = (from: HostCode, retired: number, target: number): void => {
    this.onChain?.({ translation: this.byTag.get(from.tag) }, this.hart.instret + retired, target);
  };
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
  ) {
    this.cms = cmsParams.read(cfg);
    this.tier = tierParams.read(cfg);
    this.tcache = new TranslationCache(env.memory, this.tier.tcacheBytes, this.tier.tcacheBase, moleculeBytes);
    if (predictor) this.tcache.onDrop = (t) => (t === 'all' ? predictor.clear() : predictor.purge(t.code));
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
      if (this.hart.instret >= maxInstret) { this.syncClock(); return 'limit'; }
      this.step(maxInstret);
    }
    this.syncClock();
    return 'exit';
  }

  /** One dispatcher step: deliver a due interrupt, then run one translation (chain) or interpret one block. */
  step(maxInstret: number): void {
    const hart = this.hart;
    this.maxInstret = maxInstret;
    this.syncClock();
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
    }
    if (!code) {
      this.c.dispatches++;
      this.account.add(Cyc.dispatch, this.cms.dispatchCost);
      const pc = hart.pc >>> 0;
      if (this.lastDispatchPc >= 0) this.profile.countEdge(this.lastDispatchPc, pc);
      this.lastDispatchPc = pc;
      t = this.tcache.lookup(pc);
      if (!t && this.profile.countBlock(pc) >= this.tier.threshold && !this.untranslatable.has(pc)) t = this.translate(pc);
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
    const maxChain = room >= this.tier.maxChain * this.tier.maxRegionInsns ? this.tier.maxChain : 1;
    const res = this.executor.execute(code, {
      interruptAtCycle: this.interruptDeadline(), maxChain, writesOwnCode: this.writesOwnCode,
      onChain: this.onChain ? this.chainHook : undefined,
    });
    this.syncClock();
    const last = this.finish(res);
    this.onStep?.({ translation: last });
  }

  /** Account a finished run and recover from a fault. Returns the last translation that ran. */
  private finish(res: ExecResult): Translation | undefined {
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
    if (!this.tcache.fits(tr.code.molecules.length)) {
      const n = this.tcache.flush();
      this.byTag.clear();
      this.c.evictions += n;
      this.c.flushes++;
      this.account.add(Cyc.translate, this.cms.flushCost);
      this.pendingLink = null;
    }
    const t = this.tcache.insert({
      id: tag, entryPc: pc, endPc: tr.region.endPc, guestInsns: tr.region.guestInsns, tier: 1,
      code: tr.code, region: tr.region, guestPcOf: tr.guestPcOf,
    });
    this.byTag.set(tag, t);
    this.c.translationsMade++;
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
    return t !== undefined && addr < t.endPc && addr + size > t.entryPc;
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
