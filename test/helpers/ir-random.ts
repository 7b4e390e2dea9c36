// Random morph IR regions and machine states for the optimizer's differential tests, and
// the memory view they run against (ir-interp.ts is the oracle).
import fc from 'fast-check';
import { ALU_OPS, BRANCH_CONDS, type AluOp, type BranchCond } from '../../core/alu.ts';
import { TEMP_BASE, type IrInst, type IrRegion, type Loc } from '../../morph/optimizer/ir.ts';
import type { IrMemoryView } from '../../morph/optimizer/ir-interp.ts';

/** Mapped guest memory in the random tests: [MEM_BASE, MEM_BASE + MEM_SIZE); anything else faults. */
export const MEM_BASE = 0x1000;
export const MEM_SIZE = 256;
/** x1..x3 start as pointers into the mapped window, so memory accesses mostly succeed. */
const POINTERS = [1, 2, 3];
const TEMPS = 4;

export function memoryView(bytes: Uint8Array): IrMemoryView {
  return { readByte: (a) => (a >= MEM_BASE && a < MEM_BASE + bytes.length ? bytes[a - MEM_BASE] : undefined) };
}

const INTERESTING = [0, 1, 1, 0, -1, 2, 3, 4, 8, 16, 31, 32, 33, 255, 0xffff, 0x7fffffff, -0x80000000, 0x10000];
export const arbImm = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: -64, max: 64 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));

/** Guest registers as x0..x31 values; x1..x3 point into the window. */
export const arbRegs = fc.tuple(
  fc.array(fc.oneof(arbImm, fc.integer({ min: MEM_BASE, max: MEM_BASE + MEM_SIZE })), { minLength: 32, maxLength: 32 }),
  fc.array(fc.integer({ min: 0, max: MEM_SIZE - 8 }), { minLength: 3, maxLength: 3 }),
).map(([x, p]) => {
  const regs = x.map((v) => v | 0);
  regs[0] = 0;
  POINTERS.forEach((r, k) => { regs[r] = MEM_BASE + p[k]!; });
  return regs;
});

export const arbMemory = fc.uint8Array({ minLength: MEM_SIZE, maxLength: MEM_SIZE });

// Few locations, so values flow between instructions: x0..x7 and t0..t3.
const arbSrc = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 7 }) }, { weight: 2, arbitrary: fc.integer({ min: TEMP_BASE, max: TEMP_BASE + TEMPS - 1 }) });
const arbDst = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 4, max: 7 }) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 3) }, { weight: 3, arbitrary: fc.integer({ min: TEMP_BASE, max: TEMP_BASE + TEMPS - 1 }) });
const arbBase = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...POINTERS) }, { weight: 2, arbitrary: arbSrc });
const arbOff = fc.integer({ min: -8, max: 24 });
const arbAlu = fc.constantFrom<AluOp>(...ALU_OPS);
const arbCond = fc.constantFrom<BranchCond>(...BRANCH_CONDS);
const arbSize = fc.constantFrom<1 | 2 | 4>(1, 2, 4);

/** One instruction before fix-up (exit retired counts and undefined temporaries). */
const arbBody: fc.Arbitrary<IrInst> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('li' as const), dst: arbDst, imm: arbImm }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('alu' as const), alu: arbAlu, dst: arbDst, a: arbSrc, b: arbSrc }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('alui' as const), alu: arbAlu, dst: arbDst, a: arbSrc, imm: arbImm }) },
  // Copies and small offsets (work for copy propagation and address folding).
  { weight: 3, arbitrary: fc.record({ op: fc.constant('alui' as const), alu: fc.constant<AluOp>('add'), dst: arbDst, a: fc.oneof(arbSrc, arbBase), imm: fc.constantFrom(0, 0, 4, -4) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cmp' as const), cond: arbCond, dst: arbDst, a: arbSrc, b: arbSrc }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('load' as const), size: arbSize, signed: fc.boolean(), dst: arbDst, base: arbBase, imm: arbOff, pc: fc.constant(0) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('store' as const), size: arbSize, src: arbSrc, base: arbBase, imm: arbOff, pc: fc.constant(0) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('exitIf' as const), cond: arbSrc, target: fc.constant(0), retired: fc.constant(0) }) },
);

/** A well-formed random region: reads of not-yet-written temporaries become guest
 * registers, memory instructions get their own pcs, exits retire what precedes them. */
export const arbRegion: fc.Arbitrary<IrRegion> = fc.tuple(
  fc.array(fc.tuple(arbBody, fc.option(fc.nat(), { freq: 3 })), { minLength: 1, maxLength: 24 }),
  fc.boolean(),
  arbSrc,
  fc.constantFrom(0, 0, 1, 2),
).map(([gen, indirect, target, hint]) => {
  // Some instructions repeat an earlier computation into another destination (work for CSE).
  const body = gen.map(([raw, dup], k): IrInst => {
    const src = dup === null || k === 0 ? undefined : gen[dup % k]![0];
    return src && 'dst' in src && 'dst' in raw ? { ...src, dst: raw.dst } : raw;
  });
  const defined = new Set<Loc>();
  const fix = (l: Loc): Loc => (l >= TEMP_BASE && !defined.has(l) ? 1 + ((l - TEMP_BASE) % 7) : l);
  const insts: IrInst[] = [];
  const n = body.length;
  body.forEach((raw, k) => {
    const pc = 0x8000 + 4 * k;
    let i: IrInst;
    switch (raw.op) {
      case 'alu': case 'cmp': i = { ...raw, a: fix(raw.a), b: fix(raw.b) }; break;
      case 'alui': i = { ...raw, a: fix(raw.a) }; break;
      case 'load': i = { ...raw, base: fix(raw.base), pc }; break;
      case 'store': i = { ...raw, src: fix(raw.src), base: fix(raw.base), pc }; break;
      case 'exitIf': i = { ...raw, cond: fix(raw.cond), target: 0x9000 + 4 * k, retired: k }; break;
      default: i = raw;
    }
    if (i.op !== 'store' && i.op !== 'exitIf' && i.op !== 'exit' && i.op !== 'exitInd') defined.add(i.dst);
    insts.push(i);
  });
  // Calls and returns only steer the return-address stack; passes must keep them.
  const link = hint === 0 ? {} : hint === 1 ? { call: 0x8000 + 4 * n } : { ret: true as const };
  insts.push(indirect ? { op: 'exitInd', target: fix(target), retired: n, ...link }
    : { op: 'exit', target: 0x8000 + 4 * n, retired: n, ...('call' in link ? link : {}) });
  return { entryPc: 0x8000, endPc: 0x8000 + 4 * n, guestInsns: n, insts, temps: TEMPS };
});
