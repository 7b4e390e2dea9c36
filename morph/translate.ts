/**
 * Tier-1 translation of one guest region: lift (from the ISA table's semantics) → optional
 * IR passes (none by default) → lower to atoms → schedule into molecules → validate.
 * Validation failures are morphsim bugs, so they throw with the region's IR and the
 * problems found, naming the stage that broke.
 */
import type { Memory } from '../isa-guest/memory.ts';
import { hostCode, type Atom, type HostCode } from '../isa-host-vliw/code.ts';
import type { MachineDesc } from '../isa-host-vliw/machine.ts';
import { printHostCode } from '../isa-host-vliw/printer.ts';
import { formatProblem, validate } from '../isa-host-vliw/validator.ts';
import { liftRegion } from './lift.ts';
import { printRegion, type IrRegion } from './optimizer/ir.ts';
import { lowerRegion } from './optimizer/lower.ts';
import type { PassRegistry } from './optimizer/passes.ts';
import { optimizeRegion } from './optimizer/pipeline.ts';
import { schedule } from './optimizer/schedule.ts';

export interface TranslatedRegion {
  readonly region: IrRegion;
  readonly code: HostCode;
  readonly guestPcOf: Map<Atom, number>;
}

export interface TranslateOptions {
  readonly maxInsns: number;
  /** IR passes between lifting and lowering: a pipeline name or pass names of `passes`
   * (default `O0`: none — tier 1 translates the lifted IR as is, see docs/optimizer.md). */
  readonly pipeline?: string | readonly string[];
  readonly passes?: PassRegistry;
  /** Verify the IR after every pass (pipeline.ts). */
  readonly verify?: boolean;
  /** Guest pcs that must stay in the interpreter (device accesses seen at run time). */
  readonly stopAt?: ReadonlySet<number>;
}

export function translateRegion(memory: Memory, pc: number, m: MachineDesc, tag: number, opts: TranslateOptions): TranslatedRegion | undefined {
  const lifted = liftRegion(memory, pc, opts.maxInsns, m.numRegs - m.numShadowed, opts.stopAt);
  if (!lifted) return undefined;
  const region = opts.pipeline === undefined ? lifted : optimizeRegion(lifted, { pipeline: opts.pipeline, registry: opts.passes, verify: opts.verify });
  const { atoms, guestPcOf } = lowerRegion(region, m);
  const code = hostCode(schedule(atoms, m, m.numShadowed), 0, tag);
  const problems = validate(code, m);
  if (problems.length > 0) {
    throw new Error(
      `translator produced invalid host code for 0x${pc.toString(16)} (scheduler):\n` +
      `${problems.map((p) => `  ${formatProblem(p, code)}`).join('\n')}\n${printRegion(region)}\n${printHostCode(code)}`,
    );
  }
  return { region, code, guestPcOf };
}
