/**
 * The differential runner: a program runs under the reference interpreter (the oracle,
 * DESIGN.md invariant 1) and under every configuration of a matrix built from the
 * parameter registry — each mode but `interp`, each executor (`run.executor`, when the
 * registry has it), hotness thresholds 1, 2 and the default, tier-2 thresholds, the baseline
 * in-order core, and "stress" machines (a tiny store buffer, tiny regions, a translation
 * cache that flushes all the time) — with lockstep checking (morph/lockstep.ts) wherever the
 * code-morphing runtime runs. A configuration diverges when lockstep reports a difference,
 * when it crashes, or when the final guest state differs from the reference: exit code,
 * registers, the data region and trap log, UART output, and instret.
 *
 * Interrupt-storm programs (generate.ts) take timer interrupts at times that depend on
 * each engine's cycle count, so their final instret and interrupt log legitimately differ;
 * for them lockstep checks every delivery against the reference at the same instruction
 * count, and the final registers, data and exception log must still match (the handler
 * makes interrupts invisible to the program).
 */
import { ExitCode, MorphsimError } from '../core/errors.ts';
import type { ParamRegistry, ParamValue } from '../core/params.ts';
import type { ElfImage } from '../isa-guest/elf.ts';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { GuestMachine } from '../morph/machine.ts';
import { assemble } from '../test/helpers/guest-asm-program.ts';
import { RAM_BASE } from '../isa-guest/platform-machine.ts';
import { DATA_BYTES, LOG_BYTES, programSource, USER_BASE, type GeneratedProgram, type GenPlatform } from './generate.ts';

export type Overrides = Readonly<Record<string, ParamValue>>;

/** One way of running a program. */
export interface EngineConfig {
  readonly name: string;
  readonly overrides: Overrides;
  /** Attach the lockstep checker (engines driven by the code-morphing runtime). */
  readonly lockstep: boolean;
  /** Called with each machine before it runs (tests use it to break an engine on purpose). */
  readonly setup?: (m: GuestMachine) => void;
}

/** Everything compared at the end of a run. */
export interface Observation {
  readonly stop: 'exit' | 'limit' | 'error';
  readonly exitCode: number | undefined;
  readonly x: readonly number[];
  readonly instret: number;
  readonly out: string;
  /** Hex of the data region and the exception log. */
  readonly data: string;
  /** Hex of the interrupt log, the handler's save area and the timer table (not compared
   * for storm programs). */
  readonly irq: string;
  /** Lockstep divergence or crash, one message. */
  readonly error?: string;
}

export interface Divergence {
  readonly config: EngineConfig;
  /** What differs, first difference first. */
  readonly what: string;
}

/** Instruction budget of one run: generated programs retire well under a million. */
export const MAX_INSTRET = 3_000_000;

/** Everything a run of a program needs, assembled once. */
export interface Subject {
  readonly image: ElfImage;
  readonly storm: boolean;
  /** The generator's data region and logs (generate.ts), when the program has them. */
  readonly dataAddr?: number;
  readonly irqAddr?: number;
  readonly irqBytes: number;
}

/** Assemble a program; hand-written ones without the generator's `data:`/`ilog:` labels are
 * compared on registers, output, exit code and instret only. */
export function subjectOf(source: readonly string[], storm: boolean, platform: GenPlatform = 'machine'): Subject {
  const a = assemble(source, platform === 'user' ? USER_BASE : RAM_BASE);
  const at = (l: string): number | undefined => a.labels.get(l);
  const irqAddr = at('ilog');
  const tohost = at('tohost');
  return { image: a.image, storm, dataAddr: at('data'), irqAddr, irqBytes: irqAddr !== undefined && tohost !== undefined ? tohost - irqAddr : 0 };
}

export const subjectOfProgram = (p: GeneratedProgram): Subject => subjectOf(programSource(p), p.storm, p.platform);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Run `s` with `overrides` and observe it. Never throws for what the guest or engine does. */
export function observe(s: Subject, overrides: Overrides, lockstep: boolean, setup?: (m: GuestMachine) => void, maxInstret = MAX_INSTRET): Observation {
  const out: number[] = [];
  let machine: GuestMachine | undefined;
  try {
    machine = new GuestMachine(s.image, {
      config: paramRegistry.resolve(overrides),
      stdout: (b) => { for (const c of b) out.push(c); },
      warn: () => {},
    });
    setup?.(machine);
    if (lockstep) attachLockstep(machine);
    machine.run(maxInstret);
  } catch (e) {
    const msg = e instanceof MorphsimError
      ? (e.exitCode === ExitCode.divergence ? e.message : `error (exit ${e.exitCode}): ${e.message}`)
      : `crash: ${e instanceof Error ? `${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(e)}`;
    return { stop: 'error', exitCode: undefined, x: [], instret: machine?.hart.instret ?? 0, out: '', data: '', irq: '', error: msg };
  }
  const mem = machine.program.env.memory;
  return {
    stop: machine.exitCode !== undefined ? 'exit' : 'limit',
    exitCode: machine.exitCode,
    x: Array.from(machine.hart.x),
    instret: machine.hart.instret,
    out: Buffer.from(out).toString('latin1'),
    data: s.dataAddr !== undefined ? hex(mem.readBytes(s.dataAddr, DATA_BYTES + LOG_BYTES)) : '',
    irq: s.irqAddr !== undefined ? hex(mem.readBytes(s.irqAddr, s.irqBytes)) : '',
  };
}

/** The first difference between a run and the reference, or undefined. */
export function compare(ref: Observation, got: Observation, storm: boolean): string | undefined {
  if (got.error !== undefined) return got.error;
  if (got.stop !== ref.stop) return `stopped by ${got.stop}, reference by ${ref.stop}`;
  if (got.exitCode !== ref.exitCode) return `exit code ${got.exitCode}, reference ${ref.exitCode}`;
  for (let i = 1; i < 32; i++) {
    if (got.x[i] !== ref.x[i]) return `final x${i}: 0x${(got.x[i]! >>> 0).toString(16)}, reference 0x${(ref.x[i]! >>> 0).toString(16)}`;
  }
  if (got.out !== ref.out) return `output ${JSON.stringify(got.out.slice(0, 60))}, reference ${JSON.stringify(ref.out.slice(0, 60))}`;
  if (got.data !== ref.data) {
    let i = 0;
    while (got.data[i] === ref.data[i]) i++;
    const off = i >> 1;
    const where = off < DATA_BYTES ? `data+0x${off.toString(16)}` : `exception log+0x${(off - DATA_BYTES).toString(16)}`;
    return `memory at ${where} differs`;
  }
  if (storm) return undefined;
  if (got.instret !== ref.instret) return `instret ${got.instret}, reference ${ref.instret}`;
  if (got.irq !== ref.irq) return 'interrupt log / save area differs';
  return undefined;
}

// ---- the matrix ---------------------------------------------------------------------

function choices(reg: ParamRegistry, name: string): readonly string[] {
  const s = reg.spec(name);
  return s?.type === 'enum' ? s.choices : [];
}
function defaultOf(reg: ParamRegistry, name: string): number | undefined {
  const s = reg.spec(name);
  return s && (s.type === 'int' || s.type === 'float') ? s.default : undefined;
}

/**
 * Tier-2 thresholds besides the default: 3 forms traces from thin profiles (most end where a
 * branch has fewer than `tier.traceMinSamples` samples, or are declined); 20 lets the
 * profile fill first and makes about twice as many traces from generated programs, while the
 * default (thousands) makes almost none there.
 */
const TIER2_THRESHOLDS = [3, 20];

/**
 * Every configuration to compare with the reference, from the registry: modes (except
 * interp) × executors × tier-1 thresholds {1, 2, default}, × tier-2 thresholds {3, 20, default}
 * in modes that optimize; every other choice of an enum and every flipped boolean of the
 * policy groups (`run`, `tier`, `opt*`, `trace*`, `spec*`) once (so parameters added later are exercised without edits
 * here); the in-order core; and two stress machines.
 */
export function buildMatrix(reg: ParamRegistry = paramRegistry): EngineConfig[] {
  const out: EngineConfig[] = [];
  const modes = choices(reg, 'run.mode').filter((m) => m !== 'interp');
  const executors: (string | undefined)[] = reg.spec('run.executor') ? [...choices(reg, 'run.executor')] : [undefined];
  const t1 = [...new Set([1, 2, defaultOf(reg, 'tier.threshold') ?? 50])];
  const hotDefault = defaultOf(reg, 'tier.hotThreshold');
  const add = (name: string, overrides: Record<string, ParamValue>, lockstep = true): void => { out.push({ name, overrides, lockstep }); };
  for (const mode of modes) {
    for (const ex of executors) {
      for (const t of t1) {
        const hots = mode !== 'translate' && hotDefault !== undefined ? [...new Set([...TIER2_THRESHOLDS, hotDefault])] : [undefined];
        for (const h of hots) {
          const o: Record<string, ParamValue> = { 'run.mode': mode, 'tier.threshold': t };
          if (ex !== undefined) o['run.executor'] = ex;
          if (h !== undefined) o['tier.hotThreshold'] = h;
          add([mode, ex, `t${t}`, h !== undefined ? `h${h}` : undefined].filter((x) => x !== undefined).join('/'), o);
        }
      }
    }
  }
  // Knobs other branches add: each non-default value once, at threshold 1 (everything translated).
  const last = modes[modes.length - 1] ?? 'translate';
  // Engine policy groups: the runtime's (run, tier) and whatever the optimizer declares.
  const policy = (group: string): boolean => group === 'run' || group === 'tier' || /^(opt|trace|spec)/.test(group);
  for (const e of reg.entries) {
    const group = e.name.slice(0, e.name.indexOf('.'));
    const base = { 'run.mode': last, 'tier.threshold': 1, ...(hotDefault !== undefined ? { 'tier.hotThreshold': 3 } : {}) };
    if (!policy(group) || ['run.mode', 'run.core', 'run.executor'].includes(e.name)) continue;
    if (e.spec.type === 'enum') {
      for (const c of e.spec.choices) if (c !== e.spec.default) add(`${last}/${e.name}=${c}`, { ...base, [e.name]: c });
    }
    if (e.spec.type === 'bool') add(`${last}/${e.name}=${!e.spec.default}`, { ...base, [e.name]: !e.spec.default });
  }
  if (choices(reg, 'run.core').includes('inorder')) add('inorder', { 'run.core': 'inorder' }, false);
  // Stress: store-buffer overflows, short regions, constant cache flushes, no chaining, a
  // tiny indirect-branch cache and return stack (collisions, overflow), or none at all.
  // Parameters this registry lacks are left out (a stress knob renamed elsewhere must not
  // drop the configuration).
  const known = (o: Record<string, ParamValue>): Record<string, ParamValue> =>
    Object.fromEntries(Object.entries(o).filter(([k]) => reg.spec(k) !== undefined));
  for (const ex of executors) {
    const sfx = ex !== undefined ? `/${ex}` : '';
    const exo: Record<string, ParamValue> = ex !== undefined ? { 'run.executor': ex } : {};
    add(`stress-a${sfx}`, known({
      'run.mode': last, 'tier.threshold': 1, 'vliw.storeBuffer': 2, 'tier.maxRegionInsns': 3, 'tier.tcacheBytes': 4096,
      'vliw.aliasEntries': 1, 'ibtc.entries': 2, 'ibtc.ways': 1, 'ras.depth': 1, ...exo,
    }));
    add(`stress-b${sfx}`, known({
      'run.mode': modes[0] ?? 'translate', 'tier.threshold': 2, 'tier.maxChain': 1, 'vliw.width': 1, 'vliw.aluSlots': 1,
      'tier.maxRegionInsns': 7, 'ibtc.entries': 0, 'ras.depth': 0, ...exo,
    }));
  }
  return out;
}

export const REFERENCE: Overrides = { 'run.mode': 'interp' };

/** Timer speeds for interrupt storms (mtime ticks every N cycles): some storms are dense. */
const STORM_DIVIDERS = [1, 7, 61];

/** Overrides every run of a program shares (the storm's timer speed). */
export function programOverrides(p: { seed: number; storm: boolean }): Overrides {
  return p.storm ? { 'platform.mtimeDivider': STORM_DIVIDERS[p.seed % STORM_DIVIDERS.length]! } : {};
}

export interface DiffResult {
  readonly reference: Observation;
  readonly divergences: readonly Divergence[];
  /** The reference did not exit: the program is not a valid test (a generator bug). */
  readonly invalid?: string;
}

/** Run a program under the reference and each config; the divergences found. */
export function diffSubject(s: Subject, configs: readonly EngineConfig[], shared: Overrides = {}, stopAtFirst = false): DiffResult {
  const reference = observe(s, { ...shared, ...REFERENCE }, false);
  if (reference.stop !== 'exit') return { reference, divergences: [], invalid: reference.error ?? `the reference did not exit within ${MAX_INSTRET} instructions` };
  const divergences: Divergence[] = [];
  for (const config of configs) {
    const got = observe(s, { ...shared, ...config.overrides }, config.lockstep, config.setup);
    const what = compare(reference, got, s.storm);
    if (what !== undefined) {
      divergences.push({ config: { ...config, overrides: { ...shared, ...config.overrides } }, what });
      if (stopAtFirst) break;
    }
  }
  return { reference, divergences };
}

/** Does `config` diverge on this program? (false for programs that are not valid tests) */
export function diverges(s: Subject, config: EngineConfig, shared: Overrides = {}): boolean {
  const r = diffSubject(s, [config], shared);
  return r.invalid === undefined && r.divergences.length > 0;
}
