/**
 * The pass registry: every optimizer pass registered by name with a one-line description,
 * and pipelines as plain named lists of pass names per optimization level (STYLE.md
 * point 6). A registry is an ordinary object — no global state — so a library user builds
 * one (`PassRegistry.withDefaults()`), registers their own passes and pipelines into it,
 * and hands it to `optimizeRegion` (pipeline.ts).
 *
 * A pass is a function from a well-formed region to a well-formed region with the same
 * guest-visible behaviour (exit taken, registers and memory at every commit, faults at the
 * same guest instruction). It returns a new region and leaves its input untouched.
 */
import type { IrRegion } from './ir.ts';
import { constFoldPass } from './passes/const-fold.ts';
import { copyPropPass } from './passes/copy-prop.ts';
import { csePass } from './passes/cse.ts';
import { dcePass } from './passes/dce.ts';
import { foldAddressPass } from './passes/fold-address.ts';
import { peepholePass } from './passes/peephole.ts';

export interface Pass {
  /** Registry key, kebab-case (`const-fold`). */
  readonly name: string;
  /** One line: what the pass does. */
  readonly description: string;
  run(region: IrRegion): IrRegion;
}

export interface PipelineDecl {
  readonly name: string;
  readonly description: string;
  readonly passes: readonly string[];
}

/** The passes morphsim ships with, in the order `morphsim passes` would list them. */
export const DEFAULT_PASSES: readonly Pass[] = [constFoldPass, copyPropPass, csePass, dcePass, foldAddressPass, peepholePass];

/** Tier 1 translates at `O0` (lift and lower, nothing else); tier 2 optimizes at `O2`. */
export const DEFAULT_PIPELINES: readonly PipelineDecl[] = [
  { name: 'O0', description: 'no optimization: the lifted IR as is', passes: [] },
  { name: 'O1', description: 'cheap cleanups: constants, copies, dead code', passes: ['const-fold', 'copy-prop', 'dce'] },
  {
    name: 'O2',
    description: 'everything: constants, rules, copies, addressing, common subexpressions, dead code (some twice over: CSE and copy propagation expose work for the rules and constants)',
    passes: ['const-fold', 'peephole', 'copy-prop', 'fold-address', 'cse', 'copy-prop', 'peephole', 'const-fold', 'copy-prop', 'dce'],
  },
];

export class PassRegistry {
  private readonly passes = new Map<string, Pass>();
  private readonly pipelines = new Map<string, PipelineDecl>();

  /** A registry holding morphsim's passes and its O0/O1/O2 pipelines. */
  static withDefaults(): PassRegistry {
    const r = new PassRegistry();
    for (const p of DEFAULT_PASSES) r.register(p);
    for (const p of DEFAULT_PIPELINES) r.definePipeline(p.name, p.passes, p.description);
    return r;
  }

  register(pass: Pass): this {
    if (!/^[a-z][a-z0-9-]*$/.test(pass.name)) throw new Error(`pass name '${pass.name}' is not kebab-case`);
    if (this.passes.has(pass.name)) throw new Error(`a pass named '${pass.name}' is already registered`);
    this.passes.set(pass.name, pass);
    return this;
  }

  /** Define (or redefine) a pipeline; every pass it names must be registered already. */
  definePipeline(name: string, passes: readonly string[], description = ''): this {
    for (const p of passes) this.pass(p);
    this.pipelines.set(name, { name, description, passes: [...passes] });
    return this;
  }

  pass(name: string): Pass {
    const p = this.passes.get(name);
    if (!p) throw new Error(`unknown pass '${name}' (known: ${[...this.passes.keys()].join(', ')})`);
    return p;
  }

  hasPipeline(name: string): boolean {
    return this.pipelines.has(name);
  }

  pipeline(name: string): PipelineDecl {
    const p = this.pipelines.get(name);
    if (!p) throw new Error(`unknown pipeline '${name}' (known: ${[...this.pipelines.keys()].join(', ')})`);
    return p;
  }

  passNames(): string[] {
    return [...this.passes.keys()];
  }

  pipelineNames(): string[] {
    return [...this.pipelines.keys()];
  }

  /** A pipeline name, or a list of pass names, as the passes to run. */
  resolve(pipelineOrPasses: string | readonly string[]): Pass[] {
    const names = typeof pipelineOrPasses === 'string' ? this.pipeline(pipelineOrPasses).passes : pipelineOrPasses;
    return names.map((n) => this.pass(n));
  }
}
