/**
 * One simulated machine: a guest program loaded on its platform, and the engine the
 * configuration selects to run it — the reference interpreter alone (`run.mode=interp`),
 * the code-morphing runtime over the VLIW host (`translate`, `optimize`), or the baseline
 * in-order core (`run.core=inorder`). Everything is per instance: two machines run side by
 * side in one process (the lockstep checker does exactly that).
 */
import { createHash } from 'node:crypto';
import { ExitCode, MorphsimError } from '../core/errors.ts';
import { configHash, type Config } from '../core/params.ts';
import type { ElfImage } from '../isa-guest/elf.ts';
import type { SimClock } from '../isa-guest/env.ts';
import { Hart } from '../isa-guest/hart.ts';
import { Interpreter } from '../isa-guest/interp.ts';
import { loadProgram, type LoadedProgram, type PlatformName } from '../isa-guest/program.ts';
import { MemoryHierarchy } from '../sim-microarch/cache.ts';
import { CycleAccount, Cyc, type CycleCategory } from '../sim-microarch/cycles.ts';
import { ReferenceExecutor, type Executor } from '../sim-microarch/executor.ts';
import { isFastExecutorLoaded, loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { WasmExecutor } from '../sim-microarch/wasm-executor.ts';
import { HostState } from '../sim-microarch/host-state.ts';
import { IndirectPredictor } from '../sim-microarch/indirect.ts';
import { InorderCore } from '../sim-microarch/inorder.ts';
import { exitParams, ibtcParams, machineDescFromConfig, rasParams, vliwParams } from '../sim-microarch/params.ts';
import { cmsParams, runParams } from './params.ts';
import { Runtime, type RuntimeOptions } from './runtime.ts';
import { statRegistry } from './stats-registry.ts';

export interface MachineOptions {
  readonly config: Config;
  /** Guest arguments after the program name. */
  readonly args?: readonly string[];
  readonly platform?: PlatformName;
  readonly stdout?: (b: Uint8Array) => void;
  readonly stderr?: (b: Uint8Array) => void;
  readonly stdin?: () => Uint8Array | null;
  readonly warn?: (msg: string) => void;
  /** Spike-style commit log, one line per retired instruction (interpreter-driven engines only). */
  readonly commitLog?: (line: string) => void;
  /** Share another machine's clock (lockstep reference: devices read the same time). */
  readonly clock?: SimClock;
  /** This machine is a lockstep reference: it takes interrupts only when told to, and its
   * clock is set by the checker wherever the main machine interprets. */
  readonly lockstepReference?: boolean;
  /** Tier 2: retranslation policies, the one to use, and the IR pass pipeline (runtime.ts). */
  readonly runtime?: RuntimeOptions;
}

export type StopReason = 'exit' | 'limit';

export interface RunResult {
  readonly stop: StopReason;
  /** The guest's exit code (undefined when stopped by the instruction limit). */
  readonly exitCode: number | undefined;
  readonly instret: number;
  readonly cycles: number;
  readonly breakdown: Record<CycleCategory, number>;
  /** Every statistic of the registry (counters and formulas), by full name. */
  readonly stats: Record<string, number>;
}

/**
 * Whether a machine with this configuration runs translations on the fast executor, and so
 * needs binaryen: the in-order core and interpret-only runs execute no host code.
 */
export function needsFastExecutor(cfg: Config): boolean {
  const run = runParams.read(cfg);
  return run.executor === 'fast' && run.core === 'cms' && run.mode !== 'interp';
}

/** Why a machine cannot be built synchronously (one line, naming both ways out). */
const FAST_EXECUTOR_NOT_LOADED = 'run.executor=fast (the default) needs binaryen, which is not loaded yet: ' +
  'build the machine with `await createMachine(image, options)` (or `await loadFastExecutor()` before `new GuestMachine`), ' +
  'or set run.executor=reference';

/**
 * Build a machine, first loading binaryen (an ES module with a top-level await, so it cannot
 * load inside the synchronous constructor) when its configuration needs it.
 */
export async function createMachine(image: ElfImage, opts: MachineOptions): Promise<GuestMachine> {
  if (needsFastExecutor(opts.config)) await loadFastExecutor();
  return new GuestMachine(image, opts);
}

export class GuestMachine {
  readonly clock: SimClock;
  readonly account = new CycleAccount();
  readonly hart: Hart;
  readonly program: LoadedProgram;
  readonly interp: Interpreter;
  readonly host: HostState;
  readonly hierarchy: MemoryHierarchy;
  readonly executor: Executor;
  /** Indirect-branch target cache and return-address stack of the VLIW host. */
  readonly predictor: IndirectPredictor;
  readonly runtime: Runtime | undefined;
  readonly inorder: InorderCore | undefined;
  readonly mode: 'interp' | 'translate' | 'optimize';
  readonly core: 'cms' | 'inorder';
  /** Sees each chunk the guest's input takes from `opts.stdin` (null: end of input), in order:
   * the lockstep checker hands the same chunks to its reference machine. */
  onInput: ((chunk: Uint8Array | null) => void) | undefined;

  /** Synchronous; with the fast executor, binaryen must be loaded already (see createMachine). */
  constructor(readonly image: ElfImage, readonly opts: MachineOptions) {
    const cfg = opts.config;
    const run = runParams.read(cfg);
    const fast = needsFastExecutor(cfg);
    // Never fall back to the reference executor: the run's configuration says which one ran.
    // Internal: no input makes the CLI or a sweep get here; only a library caller can.
    if (fast && !isFastExecutorLoaded()) throw new MorphsimError(FAST_EXECUTOR_NOT_LOADED, ExitCode.internal);
    this.mode = run.mode;
    this.core = run.core;
    this.clock = opts.clock ?? { cycles: 0 };
    const sink = (): void => {};
    const source = opts.stdin;
    this.program = loadProgram(image, {
      platform: opts.platform, args: opts.args ?? [], config: cfg, clock: this.clock,
      stdout: opts.stdout ?? sink, stderr: opts.stderr ?? sink, warn: opts.warn,
      stdin: source && (() => { const chunk = source(); this.onInput?.(chunk); return chunk; }),
    });
    const desc = machineDescFromConfig(cfg);
    this.host = new HostState(desc, this.program.env.memory);
    // Guest x0..x31 live in host r0..r31: interpreter and translations share them.
    this.hart = new Hart(this.host.regs.subarray(0, 32));
    const { entry, initialRegs } = this.program;
    this.hart.pc = entry >>> 0;
    this.hart.x[2] = initialRegs.sp | 0;
    this.hart.x[10] = initialRegs.a0 | 0;
    this.hart.x[11] = initialRegs.a1 | 0;
    this.hierarchy = new MemoryHierarchy(cfg);
    this.predictor = new IndirectPredictor(ibtcParams.read(cfg), rasParams.read(cfg));
    // The in-order core and interpret-only runs never execute host code: they keep the
    // reference executor (whose statistics stay zero) whatever run.executor says.
    const exitCosts = exitParams.read(cfg);
    const moleculeBytes = vliwParams.read(cfg).moleculeBytes;
    this.executor = fast
      ? new WasmExecutor(this.host, this.hierarchy, this.account, exitCosts, moleculeBytes, this.predictor, run.fastCompileAfter, run.fastGroups, run.mode === 'optimize')
      : new ReferenceExecutor(this.host, this.hierarchy, this.account, exitCosts, moleculeBytes, this.predictor);
    const env = this.program.env;
    if (this.core === 'inorder') {
      this.inorder = new InorderCore(this.hart, env, cfg, this.account, { caches: this.hierarchy, commitLog: opts.commitLog });
      this.interp = this.inorder.interp;
      this.runtime = undefined;
    } else {
      const ref = opts.lockstepReference === true;
      const cpi = cmsParams.read(cfg).interpretCost;
      this.interp = new Interpreter(this.hart, env, { cyclesPerInsn: cpi, commitLog: opts.commitLog, interrupts: ref ? 'external' : 'auto' });
      this.inorder = undefined;
      this.runtime = this.mode === 'interp' ? undefined
        : new Runtime(this.hart, env, this.interp, this.host, this.executor, desc, this.account, cfg, vliwParams.read(cfg).moleculeBytes, this.predictor, opts.runtime);
    }
  }

  get exitCode(): number | undefined { return this.program.env.exitCode; }

  /** Run until the guest exits or `maxInstret` instructions retired in total. */
  run(maxInstret = Number.MAX_SAFE_INTEGER): RunResult {
    const env = this.program.env;
    if (this.inorder) {
      // A wfi with nothing to wake it retires as a nop and the guest runs on, as in the
      // other engines (it used to end the run as if the instruction limit had been hit).
      while (env.exitCode === undefined && this.hart.instret < maxInstret) {
        const r = this.inorder.run(maxInstret - this.hart.instret);
        if (r === 'limit' || r === 'exit') break;
      }
    } else if (this.runtime) {
      this.runtime.run(maxInstret);
    } else {
      const interp = this.interp;
      const idle0 = interp.idleCycles;
      const c0 = this.clock.cycles;
      while (env.exitCode === undefined && this.hart.instret < maxInstret) {
        const r = interp.run(maxInstret - this.hart.instret);
        if (r === 'limit' || r === 'exit') break;
      }
      const idle = interp.idleCycles - idle0;
      this.account.add(Cyc.idle, idle);
      this.account.add(Cyc.interpret, this.clock.cycles - c0 - idle);
    }
    const stop: StopReason = env.exitCode !== undefined ? 'exit' : 'limit';
    const cycles = this.account.total();
    if (cycles !== this.clock.cycles && !this.opts.clock) {
      throw new MorphsimError(`cycle accounting drifted: categories sum to ${cycles}, clock is ${this.clock.cycles}`, ExitCode.internal);
    }
    return {
      stop,
      exitCode: env.exitCode,
      instret: this.hart.instret,
      cycles,
      breakdown: this.account.record(),
      stats: this.stats(),
    };
  }

  stats(): Record<string, number> {
    const counters: Record<string, number> = { ...this.account.statValues() };
    Object.assign(counters, this.executor.stats(), this.hierarchy.stats());
    if (this.runtime) Object.assign(counters, this.runtime.stats(), this.predictor.stats());
    else counters['morph.instret'] = this.hart.instret;
    if (this.inorder) Object.assign(counters, this.inorder.stats()); // includes the shared hierarchy's
    return statRegistry.evaluate(counters);
  }
}

/** Provenance of a run: what produced it, so results can be traced and deduplicated. */
export function provenance(image: ElfImage, bytes: Uint8Array, cfg: Config, version: string) {
  return {
    version,
    elf: image.name,
    elfSha256: createHash('sha256').update(bytes).digest('hex'),
    configHash: configHash(cfg),
    node: process.version,
  };
}
