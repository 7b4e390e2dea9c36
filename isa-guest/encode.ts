/**
 * Instruction encoding from the ISA table (the inverse of decode), and a one-line
 * assembler over the disassembler's syntax, for tests and hand-built guest snippets.
 * Branch and jump operands are byte offsets relative to the instruction.
 */
import { assertNever } from '../core/assert.ts';
import { CSR, type CsrName } from './csr.ts';
import { REG_NAMES } from './disasm.ts';
import { specOf, type Format } from './isa.ts';

export interface Operands {
  readonly rd?: number;
  readonly rs1?: number;
  readonly rs2?: number;
  /** As in Decoded: sign-extended; U: the shifted value; I-shamt: shamt; I-csri: uimm. */
  readonly imm?: number;
  readonly csr?: number;
}

function check(ok: boolean, what: string, mnemonic: string): void {
  if (!ok) throw new Error(`encode ${mnemonic}: ${what} out of range`);
}

const inRange = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;

/** Place the format's operand fields; every field is range-checked. */
function fields(format: Format, o: Operands, m: string): number {
  const rd = o.rd ?? 0;
  const rs1 = o.rs1 ?? 0;
  const rs2 = o.rs2 ?? 0;
  const imm = o.imm ?? 0;
  const csr = o.csr ?? 0;
  for (const [name, v] of [['rd', rd], ['rs1', rs1], ['rs2', rs2]] as const) check(inRange(v, 0, 31), name, m);
  switch (format) {
    case 'R':
      return (rd << 7) | (rs1 << 15) | (rs2 << 20);
    case 'I':
      check(inRange(imm, -2048, 2047), 'imm', m);
      return (rd << 7) | (rs1 << 15) | ((imm & 0xfff) << 20);
    case 'I-shamt':
      check(inRange(imm, 0, 31), 'shamt', m);
      return (rd << 7) | (rs1 << 15) | (imm << 20);
    case 'I-csr':
      check(inRange(csr, 0, 0xfff), 'csr', m);
      return (rd << 7) | (rs1 << 15) | (csr << 20);
    case 'I-csri':
      check(inRange(csr, 0, 0xfff), 'csr', m);
      check(inRange(imm, 0, 31), 'uimm', m);
      return (rd << 7) | (imm << 15) | (csr << 20);
    case 'S':
      check(inRange(imm, -2048, 2047), 'imm', m);
      return (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | ((imm & 0x1f) << 7);
    case 'B':
      check(inRange(imm, -4096, 4094) && (imm & 1) === 0, 'offset', m);
      return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15)
        | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7);
    case 'U':
      check(inRange(imm, -0x80000000, 0xffffffff) && (imm & 0xfff) === 0, 'imm', m);
      return (imm & 0xfffff000) | (rd << 7);
    case 'J':
      check(inRange(imm, -(1 << 20), (1 << 20) - 2) && (imm & 1) === 0, 'offset', m);
      return (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12) | (rd << 7);
    case 'none':
      return 0;
    default:
      return assertNever(format, 'format');
  }
}

/** The instruction word (unsigned) for `mnemonic` with these operands. */
export function encode(mnemonic: string, ops: Operands = {}): number {
  const spec = specOf(mnemonic);
  if (!spec) throw new Error(`encode: unknown mnemonic '${mnemonic}'`);
  const word = (spec.match | fields(spec.format, ops, mnemonic)) >>> 0;
  if (((word & spec.mask) >>> 0) !== spec.match) throw new Error(`encode ${mnemonic}: operands overlap the opcode`);
  return word;
}

// ---- the one-line assembler -------------------------------------------------------------

const REG_BY_NAME = new Map<string, number>([
  ...REG_NAMES.map((n, i) => [n, i] as const),
  ...Array.from({ length: 32 }, (_, i) => [`x${i}`, i] as const),
  ['fp', 8],
]);

function reg(t: string | undefined, text: string): number {
  const r = t === undefined ? undefined : REG_BY_NAME.get(t);
  if (r === undefined) throw new Error(`asm '${text}': expected a register, got '${t ?? ''}'`);
  return r;
}

function num(t: string | undefined, text: string): number {
  const s = (t ?? '').trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) throw new Error(`asm '${text}': expected a number, got '${s}'`);
  const neg = s.startsWith('-');
  const v = Number(neg ? s.slice(1) : s);
  return neg ? -v : v;
}

/** `imm(rs1)` */
function memOperand(t: string | undefined, text: string): { imm: number; rs1: number } {
  const m = /^(.*)\((\w+)\)$/.exec((t ?? '').trim());
  if (!m) throw new Error(`asm '${text}': expected imm(reg), got '${t ?? ''}'`);
  return { imm: m[1] === '' ? 0 : num(m[1], text), rs1: reg(m[2], text) };
}

function csrOperand(t: string | undefined, text: string): number {
  const named = t !== undefined && t in CSR ? CSR[t as CsrName] : undefined;
  return named ?? num(t, text);
}

function fenceSetBits(t: string | undefined, text: string): number {
  if (t === '0') return 0;
  if (t === undefined || !/^i?o?r?w?$/.test(t) || t === '') throw new Error(`asm '${text}': bad fence set '${t ?? ''}'`);
  return (t.includes('i') ? 8 : 0) | (t.includes('o') ? 4 : 0) | (t.includes('r') ? 2 : 0) | (t.includes('w') ? 1 : 0);
}

/**
 * Assemble one instruction in the disassembler's syntax, e.g. `addi a0, a0, -1`,
 * `lw a5, 8(sp)`, `beq a0, zero, -8` (offset in bytes), `lui a0, 0x80000` (the upper 20
 * bits), `csrrw t0, mscratch, t0`, `fence rw, rw`.
 */
export function asm(text: string): number {
  const t = text.trim();
  const sp = t.search(/\s/);
  const mnemonic = sp < 0 ? t : t.slice(0, sp);
  const args = sp < 0 ? [] : t.slice(sp + 1).split(',').map((a) => a.trim());
  const spec = specOf(mnemonic);
  if (!spec) throw new Error(`asm '${text}': unknown mnemonic '${mnemonic}'`);
  const want = (n: number) => {
    if (args.length !== n) throw new Error(`asm '${text}': expected ${n} operands, got ${args.length}`);
  };
  const sem = spec.sem;
  switch (sem.kind) {
    case 'alu':
      want(3);
      return sem.src2 === 'rs2'
        ? encode(mnemonic, { rd: reg(args[0], t), rs1: reg(args[1], t), rs2: reg(args[2], t) })
        : encode(mnemonic, { rd: reg(args[0], t), rs1: reg(args[1], t), imm: num(args[2], t) });
    case 'lui': case 'auipc':
      want(2);
      return encode(mnemonic, { rd: reg(args[0], t), imm: num(args[1], t) * 4096 | 0 });
    case 'load': case 'jalr':
      want(2);
      return encode(mnemonic, { rd: reg(args[0], t), ...memOperand(args[1], t) });
    case 'store':
      want(2);
      return encode(mnemonic, { rs2: reg(args[0], t), ...memOperand(args[1], t) });
    case 'branch':
      want(3);
      return encode(mnemonic, { rs1: reg(args[0], t), rs2: reg(args[1], t), imm: num(args[2], t) });
    case 'jal':
      want(2);
      return encode(mnemonic, { rd: reg(args[0], t), imm: num(args[1], t) });
    case 'csr':
      want(3);
      return sem.src === 'rs1'
        ? encode(mnemonic, { rd: reg(args[0], t), csr: csrOperand(args[1], t), rs1: reg(args[2], t) })
        : encode(mnemonic, { rd: reg(args[0], t), csr: csrOperand(args[1], t), imm: num(args[2], t) });
    case 'fence':
      if (args.length === 0) return encode(mnemonic, { imm: 0xff });
      want(2);
      return encode(mnemonic, { imm: (fenceSetBits(args[0], t) << 4) | fenceSetBits(args[1], t) });
    case 'fence.i': case 'ecall': case 'ebreak': case 'mret': case 'wfi':
      want(0);
      return encode(mnemonic);
    default:
      return assertNever(sem, 'sem');
  }
}

/** Assemble several lines (one instruction each; blank lines and `#` comments skipped). */
export function asmLines(text: string): number[] {
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '').map(asm);
}
