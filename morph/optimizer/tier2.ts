/**
 * Tier-2 translation of a formed trace: (optional IR pass pipeline) → scheduling with
 * renaming and speculation (trace-schedule.ts) → independent validation. Several renaming
 * variants are scheduled and the shortest valid one is kept (a variant can need more
 * temporaries than the host has). Validation failures are morphsim bugs: they throw with
 * the trace's IR and host code.
 */
import { hostCode, type Atom, type HostCode } from '../../isa-host-vliw/code.ts';
import type { MachineDesc } from '../../isa-host-vliw/machine.ts';
import { printHostCode } from '../../isa-host-vliw/printer.ts';
import { formatProblem, validate } from '../../isa-host-vliw/validator.ts';
import { printRegion, type IrRegion } from './ir.ts';
import { scheduleTrace, type RenameMode, type ScheduledTrace, type SpecFlags } from './trace-schedule.ts';
import type { Trace } from './trace.ts';

export interface Tier2Code {
  readonly region: IrRegion;
  readonly code: HostCode;
  readonly guestPcOf: Map<Atom, number>;
  readonly scheduled: ScheduledTrace;
}

const MODES: readonly RenameMode[] = ['none', 'loads', 'feeds', 'exits', 'critical', 'auto', 'refine', 'all'];

/**
 * Generate host code for `trace`. `optimize` rewrites the IR first (the pass pipeline);
 * undefined when no variant fits the machine.
 */
export function translateTrace(trace: Trace, m: MachineDesc, spec: SpecFlags, tag: number, optimize?: (r: IrRegion) => IrRegion): Tier2Code | undefined {
  const region = optimize ? optimize(trace.region) : trace.region;
  let best: ScheduledTrace | undefined;
  for (const fold of [false, true]) {
    for (const mode of spec.control ? MODES : MODES.slice(0, 1)) {
      const s = scheduleTrace(region, m, spec, mode, fold);
      if (s && (!best || s.molecules.length < best.molecules.length)) best = s;
    }
  }
  if (!best) return undefined;
  const code = hostCode(best.molecules, 0, tag);
  const problems = validate(code, m);
  if (problems.length > 0) {
    throw new Error(
      `tier 2 produced invalid host code for the trace at 0x${region.entryPc.toString(16)} (trace scheduler):\n` +
      `${problems.map((p) => `  ${formatProblem(p, code)}`).join('\n')}\n${printRegion(region)}\n${printHostCode(code)}`,
    );
  }
  return { region, code, guestPcOf: best.guestPcOf, scheduled: best };
}
