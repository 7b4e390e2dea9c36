/**
 * The morph IR: what the translator lifts guest regions into and the optimizer rewrites.
 *
 * A region is a straight-line list of IR instructions over *locations*: guest registers
 * (`x1`..`x31`, whose home is host register r1..r31) and region temporaries (`t0`..,
 * mapped to non-shadowed host registers). Control leaves the region only through exits,
 * and taking an exit commits, so the IR needs no phi nodes: a region is one superblock.
 * Every op is declared once below with its doc and effects (STYLE.md point 5); the printer,
 * the verifier, dead-code elimination and the lowering derive from the declarations.
 */
import type { AluOp, BranchCond } from '../../core/alu.ts';

/** A location: guest register 0..31, or temporary 32+k (`t<k>`). */
export type Loc = number;
export const TEMP_BASE = 32;
export const isTemp = (l: Loc): boolean => l >= TEMP_BASE;
export const locName = (l: Loc): string => (l >= TEMP_BASE ? `t${l - TEMP_BASE}` : `x${l}`);

export type IrInst =
  | { readonly op: 'alu'; readonly alu: AluOp; readonly dst: Loc; readonly a: Loc; readonly b: Loc }
  | { readonly op: 'alui'; readonly alu: AluOp; readonly dst: Loc; readonly a: Loc; readonly imm: number }
  | { readonly op: 'li'; readonly dst: Loc; readonly imm: number }
  | { readonly op: 'cmp'; readonly cond: BranchCond; readonly dst: Loc; readonly a: Loc; readonly b: Loc }
  | { readonly op: 'load'; readonly size: 1 | 2 | 4; readonly signed: boolean; readonly dst: Loc; readonly base: Loc; readonly imm: number; readonly pc: number }
  | { readonly op: 'store'; readonly size: 1 | 2 | 4; readonly src: Loc; readonly base: Loc; readonly imm: number; readonly pc: number }
  | { readonly op: 'exit'; readonly target: number; readonly retired: number; readonly call?: number }
  | { readonly op: 'exitIf'; readonly cond: Loc; readonly target: number; readonly retired: number }
  | { readonly op: 'exitInd'; readonly target: Loc; readonly retired: number; readonly call?: number; readonly ret?: true };

export type IrOpName = IrInst['op'];

export type IrEffect = 'reads-memory' | 'writes-memory' | 'may-fault' | 'leaves-region' | 'commit-point';

interface IrOpDecl {
  readonly doc: string;
  /**
   * Guest-visible or control effects: such an instruction is never deleted by DCE.
   * `commit-point`: guest registers must hold their exact guest values here, because a
   * commit happens (a taken exit) or may happen (the lowering drains a full gated store
   * buffer with a commit just before a store) — so no guest register write before it is dead.
   */
  readonly effects: readonly IrEffect[];
}

export const IR_OPS = {
  alu: { doc: 'dst ← alu(a, b), RV32IM integer semantics (core/alu.ts)', effects: [] },
  alui: { doc: 'dst ← alu(a, imm)', effects: [] },
  li: { doc: 'dst ← imm (32-bit constant)', effects: [] },
  cmp: { doc: 'dst ← cond(a, b) ? 1 : 0', effects: [] },
  load: { doc: 'dst ← mem[base + imm], size bytes, sign- or zero-extended; pc is the guest instruction', effects: ['reads-memory', 'may-fault'] },
  store: { doc: 'mem[base + imm] ← src (size bytes), buffered until commit', effects: ['writes-memory', 'may-fault', 'commit-point'] },
  exit: { doc: 'leave the region to guest pc `target` (commits; `retired` guest instructions done); with `call`, a call that pushes that return address on the return-address stack', effects: ['leaves-region', 'commit-point'] },
  exitIf: { doc: 'side exit to `target` when cond ≠ 0 (commits when taken)', effects: ['leaves-region', 'commit-point'] },
  exitInd: { doc: 'leave the region to the guest pc held in `target` (indirect jump); `call`: an indirect call pushing that return address; `ret`: a return, predicted by the return-address stack', effects: ['leaves-region', 'commit-point'] },
} as const satisfies Record<IrOpName, IrOpDecl>;

/** Locations an instruction reads. */
export function uses(i: IrInst): Loc[] {
  switch (i.op) {
    case 'alu': case 'cmp': return [i.a, i.b];
    case 'alui': return [i.a];
    case 'li': case 'exit': return [];
    case 'load': return [i.base];
    case 'store': return [i.src, i.base];
    case 'exitIf': return [i.cond];
    case 'exitInd': return [i.target];
  }
}

/** The location an instruction writes, if any. */
export function def(i: IrInst): Loc | undefined {
  switch (i.op) {
    case 'alu': case 'alui': case 'li': case 'cmp': case 'load': return i.dst;
    case 'store': case 'exit': case 'exitIf': case 'exitInd': return undefined;
  }
}

export const hasEffects = (i: IrInst): boolean => IR_OPS[i.op].effects.length > 0;
export const hasEffect = (i: IrInst, e: IrEffect): boolean => (IR_OPS[i.op].effects as readonly IrEffect[]).includes(e);

/** The same instruction with every location it reads passed through `f` (its def unchanged). */
export function mapUses(i: IrInst, f: (l: Loc) => Loc): IrInst {
  switch (i.op) {
    case 'alu': case 'cmp': return { ...i, a: f(i.a), b: f(i.b) };
    case 'alui': return { ...i, a: f(i.a) };
    case 'li': case 'exit': return i;
    case 'load': return { ...i, base: f(i.base) };
    case 'store': return { ...i, src: f(i.src), base: f(i.base) };
    case 'exitIf': return { ...i, cond: f(i.cond) };
    case 'exitInd': return { ...i, target: f(i.target) };
  }
}

/** Does control never continue past this instruction? */
export const isUnconditionalExit = (i: IrInst): boolean => i.op === 'exit' || i.op === 'exitInd';

/** The canonical register copy `dst = add a, 0` (the IR has no separate move). */
export const isCopy = (i: IrInst): i is Extract<IrInst, { op: 'alui' }> => i.op === 'alui' && i.alu === 'add' && i.imm === 0;
export const copy = (dst: Loc, a: Loc): IrInst => ({ op: 'alui', alu: 'add', dst, a, imm: 0 });

/** A guest region lifted to IR. */
export interface IrRegion {
  readonly entryPc: number;
  /** Guest pc just past the last instruction of the region. */
  readonly endPc: number;
  readonly guestInsns: number;
  readonly insts: IrInst[];
  /** Temporaries used (t0..t(n-1)). */
  temps: number;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** Deterministic text form, for golden tests and divergence reports. */
export function printInst(i: IrInst): string {
  const L = locName;
  switch (i.op) {
    case 'alu': return `${L(i.dst)} = ${i.alu} ${L(i.a)}, ${L(i.b)}`;
    case 'alui': return `${L(i.dst)} = ${i.alu} ${L(i.a)}, ${i.imm}`;
    case 'li': return `${L(i.dst)} = li ${i.imm}`;
    case 'cmp': return `${L(i.dst)} = cmp.${i.cond} ${L(i.a)}, ${L(i.b)}`;
    case 'load': return `${L(i.dst)} = load${i.size}${i.signed ? 's' : 'u'} ${i.imm}(${L(i.base)})  ; ${hex(i.pc)}`;
    case 'store': return `store${i.size} ${L(i.src)}, ${i.imm}(${L(i.base)})  ; ${hex(i.pc)}`;
    case 'exit': return `exit ${hex(i.target)} [${i.retired}]${i.call !== undefined ? ` call ${hex(i.call)}` : ''}`;
    case 'exitIf': return `exit.if ${L(i.cond)}, ${hex(i.target)} [${i.retired}]`;
    case 'exitInd': return `exit.ind ${L(i.target)} [${i.retired}]${i.call !== undefined ? ` call ${hex(i.call)}` : ''}${i.ret ? ' ret' : ''}`;
  }
}

export function printRegion(r: IrRegion): string {
  return [`region ${hex(r.entryPc)}..${hex(r.endPc)} (${r.guestInsns} insns)`, ...r.insts.map((i) => `  ${printInst(i)}`)].join('\n');
}

/** Which ALU operations commute (a op b = b op a): constant folding and CSE may swap operands. */
export const ALU_COMMUTES = {
  add: true, sub: false, sll: false, slt: false, sltu: false, xor: true, srl: false, sra: false, or: true, and: true,
  mul: true, mulh: true, mulhsu: false, mulhu: true, div: false, divu: false, rem: false, remu: false,
} as const satisfies Record<AluOp, boolean>;
