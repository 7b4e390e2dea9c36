/**
 * Instruction decoding, computed from the ISA table: a lookup by major opcode and funct3
 * (built from each entry's match/mask) narrows the candidates to one to three entries,
 * then the entry whose mask/match fits the word wins. Operand extraction is by format.
 */
import { assertNever } from '../core/assert.ts';
import { ISA, semEndsBlock, type Format, type InsnSpec } from './isa.ts';

export interface Decoded {
  readonly spec: InsnSpec;
  /** The instruction word, unsigned. */
  readonly raw: number;
  /** Register numbers; 0 when the format has no such field. */
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  /** Sign-extended immediate (U: already shifted left 12; I-shamt: shamt; I-csri: uimm). */
  readonly imm: number;
  /** CSR number (I-csr, I-csri), else 0. */
  readonly csr: number;
}

const FUNCT3_SHIFT = 12;
const bucketOf = (opcode: number, funct3: number) => opcode | (funct3 << 7);

/** Candidates per (opcode, funct3); an entry whose mask leaves funct3 free sits in all eight. */
const BUCKETS: readonly (readonly InsnSpec[])[] = (() => {
  const b: InsnSpec[][] = Array.from({ length: 1 << 10 }, () => []);
  for (const s of ISA) {
    const opcode = s.match & 0x7f;
    const fixedF3 = ((s.mask >>> FUNCT3_SHIFT) & 7) === 7;
    for (let f = 0; f < 8; f++) {
      if (fixedF3 && f !== ((s.match >>> FUNCT3_SHIFT) & 7)) continue;
      b[bucketOf(opcode, f)]!.push(s);
    }
  }
  return b;
})();

/** Immediate extraction per format, as drawn in the spec's "immediate encoding variants". */
export function immOf(format: Format, w: number): number {
  switch (format) {
    case 'I': return w >> 20;
    case 'I-shamt': return (w >>> 20) & 0x1f;
    case 'I-csri': return (w >>> 15) & 0x1f;
    case 'S': return ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
    case 'B':
      return ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
    case 'U': return w & 0xfffff000;
    case 'J':
      return ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
    case 'R': case 'I-csr': case 'none': return 0;
    default: return assertNever(format, 'format');
  }
}

/** Which register fields a format carries: [rd, rs1, rs2]. */
function regFields(format: Format): readonly [boolean, boolean, boolean] {
  switch (format) {
    case 'R': return [true, true, true];
    case 'I': case 'I-shamt': case 'I-csr': return [true, true, false];
    case 'I-csri': case 'U': case 'J': return [true, false, false];
    case 'S': case 'B': return [false, true, true];
    case 'none': return [false, false, false];
    default: return assertNever(format, 'format');
  }
}

/** The table entry matching an instruction word, or undefined if it is not one. */
export function lookup(raw: number): InsnSpec | undefined {
  const w = raw >>> 0;
  for (const s of BUCKETS[bucketOf(w & 0x7f, (w >>> FUNCT3_SHIFT) & 7)]!) {
    if (((w & s.mask) >>> 0) === s.match) return s;
  }
  return undefined;
}

/** Decode one instruction word; undefined when it is illegal (no table entry matches). */
export function decode(raw: number): Decoded | undefined {
  const spec = lookup(raw);
  if (!spec) return undefined;
  const w = raw >>> 0;
  const [hasRd, hasRs1, hasRs2] = regFields(spec.format);
  const hasCsr = spec.format === 'I-csr' || spec.format === 'I-csri';
  return {
    spec,
    raw: w,
    rd: hasRd ? (w >>> 7) & 31 : 0,
    rs1: hasRs1 ? (w >>> 15) & 31 : 0,
    rs2: hasRs2 ? (w >>> 20) & 31 : 0,
    imm: immOf(spec.format, w),
    csr: hasCsr ? w >>> 20 : 0,
  };
}

/** Does this instruction end a basic block (any control transfer, or a system/CSR/fence.i
 * instruction)? */
export function endsBlock(d: Decoded): boolean {
  return semEndsBlock(d.spec.sem);
}
