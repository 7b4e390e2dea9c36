/**
 * The host ISA as data: every atom opcode of the simulated VLIW, declared once with its
 * operand signature, functional-unit class, latency class, effects and a one-line doc.
 * The printer, parser, validator, both executors and the scheduler's latency lookups are
 * derived from this table (STYLE.md points 4 and 5); adding an opcode does not compile
 * until each of them handles its kind.
 *
 * The host ALU is co-designed with the guest: its operations ARE the guest's (core/alu.ts),
 * so a translated `add` cannot differ from an interpreted one.
 */
import type { AluOp, BranchCond } from '../core/alu.ts';
import type { LatencyClass, UnitClass } from './machine.ts';

export type LoadWidth = 'b' | 'bu' | 'h' | 'hu' | 'w';
export type StoreWidth = 'b' | 'h' | 'w';

/**
 * How a memory atom reaches memory:
 * - plain: loads read RAM (through the store buffer), stores go to the gated store buffer;
 *   a non-RAM address faults with cause `device` so the runtime can fall back;
 * - protected (`ldp`): a plain load that also records [addr, addr+size) in the alias table;
 * - checked (`stc`): a plain store that first checks the alias table (overlap ⇒ alias fault);
 * - io (`ldio`/`stio`): performed at once on memory or a device, never buffered.
 */
export type MemMode = 'plain' | 'protected' | 'checked' | 'io';

export type AtomOp =
  | AluOp // rd = rs1 op rs2
  | `${AluOp}i` // rd = rs1 op imm
  | `cmp.${BranchCond}` // rd = (rs1 cond rs2) ? 1 : 0
  | 'li' | 'mov' | 'sel'
  | `ld.${LoadWidth}` | `ldp.${LoadWidth}` | `ldio.${LoadWidth}`
  | `st.${StoreWidth}` | `stc.${StoreWidth}` | `stio.${StoreWidth}`
  | 'commit' | 'exit' | 'exit.if' | 'exit.ind'
  | 'exit.call' | 'exit.icall' | 'exit.ret';

/**
 * Atom kinds: one per operand signature and execution behaviour. Everything that switches
 * over atoms switches over the kind (with assertNever), then reads the spec's details.
 */
export type AtomKind = 'alu' | 'aluImm' | 'li' | 'mov' | 'cmp' | 'sel' | 'load' | 'store' | 'commit' | 'exit' | 'exitIf' | 'exitInd'
  | 'exitCall' | 'exitIndCall' | 'exitRet';

/**
 * Operand slots as they appear in the text form, and the Atom field each lives in:
 * rd/rs1/rs2/rs3 are host registers; imm a signed 32-bit immediate (field imm);
 * mem is `imm(rs1)`; pc a guest address (field imm, unsigned); retPc the guest return address
 * a call pushes on the return-address stack (field retPc, unsigned); retired a count of guest
 * instructions (field retired).
 */
export type OperandKind = 'rd' | 'rs1' | 'rs2' | 'rs3' | 'imm' | 'mem' | 'pc' | 'retPc' | 'retired';

/** The operand signature of each kind, in text order. sel's rs1/rs2/rs3 are rc/ra/rb. */
export const KIND_OPERANDS = {
  alu: ['rd', 'rs1', 'rs2'],
  aluImm: ['rd', 'rs1', 'imm'],
  li: ['rd', 'imm'],
  mov: ['rd', 'rs1'],
  cmp: ['rd', 'rs1', 'rs2'],
  sel: ['rd', 'rs1', 'rs2', 'rs3'],
  load: ['rd', 'mem'],
  store: ['rs2', 'mem'],
  commit: ['pc', 'retired'],
  exit: ['pc', 'retired'],
  exitIf: ['rs1', 'pc', 'retired'],
  exitInd: ['rs1', 'retired'],
  exitCall: ['pc', 'retPc', 'retired'],
  exitIndCall: ['rs1', 'retPc', 'retired'],
  exitRet: ['rs1', 'retired'],
} as const satisfies Record<AtomKind, readonly OperandKind[]>;

export interface Effects {
  /** Reads guest memory (RAM through the store buffer, or a device for io). */
  readonly readsMem: boolean;
  /** Writes guest memory (into the store buffer, or directly for io). */
  readonly writesMem: boolean;
  /** May raise a fault that rolls the translation back. */
  readonly mayFault: boolean;
  /** Leaves the translation (when taken). */
  readonly exit: boolean;
  /** Makes the working state architectural (commit, and every taken exit). */
  readonly commits: boolean;
  /** Touches a device (or RAM) non-speculatively; cannot be undone by rollback. */
  readonly device: boolean;
}

export interface AtomSpec {
  readonly kind: AtomKind;
  readonly unit: UnitClass;
  readonly latency: LatencyClass;
  readonly effects: Effects;
  readonly doc: string;
  /** alu/aluImm: the guest ALU operation. */
  readonly alu?: AluOp;
  /** cmp: the guest branch condition. */
  readonly cond?: BranchCond;
  /** load/store: bytes accessed, sign extension and access mode. */
  readonly size?: 1 | 2 | 4;
  readonly signed?: boolean;
  readonly mode?: MemMode;
}

const fx = (p: Partial<Effects> = {}): Effects => ({
  readsMem: false, writesMem: false, mayFault: false, exit: false, commits: false, device: false, ...p,
});
const PURE = fx();

/** The operation each AluOp performs, written over a (rs1) and b (rs2 or imm), for docs. */
const ALU_DOC = {
  add: 'a + b', sub: 'a - b', sll: 'a << b[4:0]', slt: 'a < b signed ? 1 : 0', sltu: 'a < b unsigned ? 1 : 0',
  xor: 'a ^ b', srl: 'a >>> b[4:0] (logical)', sra: 'a >> b[4:0] (arithmetic)', or: 'a | b', and: 'a & b',
  mul: 'low 32 bits of a * b', mulh: 'high 32 bits of signed a * signed b',
  mulhsu: 'high 32 bits of signed a * unsigned b', mulhu: 'high 32 bits of unsigned a * unsigned b',
  div: 'a / b signed, toward zero (b = 0 gives -1; -2^31 / -1 gives -2^31)',
  divu: 'a / b unsigned (b = 0 gives 2^32 - 1)',
  rem: 'a % b signed, sign of a (b = 0 gives a; -2^31 % -1 gives 0)',
  remu: 'a % b unsigned (b = 0 gives a)',
} as const satisfies Record<AluOp, string>;

/** mul/mulh* use the multiplier; div/rem the (shared) divider on the same unit. */
const ALU_TIMING = {
  add: 'alu', sub: 'alu', sll: 'alu', slt: 'alu', sltu: 'alu', xor: 'alu', srl: 'alu', sra: 'alu', or: 'alu', and: 'alu',
  mul: 'mul', mulh: 'mul', mulhsu: 'mul', mulhu: 'mul', div: 'div', divu: 'div', rem: 'div', remu: 'div',
} as const satisfies Record<AluOp, 'alu' | 'mul' | 'div'>;

const aluUnit = (op: AluOp): UnitClass => (ALU_TIMING[op] === 'alu' ? 'alu' : 'mul');
const aluRR = (op: AluOp): AtomSpec =>
  ({ kind: 'alu', unit: aluUnit(op), latency: ALU_TIMING[op], effects: PURE, alu: op, doc: `rd = ${ALU_DOC[op].replace(/\bb\b/g, 'rs2').replace(/\ba\b/g, 'rs1')}` });
const aluRI = (op: AluOp): AtomSpec =>
  ({ kind: 'aluImm', unit: aluUnit(op), latency: ALU_TIMING[op], effects: PURE, alu: op, doc: `rd = ${ALU_DOC[op].replace(/\bb\b/g, 'imm').replace(/\ba\b/g, 'rs1')}` });
const cmp = (cond: BranchCond, rel: string): AtomSpec =>
  ({ kind: 'cmp', unit: 'alu', latency: 'alu', effects: PURE, cond, doc: `rd = rs1 ${rel} rs2 ? 1 : 0` });

const LOAD_DOC = { b: 'sign-extended byte', bu: 'zero-extended byte', h: 'sign-extended halfword', hu: 'zero-extended halfword', w: 'word' } as const;
const load = (w: LoadWidth, mode: 'plain' | 'protected' | 'io'): AtomSpec => ({
  kind: 'load', unit: 'mem', latency: 'load', size: w[0] === 'b' ? 1 : w[0] === 'h' ? 2 : 4, signed: w.length === 1 && w !== 'w', mode,
  effects: fx({ readsMem: true, mayFault: true, device: mode === 'io' }),
  doc: mode === 'plain' ? `rd = ${LOAD_DOC[w]} at rs1 + imm (sees buffered stores)`
    : mode === 'protected' ? `rd = ${LOAD_DOC[w]} at rs1 + imm, and record the bytes in the alias table`
      : `rd = ${LOAD_DOC[w]} at rs1 + imm, read now from RAM or a device (never speculated)`,
});
const store = (w: StoreWidth, mode: 'plain' | 'checked' | 'io'): AtomSpec => ({
  kind: 'store', unit: 'mem', latency: 'store', size: w === 'b' ? 1 : w === 'h' ? 2 : 4, signed: false, mode,
  effects: fx({ writesMem: true, mayFault: true, device: mode === 'io' }),
  doc: mode === 'plain' ? `buffer a ${w === 'w' ? 'word' : w === 'h' ? 'halfword' : 'byte'} store of rs2 to rs1 + imm (gated until commit)`
    : mode === 'checked' ? `as st.${w}, after checking the alias table (overlap with a protected load: alias fault)`
      : `store rs2 to rs1 + imm now, on RAM or a device (never buffered)`,
});

/** The atom table. */
const ATOM_TABLE = {
  add: aluRR('add'), sub: aluRR('sub'), sll: aluRR('sll'), slt: aluRR('slt'), sltu: aluRR('sltu'),
  xor: aluRR('xor'), srl: aluRR('srl'), sra: aluRR('sra'), or: aluRR('or'), and: aluRR('and'),
  mul: aluRR('mul'), mulh: aluRR('mulh'), mulhsu: aluRR('mulhsu'), mulhu: aluRR('mulhu'),
  div: aluRR('div'), divu: aluRR('divu'), rem: aluRR('rem'), remu: aluRR('remu'),

  addi: aluRI('add'), subi: aluRI('sub'), slli: aluRI('sll'), slti: aluRI('slt'), sltui: aluRI('sltu'),
  xori: aluRI('xor'), srli: aluRI('srl'), srai: aluRI('sra'), ori: aluRI('or'), andi: aluRI('and'),
  muli: aluRI('mul'), mulhi: aluRI('mulh'), mulhsui: aluRI('mulhsu'), mulhui: aluRI('mulhu'),
  divi: aluRI('div'), divui: aluRI('divu'), remi: aluRI('rem'), remui: aluRI('remu'),

  'cmp.eq': cmp('eq', '=='), 'cmp.ne': cmp('ne', '!='), 'cmp.lt': cmp('lt', '< (signed)'),
  'cmp.ge': cmp('ge', '>= (signed)'), 'cmp.ltu': cmp('ltu', '< (unsigned)'), 'cmp.geu': cmp('geu', '>= (unsigned)'),

  li: { kind: 'li', unit: 'alu', latency: 'alu', effects: PURE, doc: 'rd = imm (any 32-bit value)' },
  mov: { kind: 'mov', unit: 'alu', latency: 'alu', effects: PURE, doc: 'rd = rs1 (register copy)' },
  sel: { kind: 'sel', unit: 'alu', latency: 'alu', effects: PURE, doc: 'rd = rc != 0 ? ra : rb (operands rd, rc, ra, rb)' },

  'ld.b': load('b', 'plain'), 'ld.bu': load('bu', 'plain'), 'ld.h': load('h', 'plain'), 'ld.hu': load('hu', 'plain'), 'ld.w': load('w', 'plain'),
  'ldp.b': load('b', 'protected'), 'ldp.bu': load('bu', 'protected'), 'ldp.h': load('h', 'protected'), 'ldp.hu': load('hu', 'protected'), 'ldp.w': load('w', 'protected'),
  'ldio.b': load('b', 'io'), 'ldio.bu': load('bu', 'io'), 'ldio.h': load('h', 'io'), 'ldio.hu': load('hu', 'io'), 'ldio.w': load('w', 'io'),
  'st.b': store('b', 'plain'), 'st.h': store('h', 'plain'), 'st.w': store('w', 'plain'),
  'stc.b': store('b', 'checked'), 'stc.h': store('h', 'checked'), 'stc.w': store('w', 'checked'),
  'stio.b': store('b', 'io'), 'stio.h': store('h', 'io'), 'stio.w': store('w', 'io'),

  commit: {
    kind: 'commit', unit: 'br', latency: 'br', effects: fx({ commits: true }),
    doc: 'checkpoint: shadow = working registers, drain the store buffer to memory, clear the alias table; operands: the guest pc and guest instructions retired at this point',
  },
  exit: {
    kind: 'exit', unit: 'br', latency: 'br', effects: fx({ exit: true, commits: true }),
    doc: 'commit and leave to guest pc (the translation\'s end); operands: pc, guest instructions retired',
  },
  'exit.if': {
    kind: 'exitIf', unit: 'br', latency: 'br', effects: fx({ exit: true, commits: true }),
    doc: 'side exit: when rc != 0, commit and leave to guest pc; operands: rc, pc, retired',
  },
  'exit.ind': {
    kind: 'exitInd', unit: 'br', latency: 'br', effects: fx({ exit: true, commits: true }),
    doc: 'commit and leave to the guest pc held in rs (jalr), through the indirect-branch target cache; operands: rs, retired',
  },
  'exit.call': {
    kind: 'exitCall', unit: 'br', latency: 'br', effects: fx({ exit: true, commits: true }),
    doc: 'a call (jal to a link register): as exit, and push retPc on the return-address stack; operands: pc, retPc, retired',
  },
  'exit.icall': {
    kind: 'exitIndCall', unit: 'br', latency: 'br', effects: fx({ exit: true, commits: true }),
    doc: 'an indirect call (jalr to a link register): as exit.ind, and push retPc on the return-address stack; operands: rs, retPc, retired',
  },
  'exit.ret': {
    kind: 'exitRet', unit: 'br', latency: 'br', effects: fx({ exit: true, commits: true }),
    doc: 'a return (jalr x0 through a link register): as exit.ind, predicted by popping the return-address stack; operands: rs, retired',
  },
} as const satisfies Record<AtomOp, AtomSpec>;

/** The atom table, every entry seen through the one AtomSpec shape. */
export const ATOMS: Readonly<Record<AtomOp, AtomSpec>> = ATOM_TABLE;

/** Every opcode, in table order (also the dense opcode numbering). */
export const ATOM_OPS = Object.keys(ATOMS) as readonly AtomOp[];

export const isAtomOp = (s: string): s is AtomOp => Object.prototype.hasOwnProperty.call(ATOMS, s);

export function atomSpec(op: AtomOp): AtomSpec {
  return ATOMS[op];
}

/** Can an exit of this kind be chained (patched to jump straight to its constant target)? */
export const isChainable = (k: AtomKind): boolean => k === 'exit' || k === 'exitIf' || k === 'exitCall';

/** Does an atom of this kind leave the translation unconditionally? */
export const isUncondExit = (k: AtomKind): boolean =>
  k === 'exit' || k === 'exitInd' || k === 'exitCall' || k === 'exitIndCall' || k === 'exitRet';

/** Does an atom of this kind write its rd? */
export const writesRd = (k: AtomKind): boolean => (KIND_OPERANDS[k] as readonly OperandKind[]).includes('rd');
