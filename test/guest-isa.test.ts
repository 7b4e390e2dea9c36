// The guest ISA table and everything derived from it: no overlapping encodings, encode and
// decode are inverse over every entry, known words (from the spec's encodings and objdump)
// decode and print as expected, and the ALU matches hand-computed RISC-V results.
import { describe, expect, it } from 'vitest';
import { ALU, ALU_OPS, BRANCH } from '../core/alu.ts';
import { CSR } from '../isa-guest/csr.ts';
import { decode, endsBlock } from '../isa-guest/decode.ts';
import { disasm, REG_NAMES } from '../isa-guest/disasm.ts';
import { asm, encode, type Operands } from '../isa-guest/encode.ts';
import { ISA, type InsnSpec } from '../isa-guest/isa.ts';

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

describe('ISA table', () => {
  it('has unique mnemonics and every match inside its mask', () => {
    expect(new Set(ISA.map((s) => s.mnemonic)).size).toBe(ISA.length);
    for (const s of ISA) expect((s.match & ~s.mask) >>> 0, s.mnemonic).toBe(0);
    // Every entry fixes the major opcode, and uses 32-bit encodings (low bits 11).
    for (const s of ISA) {
      expect(s.mask & 0x7f, s.mnemonic).toBe(0x7f);
      expect(s.match & 3, s.mnemonic).toBe(3);
    }
  });

  it('has no two entries that can match the same word', () => {
    for (let i = 0; i < ISA.length; i++) {
      for (let j = i + 1; j < ISA.length; j++) {
        const a = ISA[i]!;
        const b = ISA[j]!;
        const distinguishing = (a.match ^ b.match) & a.mask & b.mask;
        expect(distinguishing, `${a.mnemonic} overlaps ${b.mnemonic}`).not.toBe(0);
      }
    }
  });

  it('covers RV32IM, Zicsr, Zifencei and the machine-mode instructions', () => {
    const count = (ext: InsnSpec['ext']) => ISA.filter((s) => s.ext === ext).length;
    expect(count('I')).toBe(40); // 37 + fence + ecall + ebreak
    expect(count('M')).toBe(8);
    expect(count('Zicsr')).toBe(6);
    expect(count('Zifencei')).toBe(1);
    expect(ISA.filter((s) => s.ext === 'priv').map((s) => s.mnemonic).sort()).toEqual(['mret', 'wfi']);
  });
});

/** Operand sets that exercise every field's extremes for a format. */
function operandSets(s: InsnSpec): Operands[] {
  const regs = [[0, 0, 0], [1, 2, 3], [31, 30, 29], [10, 31, 1]] as const;
  const imms: Record<InsnSpec['format'], readonly number[]> = {
    R: [0],
    I: [0, 1, -1, 2047, -2048, 0x555, -0x556],
    'I-shamt': [0, 1, 17, 31],
    'I-csr': [0],
    'I-csri': [0, 1, 31],
    S: [0, 4, -4, 2047, -2048, 0x2aa],
    B: [0, 2, -2, 4094, -4096, 0x800, 0x7fe, -0x802],
    U: [0, 0x1000, 0x7ffff000 | 0, 0x80000000 | 0, 0xfffff000 | 0],
    J: [0, 2, -2, (1 << 20) - 2, -(1 << 20), 0x800, 0x7fe, 0xff000],
    none: [0],
  };
  const csrs = s.format === 'I-csr' || s.format === 'I-csri' ? [0x300, 0xc00, 0xfff, 0x001] : [0];
  const out: Operands[] = [];
  for (const [rd, rs1, rs2] of regs) {
    for (const imm of imms[s.format]) {
      for (const csr of csrs) out.push({ rd, rs1, rs2, imm, csr });
    }
  }
  return out;
}

/** The fields decode reports for these operands, given which ones the format has. */
function expectedFields(s: InsnSpec, o: Operands): Operands {
  const f = s.format;
  const has = (k: 'rd' | 'rs1' | 'rs2') =>
    k === 'rd' ? !['S', 'B', 'none'].includes(f)
      : k === 'rs1' ? ['R', 'I', 'I-shamt', 'I-csr', 'S', 'B'].includes(f)
        : ['R', 'S', 'B'].includes(f);
  const hasImm = !['R', 'I-csr', 'none'].includes(f);
  return {
    rd: has('rd') ? o.rd : 0,
    rs1: has('rs1') ? o.rs1 : 0,
    rs2: has('rs2') ? o.rs2 : 0,
    imm: hasImm ? o.imm : 0,
    csr: f === 'I-csr' || f === 'I-csri' ? o.csr : 0,
  };
}

describe('encode/decode', () => {
  it('round-trips every entry with varied operands', () => {
    let checked = 0;
    for (const s of ISA) {
      for (const o of operandSets(s)) {
        const word = encode(s.mnemonic, s.format === 'none' ? {} : o);
        const d = decode(word);
        expect(d?.spec.mnemonic, `${s.mnemonic} ${JSON.stringify(o)} -> ${hex(word)}`).toBe(s.mnemonic);
        const e = s.format === 'none' ? { rd: 0, rs1: 0, rs2: 0, imm: 0, csr: 0 } : expectedFields(s, o);
        expect({ rd: d!.rd, rs1: d!.rs1, rs2: d!.rs2, imm: d!.imm, csr: d!.csr }).toEqual(e);
        expect(d!.raw).toBe(word);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(ISA.length * 4);
  });

  it('rejects out-of-range operands', () => {
    expect(() => encode('addi', { rd: 1, rs1: 1, imm: 2048 })).toThrow(/imm/);
    expect(() => encode('beq', { imm: 3 })).toThrow(/offset/);
    expect(() => encode('slli', { imm: 32 })).toThrow(/shamt/);
    expect(() => encode('add', { rd: 32 })).toThrow(/rd/);
    expect(() => encode('lui', { imm: 0x123 })).toThrow(/imm/);
    expect(() => encode('nosuch', {})).toThrow(/unknown/);
  });

  it('assembles to the encodings given by the spec and objdump', () => {
    const known: [string, number][] = [
      ['addi a0, a0, 1', 0x00150513],
      ['addi zero, zero, 0', 0x00000013], // nop
      ['lw a5, 8(sp)', 0x00812783],
      ['sw a0, 12(sp)', 0x00a12623],
      ['auipc t0, 0x0', 0x00000297],
      ['lui a0, 0x80000', 0x80000537],
      ['jalr zero, 0(ra)', 0x00008067], // ret
      ['jal zero, -4', 0xffdff06f],
      ['beq a0, zero, 8', 0x00050463],
      ['mul a0, a0, a1', 0x02b50533],
      ['srai a0, a0, 3', 0x40355513],
      ['csrrs a0, mhartid, zero', 0xf1402573], // csrr a0, mhartid
      ['csrrwi zero, mstatus, 0', 0x30005073], // csrwi mstatus, 0
      ['csrrw t0, mscratch, t0', 0x340292f3],
      ['fence iorw, iorw', 0x0ff0000f],
      ['fence.i', 0x0000100f],
      ['ecall', 0x00000073],
      ['ebreak', 0x00100073],
      ['mret', 0x30200073],
      ['wfi', 0x10500073],
    ];
    for (const [text, word] of known) expect(hex(asm(text)), text).toBe(hex(word));
  });
});

describe('decode', () => {
  it('refuses words that are not RV32IM instructions', () => {
    expect(decode(0x00000000)).toBeUndefined(); // defined illegal
    expect(decode(0xffffffff)).toBeUndefined();
    expect(decode(0x4501)).toBeUndefined(); // c.li a0, 0: no C extension
    expect(decode(0x02051513)).toBeUndefined(); // slli a0, a0, 32: shamt[5] must be 0 on RV32
    expect(decode(0x40051513)).toBeUndefined(); // slli with imm[11:5] = 0x20
    expect(decode(0x0000003b)).toBeUndefined(); // addw: RV64 only
    expect(decode(0x10200073)).toBeUndefined(); // sret: no S-mode
    expect(decode(0x00002003)).toBeDefined(); // lw zero, 0(zero) is legal
  });

  it('sign-extends each immediate format', () => {
    expect(decode(asm('addi a0, a0, -1'))!.imm).toBe(-1);
    expect(decode(asm('sw a0, -2048(sp)'))!.imm).toBe(-2048);
    expect(decode(asm('bne a0, a1, -4096'))!.imm).toBe(-4096);
    expect(decode(asm('jal ra, -1048576'))!.imm).toBe(-1048576);
    expect(decode(asm('lui a0, 0xfffff'))!.imm).toBe(0xfffff000 | 0);
    expect(decode(asm('csrrsi a0, mstatus, 31'))!.imm).toBe(31); // uimm: zero-extended
  });

  it('marks control transfers and system instructions as block ends', () => {
    const ends = (t: string) => endsBlock(decode(asm(t))!);
    for (const t of ['beq a0, a1, 8', 'jal ra, 8', 'jalr zero, 0(ra)', 'ecall', 'ebreak', 'mret', 'wfi', 'fence.i', 'csrrs a0, mstatus, zero']) {
      expect(ends(t), t).toBe(true);
    }
    for (const t of ['addi a0, a0, 1', 'lw a0, 0(a1)', 'sw a0, 0(a1)', 'lui a0, 1', 'auipc a0, 1', 'fence rw, rw', 'div a0, a1, a2']) {
      expect(ends(t), t).toBe(false);
    }
  });
});

describe('disasm', () => {
  it('prints objdump-style text for known words', () => {
    expect(disasm(0x00150513)).toBe('addi a0, a0, 1');
    expect(disasm(0x00812783)).toBe('lw a5, 8(sp)');
    expect(disasm(0x00a12623)).toBe('sw a0, 12(sp)');
    expect(disasm(0x340292f3)).toBe('csrrw t0, mscratch, t0');
    expect(disasm(0x30005073)).toBe('csrrwi zero, mstatus, 0');
    expect(disasm(0x7c002573)).toBe('csrrs a0, 0x7c0, zero'); // unnamed CSR: its number
    expect(disasm(0x80000537)).toBe('lui a0, 0x80000');
    expect(disasm(0x40355513)).toBe('srai a0, a0, 0x3');
    expect(disasm(0x0ff0000f)).toBe('fence iorw, iorw');
    expect(disasm(0x8330000f)).toBe('fence.tso');
    expect(disasm(0x00000073)).toBe('ecall');
    expect(disasm(0x00000000)).toBe('.word 0x00000000');
  });

  it('prints absolute, symbolized targets when given the pc', () => {
    const sym = (a: number) => (a === 0x80000010 ? 'loop' : undefined);
    expect(disasm(0x00050863, 0x80000000, sym)).toBe('beq a0, zero, 0x80000010 <loop>');
    expect(disasm(0xffdff06f, 0x80000008, sym)).toBe('jal zero, 0x80000004');
    expect(disasm(0x00050463)).toBe('beq a0, zero, 8'); // no pc: the offset
  });

  it('is the inverse of asm for every entry', () => {
    // fence and fence.i have reserved fields (fm, rd, rs1) that do not print; their
    // canonical forms are checked against known words above.
    for (const s of ISA.filter((e) => e.mnemonic !== 'fence' && e.mnemonic !== 'fence.i')) {
      for (const o of operandSets(s).slice(0, 6)) {
        const word = encode(s.mnemonic, s.format === 'none' ? {} : o);
        const text = disasm(word);
        expect(hex(asm(text)), `${hex(word)}: ${text}`).toBe(hex(word));
      }
    }
  });

  it('uses the psABI register names and the CSR table', () => {
    expect(REG_NAMES).toHaveLength(32);
    expect([REG_NAMES[0], REG_NAMES[1], REG_NAMES[2], REG_NAMES[8], REG_NAMES[10], REG_NAMES[31]]).toEqual(['zero', 'ra', 'sp', 's0', 'a0', 't6']);
    expect(CSR.mstatus).toBe(0x300);
    expect(CSR.minstreth).toBe(0xb82);
    expect(CSR.time).toBe(0xc01);
  });
});

describe('ALU', () => {
  const INT_MIN = -0x80000000;
  it('adds, subtracts and compares with wrap-around and unsigned views', () => {
    expect(ALU.add(0x7fffffff, 1)).toBe(INT_MIN);
    expect(ALU.sub(INT_MIN, 1)).toBe(0x7fffffff);
    expect(ALU.slt(-1, 0)).toBe(1);
    expect(ALU.sltu(-1, 0)).toBe(0); // 0xffffffff > 0 unsigned
    expect(ALU.sltu(0, -1)).toBe(1);
    expect(BRANCH.ltu(1, -1)).toBe(true);
    expect(BRANCH.lt(1, -1)).toBe(false);
    expect(BRANCH.geu(INT_MIN, 0x7fffffff)).toBe(true);
  });

  it('masks shift amounts to 5 bits', () => {
    expect(ALU.sll(1, 33)).toBe(2);
    expect(ALU.srl(-1, 32)).toBe(-1); // shift by 0
    expect(ALU.srl(INT_MIN, 31)).toBe(1);
    expect(ALU.sra(INT_MIN, 31)).toBe(-1);
    expect(ALU.srl(-16, 4)).toBe(0x0fffffff);
    expect(ALU.sra(-16, 4)).toBe(-1);
  });

  it('computes the high words of signed, mixed and unsigned products', () => {
    // 0xffffffff * 0xffffffff = 0xfffffffe_00000001
    expect(ALU.mulhu(-1, -1)).toBe(0xfffffffe | 0);
    expect(ALU.mulh(-1, -1)).toBe(0); // (-1)(-1) = 1
    expect(ALU.mulhsu(-1, -1)).toBe(-1); // -1 * 0xffffffff = -0xffffffff: high word all ones
    expect(ALU.mul(-1, -1)).toBe(1);
    // INT_MIN^2 = 2^62
    expect(ALU.mulh(INT_MIN, INT_MIN)).toBe(0x40000000);
    expect(ALU.mulhu(INT_MIN, INT_MIN)).toBe(0x40000000);
    // INT_MIN * 0x7fffffff = -(2^62) + 2^31 -> 0xc0000000_80000000
    expect(ALU.mulh(INT_MIN, 0x7fffffff)).toBe(0xc0000000 | 0);
    expect(ALU.mul(INT_MIN, 0x7fffffff)).toBe(INT_MIN);
    // mulhsu(-2, 3) = -6 -> high word all ones; mulhsu(3, -2) = 3 * 0xfffffffe -> 2
    expect(ALU.mulhsu(-2, 3)).toBe(-1);
    expect(ALU.mulhsu(3, -2)).toBe(2);
    // 0x12345678 * 0x9abcdef0 = 0x0b00ea4e_242d2080
    expect(ALU.mulhu(0x12345678, 0x9abcdef0 | 0)).toBe(0x0b00ea4e);
    expect(ALU.mul(0x12345678, 0x9abcdef0 | 0)).toBe(0x242d2080);
  });

  it('divides as RISC-V specifies, including by zero and INT_MIN / -1', () => {
    expect(ALU.div(-7, 2)).toBe(-3); // rounds toward zero
    expect(ALU.rem(-7, 2)).toBe(-1); // sign of the dividend
    expect(ALU.rem(7, -2)).toBe(1);
    expect(ALU.divu(-7, 2)).toBe(0x7ffffffc); // 0xfffffff9 / 2
    expect(ALU.remu(-7, 2)).toBe(1);
    expect(ALU.div(5, 0)).toBe(-1);
    expect(ALU.divu(5, 0)).toBe(-1);
    expect(ALU.rem(5, 0)).toBe(5);
    expect(ALU.remu(-5, 0)).toBe(-5);
    expect(ALU.div(INT_MIN, -1)).toBe(INT_MIN);
    expect(ALU.rem(INT_MIN, -1)).toBe(0);
    expect(Object.is(ALU.rem(-4, 2), 0)).toBe(true); // never -0
  });

  it('agrees with BigInt arithmetic on a spread of operands', () => {
    const vals = [0, 1, -1, 2, -2, 3, 7, -7, 0x7fffffff, -0x80000000, 0x12345678, -0x12345678, 0x55555555, 0xaaaaaaaa | 0, 65535, 65536];
    const s = (v: number) => BigInt(v | 0);
    const u = (v: number) => BigInt(v >>> 0);
    const i32 = (b: bigint) => Number(BigInt.asIntN(32, b));
    for (const a of vals) {
      for (const b of vals) {
        expect(ALU.mulh(a, b)).toBe(i32((s(a) * s(b)) >> 32n));
        expect(ALU.mulhu(a, b)).toBe(i32((u(a) * u(b)) >> 32n));
        expect(ALU.mulhsu(a, b)).toBe(i32((s(a) * u(b)) >> 32n));
        expect(ALU.mul(a, b)).toBe(i32(s(a) * s(b)));
        if (b !== 0 && !(a === -0x80000000 && b === -1)) {
          expect(ALU.div(a, b)).toBe(i32(s(a) / s(b)));
          expect(ALU.rem(a, b)).toBe(i32(s(a) % s(b)));
          expect(ALU.divu(a, b)).toBe(i32(u(a) / u(b)));
          expect(ALU.remu(a, b)).toBe(i32(u(a) % u(b)));
        }
      }
    }
    expect(ALU_OPS).toHaveLength(18);
  });
});
