/**
 * Trace formation (tier 2): from a hot entry point, string basic blocks together along the
 * profiled hot path into one superblock — a straight-line IR region whose only ways out
 * are exits. At each conditional branch the trace follows the direction the profile says
 * is biased (at least `bias` of the samples); the other direction becomes a guarded side
 * exit that commits the full guest state, so the off-trace path starts exactly where the
 * interpreter or another translation expects it. Unconditional jumps (`jal` x0) are followed;
 * a call or return (they keep the return-address stack balanced), an indirect jump
 * (`jalr`), an unbiased or unprofiled branch, a block that was never hot
 * enough to be translated, or the length limits end the trace.
 *
 * A trace that comes back to its own head is a loop trace: it may take up to `unroll`
 * copies of the body (so the scheduler can overlap iterations), then ends with an exit to
 * its own head, which the translation cache chains to the trace itself.
 */
import type { BranchCond } from '../../core/alu.ts';
import { assertNever } from '../../core/assert.ts';
import { TEMP_BASE, type IrInst, type IrRegion } from './ir.ts';

/** A conditional branch the trace passes, and the direction it follows. */
export interface TraceBranch {
  /** Guest pc of the branch instruction. */
  readonly pc: number;
  /** Did the trace follow the taken direction? */
  readonly followedTaken: boolean;
  /** Where the side exit leaves the trace (the direction not followed). */
  readonly offTarget: number;
}

export interface Trace {
  readonly region: IrRegion;
  /** Entry pc of each block, in trace order (a loop body appears once per copy). */
  readonly blocks: readonly number[];
  /** Guest byte ranges of the blocks (each once). */
  readonly ranges: readonly (readonly [number, number])[];
  readonly branches: readonly TraceBranch[];
  /** Does the trace end by jumping back to its own head? */
  readonly loop: boolean;
}

/** What trace formation needs to know about the guest program and its profile. */
export interface TraceSource {
  /** The block starting at `pc` lifted to IR, or undefined when it should not be in a trace
   * (never translated, so not known to be hot; untranslatable). */
  block(pc: number): IrRegion | undefined;
  /** Profiled outcomes of the conditional branch at `branchPc` ending block `blockPc`. */
  branch(blockPc: number, branchPc: number, taken: number, fallthrough: number): { taken: number; notTaken: number } | undefined;
}

export interface TraceLimits {
  readonly maxInsns: number;
  readonly maxBlocks: number;
  readonly unroll: number;
  /** Share of samples a direction needs to be followed (0.5 < bias ≤ 1). */
  readonly bias: number;
  readonly minSamples: number;
  /** Most stores in a trace (the gated store buffer holds them all until an exit). */
  readonly maxStores: number;
}

const INVERSE = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', ltu: 'geu', geu: 'ltu' } as const satisfies Record<BranchCond, BranchCond>;

/** How a lifted block ends (liftRegion's shapes). */
type Tail =
  | { readonly kind: 'branch'; readonly taken: number; readonly fall: number }
  | { readonly kind: 'jump'; readonly target: number }
  /** An indirect jump, a call or a return: the trace ends with it. */
  | { readonly kind: 'leave' };

function tailOf(r: IrRegion): Tail {
  const n = r.insts.length;
  const last = r.insts[n - 1]!;
  const prev = r.insts[n - 2];
  const cmp = r.insts[n - 3];
  if (last.op === 'exit' && prev?.op === 'exitIf' && cmp?.op === 'cmp' && cmp.dst === prev.cond) {
    return { kind: 'branch', taken: prev.target, fall: last.target };
  }
  // A call ends the trace: following it would leave the return-address stack unbalanced.
  if (last.op === 'exit' && last.call === undefined) return { kind: 'jump', target: last.target };
  return { kind: 'leave' };
}

const storesIn = (r: IrRegion): number => r.insts.reduce((s, i) => s + (i.op === 'store' ? 1 : 0), 0);

/** Form the trace starting at `head`; undefined when not even its first block is available. */
export function formTrace(head: number, src: TraceSource, lim: TraceLimits): Trace | undefined {
  const insts: IrInst[] = [];
  const blocks: number[] = [];
  const branches: TraceBranch[] = [];
  const ranges = new Map<number, number>();
  let temps = 0;
  let insns = 0;
  let stores = 0;
  let copies = 0;
  let pc = head >>> 0;
  let loop = false;
  let endPc = head;

  for (;;) {
    const r = src.block(pc);
    if (!r || (blocks.length > 0 && (blocks.length >= lim.maxBlocks || insns + r.guestInsns > lim.maxInsns || stores + storesIn(r) > lim.maxStores))) {
      // End here: leave to the block not taken in.
      if (blocks.length === 0) return undefined;
      insts.push({ op: 'exit', target: pc, retired: insns });
      break;
    }
    if (blocks.length === 0 && storesIn(r) > lim.maxStores) return undefined;
    if (pc === head) copies++;

    // Decide where the trace goes after this block, then append it accordingly.
    const tail = tailOf(r);
    let next: number | undefined;
    let follow: 'taken' | 'fall' | undefined;
    if (tail.kind === 'branch') {
      const branchPc = (r.endPc - 4) >>> 0;
      const b = src.branch(pc, branchPc, tail.taken, tail.fall);
      const total = b ? b.taken + b.notTaken : 0;
      if (b && total >= lim.minSamples && tail.taken !== tail.fall) {
        if (b.taken >= lim.bias * total) follow = 'taken';
        else if (b.notTaken >= lim.bias * total) follow = 'fall';
      }
      if (follow) {
        next = follow === 'taken' ? tail.taken : tail.fall;
        branches.push({ pc: branchPc, followedTaken: follow === 'taken', offTarget: follow === 'taken' ? tail.fall : tail.taken });
      }
    } else if (tail.kind === 'jump') {
      next = tail.target;
    }
    // A loop that is not the trace's own (an inner loop entered mid-trace) ends the trace.
    if (next !== undefined && next !== head && blocks.includes(next)) next = undefined;
    // Back at the head with enough copies: close the loop with an exit to the head itself.
    if (next === head && copies >= lim.unroll) loop = true;

    const base = temps;
    const remap = <T extends IrInst>(i: T): T => rebase(i, base, insns);
    const body = r.insts.slice(0, next === undefined ? r.insts.length : tail.kind === 'branch' ? r.insts.length - 3 : r.insts.length - 1);
    for (const i of body) insts.push(remap(i));
    if (next !== undefined && tail.kind === 'branch') {
      const cmp = r.insts[r.insts.length - 3]!;
      const side = r.insts[r.insts.length - 2]!;
      if (cmp.op !== 'cmp' || side.op !== 'exitIf') throw new Error('unreachable: branch tail');
      // Following the taken direction: the side exit is the fallthrough, on the inverse condition.
      insts.push(remap(follow === 'taken' ? { ...cmp, cond: INVERSE[cmp.cond] } : cmp));
      insts.push(remap(follow === 'taken' ? { ...side, target: tail.fall } : side));
    }
    temps += r.temps;
    insns += r.guestInsns;
    stores += storesIn(r);
    blocks.push(pc);
    ranges.set(pc, Math.max(ranges.get(pc) ?? 0, r.endPc));
    endPc = Math.max(endPc, r.endPc);
    if (loop) { insts.push({ op: 'exit', target: head, retired: insns }); break; }
    if (next === undefined) break;
    pc = next >>> 0;
  }
  const region: IrRegion = { entryPc: head >>> 0, endPc, guestInsns: insns, insts, temps };
  return { region, blocks, ranges: [...ranges].sort((a, b) => a[0] - b[0]), branches, loop };
}

/** Shift a block's temporaries by `base` and its retired counts by `insns`. */
function rebase<T extends IrInst>(i: T, base: number, insns: number): T {
  const t = (l: number): number => (l >= TEMP_BASE ? l + base : l);
  switch (i.op) {
    case 'alu': case 'cmp': return { ...i, dst: t(i.dst), a: t(i.a), b: t(i.b) };
    case 'alui': return { ...i, dst: t(i.dst), a: t(i.a) };
    case 'li': return { ...i, dst: t(i.dst) };
    case 'load': return { ...i, dst: t(i.dst), base: t(i.base) };
    case 'store': return { ...i, src: t(i.src), base: t(i.base) };
    case 'exit': return { ...i, retired: i.retired + insns };
    case 'exitIf': return { ...i, cond: t(i.cond), retired: i.retired + insns };
    case 'exitInd': return { ...i, target: t(i.target), retired: i.retired + insns };
    default: return assertNever(i, 'IR instruction');
  }
}
