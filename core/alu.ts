/**
 * The integer ALU of RV32IM and the branch comparators (shared by guest and host, so it lives
 * below both), as plain functions over int32
 * values. This is the one definition of what `add`, `mulh`, `div`, `sltu`, ... compute:
 * the reference interpreter calls it, and the VLIW host's ALU is co-designed to match it
 * (its executors call the same table), so a guest operation lowers to one host operation
 * with identical results.
 *
 * Conventions: operands and results are int32 (`x | 0`); "unsigned" operations reinterpret
 * with `>>> 0`. Semantics follow the unprivileged spec, chapters "RV32I" and "M":
 * shift amounts are the low 5 bits of the second operand; division by zero gives all ones
 * (quotient) and the dividend (remainder); INT_MIN / -1 overflows to INT_MIN, remainder 0.
 */

export type AluOp =
  | 'add' | 'sub' | 'sll' | 'slt' | 'sltu' | 'xor' | 'srl' | 'sra' | 'or' | 'and'
  | 'mul' | 'mulh' | 'mulhsu' | 'mulhu' | 'div' | 'divu' | 'rem' | 'remu';

export type BranchCond = 'eq' | 'ne' | 'lt' | 'ge' | 'ltu' | 'geu';

const INT_MIN = -0x80000000;

/** High 32 bits of the unsigned 64-bit product, from four 16x16 partial products (each
 * below 2^32, so every intermediate is an exact double). */
function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/**
 * Reading a negative int32 as unsigned adds 2^32, which adds the other operand to the
 * high word of the product; signed high products subtract those terms back out.
 */
export const ALU = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  sll: (a, b) => a << (b & 31),
  slt: (a, b) => (a < b ? 1 : 0),
  sltu: (a, b) => ((a >>> 0) < (b >>> 0) ? 1 : 0),
  xor: (a, b) => a ^ b,
  srl: (a, b) => (a >>> (b & 31)) | 0,
  sra: (a, b) => a >> (b & 31),
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  mul: (a, b) => Math.imul(a, b),
  mulh: (a, b) => (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0,
  mulhsu: (a, b) => (mulhu(a, b) - (a < 0 ? b : 0)) | 0,
  mulhu: (a, b) => mulhu(a, b),
  div: (a, b) => (b === 0 ? -1 : a === INT_MIN && b === -1 ? INT_MIN : (a / b) | 0),
  divu: (a, b) => (b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0),
  rem: (a, b) => (b === 0 ? a : a === INT_MIN && b === -1 ? 0 : (a % b) | 0),
  remu: (a, b) => (b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0),
} as const satisfies Record<AluOp, (a: number, b: number) => number>;

/** Every ALU operation, in the order of the type (for tests and per-op tables). */
export const ALU_OPS: readonly AluOp[] = Object.keys(ALU) as AluOp[];

export const BRANCH = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  ge: (a, b) => a >= b,
  ltu: (a, b) => a >>> 0 < b >>> 0,
  geu: (a, b) => a >>> 0 >= b >>> 0,
} as const satisfies Record<BranchCond, (a: number, b: number) => boolean>;

export const BRANCH_CONDS: readonly BranchCond[] = Object.keys(BRANCH) as BranchCond[];
