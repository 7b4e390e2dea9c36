/**
 * The optimizer's entry point for the translator: `optimizeRegion(region, { pipeline,
 * registry, verify })` runs a pipeline (a name such as `O2`, or a list of pass names) of a
 * pass registry over one lifted region and returns the optimized region, leaving the input
 * untouched. Tier 2 calls it between trace formation and lowering:
 *
 *   const opt = optimizeRegion(trace, { pipeline: 'O2', registry, verify: config['run.verify'] });
 *
 * With `verify` on (tests, and runs under `--verify`) the IR verifier checks the input and
 * then the output of every pass; the first failure throws `PassVerifyError`, which names
 * the pass that broke the IR and shows the region before and after it — Binaryen's
 * BINARYEN_PASS_DEBUG habit (STYLE.md point 7).
 */
import { printRegion, type IrRegion } from './ir.ts';
import { PassRegistry, type Pass } from './passes.ts';
import { formatIrProblems, verifyRegion } from './verify.ts';

export class PassVerifyError extends Error {
  constructor(
    /** The pass whose output failed verification, or undefined when the input was bad. */
    readonly pass: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface OptimizeOptions {
  /** A pipeline name of the registry, or pass names in order (default `O2`). */
  readonly pipeline?: string | readonly string[];
  /** Where passes and pipelines are looked up (default: a fresh `PassRegistry.withDefaults()`). */
  readonly registry?: PassRegistry;
  /** Verify the IR before the first pass and after every pass. */
  readonly verify?: boolean;
  /** Called after each pass with its output (for tracing and tests). */
  readonly onPass?: (pass: Pass, region: IrRegion) => void;
}

function check(r: IrRegion, pass: string | undefined, before: IrRegion | undefined): void {
  const problems = verifyRegion(r);
  if (problems.length === 0) return;
  const where = `region 0x${r.entryPc.toString(16)}`;
  const head = pass === undefined ? `invalid IR given to the optimizer (${where}):` : `pass '${pass}' broke the IR (${where}):`;
  const ctx = before ? `\nbefore '${pass}':\n${printRegion(before)}\nafter:\n${printRegion(r)}` : `\n${printRegion(r)}`;
  throw new PassVerifyError(pass, `${head}\n${formatIrProblems(r, problems)}${ctx}`);
}

/** Run passes over a region (see the file header). */
export function runPipeline(region: IrRegion, pipelineOrPasses: string | readonly string[], opts: Omit<OptimizeOptions, 'pipeline'> = {}): IrRegion {
  const registry = opts.registry ?? PassRegistry.withDefaults();
  const passes = registry.resolve(pipelineOrPasses);
  if (opts.verify) check(region, undefined, undefined);
  let r = region;
  for (const p of passes) {
    const out = p.run(r);
    if (opts.verify) check(out, p.name, r);
    opts.onPass?.(p, out);
    r = out;
  }
  return r;
}

export function optimizeRegion(region: IrRegion, opts: OptimizeOptions = {}): IrRegion {
  return runPipeline(region, opts.pipeline ?? 'O2', opts);
}
