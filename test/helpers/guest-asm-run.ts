/**
 * Running a test program under several configurations and reading back its guest-visible
 * state, for differential tests against the reference interpreter (DESIGN.md invariant 1:
 * every way of running a program yields the interpreter's exit code, registers, pc, CSRs,
 * instret and memory). Every run also checks conservation (invariant 4): the cycle
 * categories sum to the total.
 */
import { expect } from 'vitest';
import type { ElfImage } from '../../isa-guest/elf.ts';
import { paramRegistry } from '../../morph/config.ts';
import { GuestMachine, type RunResult } from '../../morph/machine.ts';
import type { ExecResult, FaultCause } from '../../sim-microarch/executor.ts';

/** Parameter overrides, as `--set` takes them. */
export type Overrides = Readonly<Record<string, string | number | boolean>>;

export const INTERP: Overrides = { 'run.mode': 'interp' };
export const TRANSLATE_T1: Overrides = { 'run.mode': 'translate', 'tier.threshold': 1 };
export const TRANSLATE_T2: Overrides = { 'run.mode': 'translate', 'tier.threshold': 2 };

/** Everything the guest can observe, in a form whose diffs read well. */
export interface GuestState {
  readonly exitCode: number | undefined;
  readonly x: readonly number[];
  readonly pc: number;
  readonly priv: number;
  readonly mepc: number;
  readonly mcause: number;
  readonly mtval: number;
  readonly mstatus: number;
  readonly mie: number;
  readonly instret: number;
  /** Memory ranges as hex strings, keyed by start address. */
  readonly mem: Readonly<Record<string, string>>;
}

/** One rollback of a translation, as the executor reported it. */
export interface FaultRecord {
  readonly cause: FaultCause;
  /** Guest pc of the faulting instruction (memory faults), else undefined. */
  readonly pc: number | undefined;
  readonly addr: number;
  /** Guest pc of the last interior commit before the fault, or null (state at the entry). */
  readonly commitPc: number | null;
}

export interface GuestRun {
  readonly machine: GuestMachine;
  /** Every translation fault of the run (empty in interp mode). */
  readonly faults: readonly FaultRecord[];
  readonly result: RunResult;
  readonly state: GuestState;
  readonly stdout: string;
}

/** [address, length] ranges of guest memory to compare. */
export type MemRanges = readonly (readonly [number, number])[];

export function guestState(m: GuestMachine, ranges: MemRanges): GuestState {
  const h = m.hart;
  const mem: Record<string, string> = {};
  for (const [a, n] of ranges) mem[`0x${(a >>> 0).toString(16)}`] = Buffer.from(m.program.env.memory.readBytes(a, n)).toString('hex');
  return {
    exitCode: m.exitCode, x: Array.from(h.x), pc: h.pc >>> 0, priv: h.priv,
    mepc: h.mepc >>> 0, mcause: h.mcause >>> 0, mtval: h.mtval >>> 0, mstatus: h.mstatus, mie: h.mie,
    instret: h.instret, mem,
  };
}

export interface RunOptions {
  readonly maxInstret?: number;
  readonly mem?: MemRanges;
  /** Called with the machine before it runs (to hook observers). */
  readonly setup?: (m: GuestMachine) => void;
}

/** Run `image` on the machine platform with these overrides; checks conservation. */
export function runGuest(image: ElfImage, overrides: Overrides, opts: RunOptions = {}): GuestRun {
  const config = paramRegistry.resolve(overrides);
  const out: Uint8Array[] = [];
  const machine = new GuestMachine(image, { config, stdout: (b) => out.push(b.slice()) });
  const faults = recordFaults(machine);
  opts.setup?.(machine);
  const result = machine.run(opts.maxInstret ?? 50_000_000);
  const sum = Object.values(result.breakdown).reduce((a, b) => a + b, 0);
  expect(sum, 'conservation: cycle categories sum to the total').toBe(result.cycles);
  expect(result.cycles).toBeGreaterThan(0);
  return { machine, faults, result, state: guestState(machine, opts.mem ?? []), stdout: Buffer.concat(out).toString('utf8') };
}

/** Observe the executor's fault results (the runtime calls it through the same object). */
function recordFaults(m: GuestMachine): FaultRecord[] {
  const faults: FaultRecord[] = [];
  const ex = m.executor;
  const execute = ex.execute.bind(ex);
  ex.execute = (code, limits): ExecResult => {
    const r = execute(code, limits);
    if (r.kind === 'fault') {
      const atom = r.atom >= 0 ? r.code.molecules[r.molecule]?.atoms[r.atom] : undefined;
      const pc = atom ? m.runtime?.translationOf(r.code)?.guestPcOf.get(atom) : undefined;
      faults.push({ cause: r.cause, pc, addr: r.addr >>> 0, commitPc: r.commitPc });
    }
    return r;
  };
  return faults;
}

/**
 * Run under the interpreter (the oracle) and under translation at thresholds 1 and 2, all
 * with `extra` overrides; expect identical guest state. Returns the runs by name.
 */
export function expectSameAsInterp(image: ElfImage, extra: Overrides, opts: RunOptions = {}): { interp: GuestRun; t1: GuestRun; t2: GuestRun } {
  const interp = runGuest(image, { ...extra, ...INTERP }, opts);
  const t1 = runGuest(image, { ...extra, ...TRANSLATE_T1 }, opts);
  const t2 = runGuest(image, { ...extra, ...TRANSLATE_T2 }, opts);
  expect(interp.result.stop).toBe('exit');
  expect(t1.state, 'translate, threshold 1 vs interp').toEqual(interp.state);
  expect(t2.state, 'translate, threshold 2 vs interp').toEqual(interp.state);
  expect(t1.stdout).toBe(interp.stdout);
  expect(t2.stdout).toBe(interp.stdout);
  return { interp, t1, t2 };
}
