// The host ISA as data: the atom table itself, the text form (printer/parser round trip and
// parse errors), and the validator rejecting each kind of malformed code.
import { describe, expect, it } from 'vitest';
import { ALU_OPS, BRANCH_CONDS } from '../core/alu.ts';
import {
  ATOM_OPS, ATOMS, KIND_OPERANDS, LATENCY_CLASSES, UNIT_CLASSES, atom, hostCode, parseHostCode, parseModule,
  printHostCode, printModule, sameAtom, validate, type Atom, type AtomOp, type HostCode, type MachineDesc, type OperandKind,
} from '../isa-host-vliw/index.ts';
import { ParamRegistry } from '../core/params.ts';
import { machineDescFromConfig, simParamGroups } from '../sim-microarch/params.ts';

const M: MachineDesc = machineDescFromConfig(new ParamRegistry(simParamGroups).resolve({}));

describe('atom table', () => {
  it('has a register and an immediate atom for every guest ALU operation, on the right unit', () => {
    for (const op of ALU_OPS) {
      const rr = ATOMS[op];
      const ri = ATOMS[`${op}i` as AtomOp];
      expect([rr.kind, rr.alu, ri.kind, ri.alu]).toEqual(['alu', op, 'aluImm', op]);
      const isDiv = /^(div|rem)/.test(op);
      const isMul = op.startsWith('mul');
      for (const s of [rr, ri]) {
        expect(s.unit, op).toBe(isDiv || isMul ? 'mul' : 'alu');
        expect(s.latency, op).toBe(isDiv ? 'div' : isMul ? 'mul' : 'alu');
      }
    }
  });

  it('has a 0/1 compare for every branch condition', () => {
    for (const c of BRANCH_CONDS) expect(ATOMS[`cmp.${c}` as AtomOp]).toMatchObject({ kind: 'cmp', cond: c, unit: 'alu' });
  });

  it('declares loads and stores of each width, sign and mode', () => {
    const widths = { b: [1, true], bu: [1, false], h: [2, true], hu: [2, false], w: [4, false] } as const;
    for (const [pre, mode] of [['ld', 'plain'], ['ldp', 'protected'], ['ldio', 'io']] as const) {
      for (const [w, [size, signed]] of Object.entries(widths)) {
        expect(ATOMS[`${pre}.${w}` as AtomOp]).toMatchObject({ kind: 'load', size, signed, mode, unit: 'mem', latency: 'load' });
      }
    }
    for (const [pre, mode] of [['st', 'plain'], ['stc', 'checked'], ['stio', 'io']] as const) {
      for (const [w, size] of [['b', 1], ['h', 2], ['w', 4]] as const) {
        expect(ATOMS[`${pre}.${w}` as AtomOp]).toMatchObject({ kind: 'store', size, mode, unit: 'mem' });
      }
    }
  });

  it('gives every atom a unit, a latency class, effects consistent with its kind, and a doc', () => {
    expect(ATOM_OPS.length).toBe(18 * 2 + 6 + 3 + 15 + 9 + 4 + 3);
    for (const op of ATOM_OPS) {
      const s = ATOMS[op];
      expect(UNIT_CLASSES).toContain(s.unit);
      expect(LATENCY_CLASSES).toContain(s.latency);
      expect(s.doc.length, op).toBeGreaterThan(8);
      const e = s.effects;
      expect(e.readsMem, op).toBe(s.kind === 'load');
      expect(e.writesMem, op).toBe(s.kind === 'store');
      expect(e.mayFault, op).toBe(s.kind === 'load' || s.kind === 'store');
      expect(e.device, op).toBe(s.mode === 'io');
      expect(e.exit, op).toBe(['exit', 'exitIf', 'exitInd', 'exitCall', 'exitIndCall', 'exitRet'].includes(s.kind));
      expect(e.commits, op).toBe(e.exit || s.kind === 'commit');
      if (e.exit || e.commits) expect(s.unit).toBe('br');
    }
  });
});

/** A sample atom of `op` with distinctive operands (negative immediates, high-bit pcs). */
function sample(op: AtomOp, seed: number): Atom {
  const f: Record<string, number> = {};
  for (const k of KIND_OPERANDS[ATOMS[op].kind] as readonly OperandKind[]) {
    if (k === 'rd') f.rd = 1 + (seed % 63);
    else if (k === 'rs1' || k === 'mem') f.rs1 = (seed * 7) % 64;
    else if (k === 'rs2') f.rs2 = (seed * 11) % 64;
    else if (k === 'rs3') f.rs3 = (seed * 13) % 64;
    if (k === 'imm') f.imm = /^s[lr][la]i$/.test(op) ? seed % 32 : seed % 2 ? -seed * 1000003 : seed * 77;
    else if (k === 'mem') f.imm = seed % 2 ? -4 * seed : 4 * seed;
    else if (k === 'pc') f.imm = (0x80000000 + seed * 4) >>> 0;
    else if (k === 'retPc') f.retPc = (0x80001000 + seed * 8) >>> 0;
    else if (k === 'retired') f.retired = seed;
  }
  return atom(op, f);
}

describe('text form', () => {
  it('round-trips every atom: parse(print(x)) == x', () => {
    const code = hostCode(ATOM_OPS.map((op, i) => ({ atoms: [sample(op, i + 1)] })), 0x40000000, 5);
    const text = printHostCode(code);
    const back = parseHostCode(text, { hostAddr: 0x40000000, tag: 5 });
    expect(back.molecules.length).toBe(code.molecules.length);
    back.molecules.forEach((m, i) => expect(sameAtom(m.atoms[0]!, code.molecules[i]!.atoms[0]!), text.split('\n')[i]).toBe(true));
    expect(printHostCode(back)).toBe(text);
  });

  it('prints deterministically, in the documented shape', () => {
    const [c] = parseModule(`
# a comment line
code loop host=0x40000100 tag=7
{ addi r5, r5, -1 ; ld.w r6, -8(r2) }   # braces are optional
{ }
cmp.ne r40, r5, r0 ; sel r7, r40, r6, r0 ; st.h r7, 2(r2)
exit.if r40, 0x80000010, 3 -> loop
exit 0x80000020, 4
`);
    expect(printModule([c!])).toBe(`code loop host=0x40000100 tag=7
addi r5, r5, -1 ; ld.w r6, -8(r2)
{ }
cmp.ne r40, r5, r0 ; sel r7, r40, r6, r0 ; st.h r7, 2(r2)
exit.if r40, 0x80000010, 3 -> loop
exit 0x80000020, 4
`);
    expect(c!.code.molecules[3]!.atoms[0]!.link).toBe(c!.code);
    expect(c!.code.molecules[1]!.atoms).toEqual([]);
  });

  it('reports parse errors as one line with the line number', () => {
    const bad: [string, RegExp][] = [
      ['code a\nadd r1, r2', /^line 2: add expects 3 operands \(rd, rs1, rs2\), got 2$/],
      ['code a\n\nfrob r1', /^line 3: unknown atom 'frob'$/],
      ['code a\nadd r1, r2, x3', /^line 2: expected a register rN, got 'x3'$/],
      ['code a\naddi r1, r2, 0x100000000', /^line 2: a 32-bit immediate 0x100000000 is out of range/],
      ['code a\nld.w r1, 4[r2]', /^line 2: expected offset\(rN\), got '4\[r2\]'$/],
      ['code a\nexit.ind r5, 1 -> a', /^line 2: only exit, exit.if and exit.call can be chained/],
      ['code a\nexit 0x80000000, 1 -> nowhere', /^line 2: link to unknown code 'nowhere'$/],
      ['add r1, r2, r3', /^line 1: molecule before the first 'code NAME' header$/],
      ['code a\nadd r1, r2, r3 ;; li r4, 1', /^line 2: empty atom between ';'$/],
      ['code a host=12 size=3', /^line 1: unknown code attribute 'size=3'/],
      ['code a\ncode a', /^line 2: code 'a' defined twice$/],
      ['code a\nexit -1, 1', /^line 2: a guest pc -1 is out of range/],
    ];
    for (const [text, re] of bad) expect(() => parseModule(text), text).toThrow(re);
    expect(() => parseHostCode('li r1, 1\nexit 0x0, 1 -> x', { source: 'f.vliw' })).toThrow(/^f\.vliw:2: link '-> x' outside a module$/);
  });
});

/** Problems of a one-translation text, as "molecule.atom: message". */
const problems = (text: string, m: MachineDesc = M): string[] => {
  const code = parseHostCode(text);
  return validate(code, m).map((p) => `${p.molecule}.${p.atom}: ${p.message}`);
};

describe('validator', () => {
  it('accepts well-scheduled code, including same-molecule swaps and reads exactly at latency', () => {
    expect(problems(`
mov r5, r6 ; mov r6, r5 ; ld.w r7, 0(r2) ; mul r8, r5, r6
{ }
add r9, r7, r0 ; sel r10, r9, r5, r6
add r11, r8, r9 ; commit 0x80000000, 2
exit 0x80000004, 3
`)).toEqual([]);
  });

  it('rejects an oversubscribed molecule: width and each unit class', () => {
    const wide = { ...M, width: 3 };
    expect(problems('li r5, 1 ; ld.w r6, 0(r2) ; mul r7, r1, r1 ; exit 0x0, 1', wide)).toEqual(['0.-1: 4 atoms exceed the issue width 3']);
    expect(problems('li r5, 1 ; li r6, 2 ; li r7, 3\nexit 0x0, 1')).toEqual(['0.-1: 3 alu atoms exceed the 2 alu slots']);
    expect(problems('ld.w r5, 0(r1) ; st.w r5, 4(r1)\nexit 0x0, 1')).toEqual(['0.-1: 2 mem atoms exceed the 1 mem slot']);
    expect(problems('mul r5, r1, r1 ; div r6, r1, r1\nexit 0x0, 1')).toContain('0.-1: 2 mul atoms exceed the 1 mul slot');
    expect(problems('commit 0x0, 0 ; exit 0x0, 1')).toEqual(['0.-1: 2 br atoms exceed the 1 br slot']);
  });

  it('rejects registers out of range and writes to r0', () => {
    expect(problems('add r64, r1, r2\nexit 0x0, 1')).toEqual(['0.0: rd r64 is not a register (r0..r63)']);
    expect(problems('{ }\nld.w r5, 4(r99) ; exit 0x0, 1')).toEqual(['1.0: base r99 is not a register (r0..r63)']);
    expect(problems('li r0, 5\nexit 0x0, 1')).toEqual(['0.0: writes r0 (r0 is hard-wired to zero)']);
  });

  it('rejects a read before the producer\'s latency has elapsed', () => {
    expect(problems('ld.w r5, 0(r1)\naddi r6, r5, 1\nexit 0x0, 1'))
      .toEqual(['1.0: reads r5 in cycle 1, but the write issued in molecule 0 lands in cycle 2']);
    expect(problems('div r5, r1, r2\n' + '{ }\n'.repeat(16) + 'exit.if r5, 0x0, 1\nexit 0x4, 1'))
      .toEqual(['17.0: reads r5 in cycle 17, but the write issued in molecule 0 lands in cycle 18']);
  });

  it('rejects two writes to a register landing in one cycle, out of order, or in one molecule', () => {
    expect(problems('mul r5, r1, r1\n{ }\naddi r5, r1, 1\nexit 0x0, 1')).toEqual(['2.0: two writes to r5 land in the same cycle 3']);
    expect(problems('mul r5, r1, r1\naddi r5, r1, 1\nexit 0x0, 1'))
      .toEqual(['1.0: write to r5 lands in cycle 2, before the earlier write (molecule 0) lands in cycle 3']);
    expect(problems('li r5, 1 ; mov r5, r2\nexit 0x0, 1')).toEqual(['0.1: two writes to r5 in one molecule']);
  });

  it('rejects code that can fall off its last molecule, and empty code', () => {
    expect(problems('li r5, 1\nexit.if r5, 0x0, 1')).toEqual(['1.-1: the last molecule has no exit or exit.ind (execution would fall off the end)']);
    expect(validate(hostCode([]), M).map((p) => p.message)).toEqual(['empty translation (no molecules, so no exit)']);
  });

  it('rejects malformed operands', () => {
    const one = (a: Atom): string[] =>
      validate(hostCode([{ atoms: [a] }, { atoms: [atom('exit', { imm: 0, retired: 1 })] }]), M).map((p) => `${p.molecule}.${p.atom}: ${p.message}`);
    expect(one(atom('slli', { rd: 5, rs1: 1, imm: 40 }))).toEqual(['0.0: shift amount 40 is outside 0..31']);
    expect(one({ ...atom('addi', { rd: 5, rs1: 1 }), imm: 2 ** 32 })).toEqual(['0.0: immediate 4294967296 is not a signed 32-bit value']);
    expect(one({ ...atom('commit'), imm: -4 })).toEqual(['0.0: guest pc -4 is not an unsigned 32-bit address']);
    expect(one({ ...atom('commit'), retired: -1 })).toEqual(['0.0: retired count -1 is not a non-negative integer']);
    expect(one(atom('li', { rd: 5, imm: 1, rs2: 7 }))).toEqual(['0.0: field rs2 = 7 is not an operand of li']);
    expect(one(atom('add', { rd: 5, rs1: 1.5, rs2: 2 }))).toEqual(['0.0: rs1 r1.5 is not a register (r0..r63)']);
    const ind = atom('exit.ind', { rs1: 5, retired: 1 });
    ind.link = hostCode([]);
    expect(validate(hostCode([{ atoms: [ind] }]), M).map((p) => p.message)).toEqual(['only exit, exit.if and exit.call can be chained (link set)']);
  });

  it('rejects device accesses a rollback could repeat or that would overtake buffered stores', () => {
    expect(problems('ldio.w r5, 0(r6)\nexit 0x0, 1'))
      .toEqual(['0.0: device access in a molecule without commit, exit or exit.ind (a rollback would repeat it)']);
    expect(problems('st.w r5, 0(r7)\nstio.w r5, 0(r6) ; commit 0x0, 1\nexit 0x4, 2'))
      .toEqual(['1.0: device access with 1 buffered store(s) not yet committed (it would overtake them)']);
    const twoMem = { ...M, slots: { ...M.slots, mem: 2 } };
    expect(problems('ldio.w r5, 0(r6) ; ld.w r8, 0(r7) ; commit 0x0, 1\nexit 0x4, 2', twoMem))
      .toEqual(['0.0: device access beside another atom that may fault (a rollback would repeat it)']);
    expect(problems('st.w r5, 0(r7) ; commit 0x0, 1\nstio.w r5, 0(r6) ; exit 0x4, 2')).toEqual([]);
  });

  it('names the molecule and atom of each problem, and several problems at once', () => {
    const code: HostCode = parseHostCode('li r5, 1 ; li r0, 2 ; add r5, r1, r70');
    expect(validate(code, M)).toEqual([
      { molecule: 0, atom: -1, message: '3 alu atoms exceed the 2 alu slots' },
      { molecule: 0, atom: 1, message: 'writes r0 (r0 is hard-wired to zero)' },
      { molecule: 0, atom: 2, message: 'rs2 r70 is not a register (r0..r63)' },
      { molecule: 0, atom: 2, message: 'two writes to r5 in one molecule' },
      { molecule: 0, atom: -1, message: 'the last molecule has no exit or exit.ind (execution would fall off the end)' },
    ]);
  });
});
