/**
 * THE guest ISA table: every RV32IM + Zicsr + Zifencei (+ the machine-mode privileged)
 * instruction, once, with its encoding (match/mask, as in riscv-opcodes), its operand
 * format, and its semantics as data (`Sem`). The decoder, disassembler, encoder, the
 * reference interpreter and the translator front-end are all computed from this table;
 * nothing else lists instructions.
 */
import { assertNever } from '../core/assert.ts';
import type { AluOp, BranchCond } from '../core/alu.ts';

/**
 * What an instruction does, in a small DSL over the named operands of `Decoded`
 * (rd, rs1, rs2, imm, csr). The interpreter executes it and the translator lifts it.
 */
export type Sem =
  /** rd ← op(rs1, rs2 | imm); for shift-immediates imm is the shift amount. */
  | { readonly kind: 'alu'; readonly op: AluOp; readonly src2: 'rs2' | 'imm' }
  /** rd ← imm (imm is already shifted left by 12). */
  | { readonly kind: 'lui' }
  /** rd ← pc + imm. */
  | { readonly kind: 'auipc' }
  /** rd ← mem[rs1 + imm], sign- or zero-extended. */
  | { readonly kind: 'load'; readonly size: 1 | 2 | 4; readonly signed: boolean }
  /** mem[rs1 + imm] ← low `size` bytes of rs2. */
  | { readonly kind: 'store'; readonly size: 1 | 2 | 4 }
  /** if cond(rs1, rs2): pc ← pc + imm. */
  | { readonly kind: 'branch'; readonly cond: BranchCond }
  /** rd ← pc + 4; pc ← pc + imm. */
  | { readonly kind: 'jal' }
  /** t ← (rs1 + imm) & ~1; rd ← pc + 4; pc ← t. */
  | { readonly kind: 'jalr' }
  /** rd ← csr; csr ← rs1 | uimm (rw), csr | src (rs), csr & ~src (rc). For src 'uimm' the
   * 5-bit immediate is in `imm` and rs1 is 0. */
  | { readonly kind: 'csr'; readonly op: 'rw' | 'rs' | 'rc'; readonly src: 'rs1' | 'uimm' }
  | { readonly kind: 'fence' }
  | { readonly kind: 'fence.i' }
  | { readonly kind: 'ecall' }
  | { readonly kind: 'ebreak' }
  | { readonly kind: 'mret' }
  | { readonly kind: 'wfi' };

export type SemKind = Sem['kind'];

/**
 * Operand layouts. The spec's six base formats, plus the I-type variants whose
 * immediate field means something else: a shift amount (imm[11:5] is part of the opcode),
 * a CSR number with rs1 or a 5-bit zero-extended immediate, and none (fixed encodings).
 */
export type Format = 'R' | 'I' | 'I-shamt' | 'I-csr' | 'I-csri' | 'S' | 'B' | 'U' | 'J' | 'none';

export type Extension = 'I' | 'M' | 'Zicsr' | 'Zifencei' | 'priv';

export interface InsnSpec {
  readonly mnemonic: string;
  readonly format: Format;
  /** Bits that must equal `match` under `mask` for this instruction. */
  readonly match: number;
  readonly mask: number;
  readonly ext: Extension;
  readonly sem: Sem;
}

// Major opcodes (the spec's "RV32/64G opcode map" names).
const LOAD = 0x03;
const MISC_MEM = 0x0f;
const OP_IMM = 0x13;
const AUIPC = 0x17;
const STORE = 0x23;
const OP = 0x33;
const LUI = 0x37;
const BRANCH = 0x63;
const JALR = 0x67;
const JAL = 0x6f;
const SYSTEM = 0x73;

const OPCODE_MASK = 0x7f;
const FUNCT3_MASK = 0x7 << 12;
const FUNCT7_MASK = 0x7f << 25;

// Encoding builders: each fixes the opcode and the function fields of its format.
const f3 = (opcode: number, funct3: number) => ({ match: opcode | (funct3 << 12), mask: OPCODE_MASK | FUNCT3_MASK });
const f37 = (opcode: number, funct3: number, funct7: number) => ({
  match: (opcode | (funct3 << 12) | (funct7 << 25)) >>> 0,
  mask: (OPCODE_MASK | FUNCT3_MASK | FUNCT7_MASK) >>> 0,
});
const op = (opcode: number) => ({ match: opcode, mask: OPCODE_MASK });
const exact = (word: number) => ({ match: word >>> 0, mask: 0xffffffff });

type Row = readonly [mnemonic: string, format: Format, enc: { match: number; mask: number }, ext: Extension, sem: Sem];

const alu = (o: AluOp, src2: 'rs2' | 'imm'): Sem => ({ kind: 'alu', op: o, src2 });
const load = (size: 1 | 2 | 4, signed: boolean): Sem => ({ kind: 'load', size, signed });
const store = (size: 1 | 2 | 4): Sem => ({ kind: 'store', size });
const branch = (cond: BranchCond): Sem => ({ kind: 'branch', cond });
const csr = (o: 'rw' | 'rs' | 'rc', src: 'rs1' | 'uimm'): Sem => ({ kind: 'csr', op: o, src });

const ROWS: readonly Row[] = [
  // RV32I
  ['lui', 'U', op(LUI), 'I', { kind: 'lui' }],
  ['auipc', 'U', op(AUIPC), 'I', { kind: 'auipc' }],
  ['jal', 'J', op(JAL), 'I', { kind: 'jal' }],
  ['jalr', 'I', f3(JALR, 0), 'I', { kind: 'jalr' }],
  ['beq', 'B', f3(BRANCH, 0), 'I', branch('eq')],
  ['bne', 'B', f3(BRANCH, 1), 'I', branch('ne')],
  ['blt', 'B', f3(BRANCH, 4), 'I', branch('lt')],
  ['bge', 'B', f3(BRANCH, 5), 'I', branch('ge')],
  ['bltu', 'B', f3(BRANCH, 6), 'I', branch('ltu')],
  ['bgeu', 'B', f3(BRANCH, 7), 'I', branch('geu')],
  ['lb', 'I', f3(LOAD, 0), 'I', load(1, true)],
  ['lh', 'I', f3(LOAD, 1), 'I', load(2, true)],
  ['lw', 'I', f3(LOAD, 2), 'I', load(4, true)],
  ['lbu', 'I', f3(LOAD, 4), 'I', load(1, false)],
  ['lhu', 'I', f3(LOAD, 5), 'I', load(2, false)],
  ['sb', 'S', f3(STORE, 0), 'I', store(1)],
  ['sh', 'S', f3(STORE, 1), 'I', store(2)],
  ['sw', 'S', f3(STORE, 2), 'I', store(4)],
  ['addi', 'I', f3(OP_IMM, 0), 'I', alu('add', 'imm')],
  ['slti', 'I', f3(OP_IMM, 2), 'I', alu('slt', 'imm')],
  ['sltiu', 'I', f3(OP_IMM, 3), 'I', alu('sltu', 'imm')],
  ['xori', 'I', f3(OP_IMM, 4), 'I', alu('xor', 'imm')],
  ['ori', 'I', f3(OP_IMM, 6), 'I', alu('or', 'imm')],
  ['andi', 'I', f3(OP_IMM, 7), 'I', alu('and', 'imm')],
  // On RV32 imm[11:5] of a shift is fixed (0, or 0x20 for srai): shamt[5] = 1 is illegal.
  ['slli', 'I-shamt', f37(OP_IMM, 1, 0x00), 'I', alu('sll', 'imm')],
  ['srli', 'I-shamt', f37(OP_IMM, 5, 0x00), 'I', alu('srl', 'imm')],
  ['srai', 'I-shamt', f37(OP_IMM, 5, 0x20), 'I', alu('sra', 'imm')],
  ['add', 'R', f37(OP, 0, 0x00), 'I', alu('add', 'rs2')],
  ['sub', 'R', f37(OP, 0, 0x20), 'I', alu('sub', 'rs2')],
  ['sll', 'R', f37(OP, 1, 0x00), 'I', alu('sll', 'rs2')],
  ['slt', 'R', f37(OP, 2, 0x00), 'I', alu('slt', 'rs2')],
  ['sltu', 'R', f37(OP, 3, 0x00), 'I', alu('sltu', 'rs2')],
  ['xor', 'R', f37(OP, 4, 0x00), 'I', alu('xor', 'rs2')],
  ['srl', 'R', f37(OP, 5, 0x00), 'I', alu('srl', 'rs2')],
  ['sra', 'R', f37(OP, 5, 0x20), 'I', alu('sra', 'rs2')],
  ['or', 'R', f37(OP, 6, 0x00), 'I', alu('or', 'rs2')],
  ['and', 'R', f37(OP, 7, 0x00), 'I', alu('and', 'rs2')],
  // fm/pred/succ live in imm; rd and rs1 are reserved and ignored (so not in the mask).
  // fence.tso and pause are fence encodings and behave as fence.
  ['fence', 'I', f3(MISC_MEM, 0), 'I', { kind: 'fence' }],
  ['ecall', 'none', exact(0x00000073), 'I', { kind: 'ecall' }],
  ['ebreak', 'none', exact(0x00100073), 'I', { kind: 'ebreak' }],
  // Zifencei: imm, rs1 and rd are reserved and ignored.
  ['fence.i', 'I', f3(MISC_MEM, 1), 'Zifencei', { kind: 'fence.i' }],
  // Zicsr
  ['csrrw', 'I-csr', f3(SYSTEM, 1), 'Zicsr', csr('rw', 'rs1')],
  ['csrrs', 'I-csr', f3(SYSTEM, 2), 'Zicsr', csr('rs', 'rs1')],
  ['csrrc', 'I-csr', f3(SYSTEM, 3), 'Zicsr', csr('rc', 'rs1')],
  ['csrrwi', 'I-csri', f3(SYSTEM, 5), 'Zicsr', csr('rw', 'uimm')],
  ['csrrsi', 'I-csri', f3(SYSTEM, 6), 'Zicsr', csr('rs', 'uimm')],
  ['csrrci', 'I-csri', f3(SYSTEM, 7), 'Zicsr', csr('rc', 'uimm')],
  // Machine-mode privileged instructions
  ['mret', 'none', exact(0x30200073), 'priv', { kind: 'mret' }],
  ['wfi', 'none', exact(0x10500073), 'priv', { kind: 'wfi' }],
  // M
  ['mul', 'R', f37(OP, 0, 0x01), 'M', alu('mul', 'rs2')],
  ['mulh', 'R', f37(OP, 1, 0x01), 'M', alu('mulh', 'rs2')],
  ['mulhsu', 'R', f37(OP, 2, 0x01), 'M', alu('mulhsu', 'rs2')],
  ['mulhu', 'R', f37(OP, 3, 0x01), 'M', alu('mulhu', 'rs2')],
  ['div', 'R', f37(OP, 4, 0x01), 'M', alu('div', 'rs2')],
  ['divu', 'R', f37(OP, 5, 0x01), 'M', alu('divu', 'rs2')],
  ['rem', 'R', f37(OP, 6, 0x01), 'M', alu('rem', 'rs2')],
  ['remu', 'R', f37(OP, 7, 0x01), 'M', alu('remu', 'rs2')],
];

export const ISA: readonly InsnSpec[] = ROWS.map(([mnemonic, format, enc, ext, sem]) =>
  Object.freeze({ mnemonic, format, match: enc.match >>> 0, mask: enc.mask >>> 0, ext, sem }),
);

const BY_MNEMONIC = new Map(ISA.map((s) => [s.mnemonic, s]));

/** The table entry for a mnemonic, or undefined. */
export function specOf(mnemonic: string): InsnSpec | undefined {
  return BY_MNEMONIC.get(mnemonic);
}

/** Does the instruction write register rd (when rd is not x0)? */
export function writesRd(sem: Sem): boolean {
  switch (sem.kind) {
    case 'alu': case 'lui': case 'auipc': case 'load': case 'jal': case 'jalr': case 'csr':
      return true;
    case 'store': case 'branch': case 'fence': case 'fence.i': case 'ecall': case 'ebreak': case 'mret': case 'wfi':
      return false;
    default:
      return assertNever(sem, 'sem');
  }
}

/**
 * Does the instruction end a basic block: a control transfer, or a system instruction
 * whose effects (traps, privilege, CSRs, code invalidation) the runtime must see at once?
 */
export function semEndsBlock(sem: Sem): boolean {
  switch (sem.kind) {
    case 'branch': case 'jal': case 'jalr': case 'csr': case 'fence.i': case 'ecall': case 'ebreak': case 'mret': case 'wfi':
      return true;
    case 'alu': case 'lui': case 'auipc': case 'load': case 'store': case 'fence':
      return false;
    default:
      return assertNever(sem, 'sem');
  }
}
