/**
 * Disassembly in objdump's syntax (no pseudo-instruction aliases, so every line maps to
 * exactly one table entry): ABI register names, `imm(rs1)` addressing, absolute branch
 * targets with an optional `<symbol>`, CSRs by name. The operand order follows the
 * instruction's semantics kind, so new table entries print without changes here.
 */
import { assertNever } from '../core/assert.ts';
import { csrName } from './csr.ts';
import { decode, type Decoded } from './decode.ts';

/** ABI names of x0..x31 (the psABI's; s0 rather than fp, as objdump prints). */
export const REG_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

export const hex32 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** A CSR as objdump prints it: its name, or its number in hex. */
export function csrText(addr: number): string {
  return csrName(addr) ?? hex(addr);
}

/** fence predecessor/successor sets: the letters of I, O, R, W present, or 0. */
function fenceSet(bits: number): string {
  const s = (bits & 8 ? 'i' : '') + (bits & 4 ? 'o' : '') + (bits & 2 ? 'r' : '') + (bits & 1 ? 'w' : '');
  return s === '' ? '0' : s;
}

/**
 * One instruction as text. With `pc`, branch and jump targets print as absolute addresses
 * (and `symbolize` may name them); without it, as the signed byte offset.
 */
export function disasm(d: Decoded | number, pc?: number, symbolize?: (addr: number) => string | undefined): string {
  const dec = typeof d === 'number' ? decode(d) : d;
  if (!dec) return `.word ${hex32(d as number)}`;
  const r = REG_NAMES;
  const { rd, rs1, rs2, imm } = dec;
  const sem = dec.spec.sem;
  const target = (): string => {
    if (pc === undefined) return String(imm);
    const t = (pc + imm) >>> 0;
    const name = symbolize?.(t);
    return name === undefined ? hex(t) : `${hex(t)} <${name}>`;
  };
  let ops: string[];
  switch (sem.kind) {
    case 'alu':
      ops = sem.src2 === 'rs2'
        ? [r[rd]!, r[rs1]!, r[rs2]!]
        : [r[rd]!, r[rs1]!, dec.spec.format === 'I-shamt' ? hex(imm) : String(imm)];
      break;
    case 'lui': case 'auipc': ops = [r[rd]!, hex(imm >>> 12)]; break;
    case 'load': case 'jalr': ops = [r[rd]!, `${imm}(${r[rs1]})`]; break;
    case 'store': ops = [r[rs2]!, `${imm}(${r[rs1]})`]; break;
    case 'branch': ops = [r[rs1]!, r[rs2]!, target()]; break;
    case 'jal': ops = [r[rd]!, target()]; break;
    case 'csr': ops = [r[rd]!, csrText(dec.csr), sem.src === 'rs1' ? r[rs1]! : String(imm)]; break;
    case 'fence':
      // fm = 8 with pred = succ = rw is fence.tso.
      if (((imm >>> 8) & 0xf) === 8) return 'fence.tso';
      ops = [fenceSet((imm >>> 4) & 0xf), fenceSet(imm & 0xf)];
      break;
    case 'fence.i': case 'ecall': case 'ebreak': case 'mret': case 'wfi': ops = []; break;
    default: return assertNever(sem, 'sem');
  }
  return ops.length === 0 ? dec.spec.mnemonic : `${dec.spec.mnemonic} ${ops.join(', ')}`;
}
