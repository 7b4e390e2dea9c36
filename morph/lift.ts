/**
 * The translator front-end: selects a guest region (a basic block, up to a length limit)
 * and lifts it into morph IR. Semantics come from the ISA table's `sem` field — the same
 * data the interpreter is derived from — never from a second hand-written copy.
 *
 * What is not translated: CSR accesses, ecall/ebreak/mret/wfi and fence.i stop a region
 * *before* themselves; the dispatcher then finds no translation at that pc and the
 * interpreter (the CMS's software path) executes them precisely. Illegal or unfetchable
 * instruction words also end the region before them, so the interpreter raises the trap.
 */
import { assertNever } from '../core/assert.ts';
import { decode, type Decoded } from '../isa-guest/decode.ts';
import type { Memory } from '../isa-guest/memory.ts';
import { TEMP_BASE, type IrInst, type IrRegion, type Loc } from './optimizer/ir.ts';

/** Can the translator handle this instruction inside a region? */
export function translatable(d: Decoded): boolean {
  switch (d.spec.sem.kind) {
    case 'alu': case 'lui': case 'auipc': case 'load': case 'store':
    case 'branch': case 'jal': case 'jalr': case 'fence':
      return true;
    case 'csr': case 'ecall': case 'ebreak': case 'mret': case 'wfi': case 'fence.i':
      return false;
    default:
      return assertNever(d.spec.sem, 'sem');
  }
}

const aligned4 = (a: number): boolean => (a & 3) === 0;

/** x1 (ra) and x5 (t0) are the link registers of the RISC-V calling convention: the
 * unprivileged spec's return-address-stack hints (table "Return-address stack prediction
 * hints encoded in register operands of JALR") make a jal/jalr writing one a call (push)
 * and a jalr through one that writes neither a return (pop). The pop-then-push of a jalr
 * between two different link registers (a coroutine swap) is treated as a call. */
const isLink = (r: number): boolean => r === 1 || r === 5;

/**
 * Lift the region starting at `entryPc`. Returns undefined when not even the first
 * instruction can be translated (the runtime keeps interpreting there).
 */
export function liftRegion(
  memory: Memory,
  entryPc: number,
  maxInsns: number,
  maxTemps: number,
  stopAt?: ReadonlySet<number>,
): IrRegion | undefined {
  const insts: IrInst[] = [];
  let temps = 0;
  const temp = (): Loc => TEMP_BASE + temps++;
  let pc = entryPc >>> 0;
  let n = 0;
  let ended = false;

  region: while (n < maxInsns && !ended) {
    // Each instruction needs at most two temporaries; device accesses stay interpreted.
    if (!memory.isRam(pc) || temps + 2 > maxTemps || stopAt?.has(pc)) break;
    const d = decode(memory.fetch32(pc));
    if (!d || !translatable(d)) break region;
    const sem = d.spec.sem;
    const next = (pc + 4) >>> 0;
    const { rd, rs1, rs2, imm } = d;
    switch (sem.kind) {
      case 'alu':
        if (rd !== 0) {
          insts.push(sem.src2 === 'imm'
            ? { op: 'alui', alu: sem.op, dst: rd, a: rs1, imm }
            : { op: 'alu', alu: sem.op, dst: rd, a: rs1, b: rs2 });
        }
        break;
      case 'lui':
        if (rd !== 0) insts.push({ op: 'li', dst: rd, imm });
        break;
      case 'auipc':
        if (rd !== 0) insts.push({ op: 'li', dst: rd, imm: (pc + imm) | 0 });
        break;
      case 'load':
        // A load into x0 still accesses memory (it may fault), into a scratch temporary.
        insts.push({ op: 'load', size: sem.size, signed: sem.signed, dst: rd !== 0 ? rd : temp(), base: rs1, imm, pc });
        break;
      case 'store':
        insts.push({ op: 'store', size: sem.size, src: rs2, base: rs1, imm, pc });
        break;
      case 'fence':
        break; // one hart, and stores are ordered by the gated store buffer: a no-op here
      case 'branch': {
        const target = (pc + imm) >>> 0;
        if (!aligned4(target)) break region; // stop before it: the interpreter raises the misaligned-target trap
        const t = temp();
        insts.push({ op: 'cmp', cond: sem.cond, dst: t, a: rs1, b: rs2 });
        insts.push({ op: 'exitIf', cond: t, target, retired: n + 1 });
        insts.push({ op: 'exit', target: next, retired: n + 1 });
        n++;
        pc = next;
        ended = true;
        continue;
      }
      case 'jal': {
        const target = (pc + imm) >>> 0;
        if (!aligned4(target)) break region;
        if (rd !== 0) insts.push({ op: 'li', dst: rd, imm: next | 0 });
        insts.push(isLink(rd) ? { op: 'exit', target, retired: n + 1, call: next } : { op: 'exit', target, retired: n + 1 });
        n++;
        pc = next;
        ended = true;
        continue;
      }
      case 'jalr': {
        // The target is computed before rd is written (rd may equal rs1). A misaligned
        // target leaves through a side exit to the jalr itself, not retired, so the
        // interpreter raises the trap with rd untouched.
        const t = temp();
        const m = temp();
        insts.push({ op: 'alui', alu: 'add', dst: t, a: rs1, imm });
        insts.push({ op: 'alui', alu: 'and', dst: t, a: t, imm: -2 });
        insts.push({ op: 'alui', alu: 'and', dst: m, a: t, imm: 2 });
        insts.push({ op: 'exitIf', cond: m, target: pc, retired: n });
        if (rd !== 0) insts.push({ op: 'li', dst: rd, imm: next | 0 });
        insts.push(isLink(rd) ? { op: 'exitInd', target: t, retired: n + 1, call: next }
          : isLink(rs1) ? { op: 'exitInd', target: t, retired: n + 1, ret: true }
            : { op: 'exitInd', target: t, retired: n + 1 });
        n++;
        pc = next;
        ended = true;
        continue;
      }
      case 'csr': case 'ecall': case 'ebreak': case 'mret': case 'wfi': case 'fence.i':
        throw new Error('unreachable: filtered by translatable()');
      default:
        assertNever(sem, 'sem');
    }
    n++;
    pc = next;
  }
  if (n === 0) return undefined;
  if (!ended) insts.push({ op: 'exit', target: pc, retired: n });
  return { entryPc: entryPc >>> 0, endPc: pc, guestInsns: n, insts, temps };
}
