/**
 * Lowering: morph IR → host atoms (one or two atoms per IR instruction), in program order,
 * ready for the scheduler. Guest register xN lives in host register rN (shadowed); IR
 * temporaries go to the registers above the shadowed ones.
 *
 * The gated store buffer is bounded: before the store that would overflow it, a `commit`
 * (with the guest pc and retired count of that point) drains it, so a long region still
 * runs whole; the runtime recovers from a fault after it by resuming at that commit.
 */
import { assertNever } from '../../core/assert.ts';
import type { LoadWidth, StoreWidth } from '../../isa-host-vliw/atoms.ts';
import * as H from '../../isa-host-vliw/code.ts';
import type { MachineDesc } from '../../isa-host-vliw/machine.ts';
import { TEMP_BASE, type IrRegion, type Loc } from './ir.ts';

const LOAD_W = { 1: ['bu', 'b'], 2: ['hu', 'h'], 4: ['w', 'w'] } as const satisfies Record<1 | 2 | 4, readonly [LoadWidth, LoadWidth]>;
const STORE_W = { 1: 'b', 2: 'h', 4: 'w' } as const satisfies Record<1 | 2 | 4, StoreWidth>;

export interface Lowered {
  readonly atoms: H.Atom[];
  /** Guest pc of the instruction each memory atom came from (fault attribution). */
  readonly guestPcOf: Map<H.Atom, number>;
}

export function lowerRegion(r: IrRegion, m: MachineDesc): Lowered {
  const reg = (l: Loc): number => {
    if (l < TEMP_BASE) return l;
    const h = m.numShadowed + (l - TEMP_BASE);
    if (h >= m.numRegs) throw new Error(`region at 0x${r.entryPc.toString(16)} needs more temporaries than the host has`);
    return h;
  };
  const atoms: H.Atom[] = [];
  const guestPcOf = new Map<H.Atom, number>();
  let buffered = 0;
  for (const i of r.insts) {
    switch (i.op) {
      case 'alu': atoms.push(H.alu(i.alu, reg(i.dst), reg(i.a), reg(i.b))); break;
      case 'alui': atoms.push(H.aluImm(i.alu, reg(i.dst), reg(i.a), i.imm)); break;
      case 'li': atoms.push(H.li(reg(i.dst), i.imm)); break;
      case 'cmp': atoms.push(H.cmp(i.cond, reg(i.dst), reg(i.a), reg(i.b))); break;
      case 'load': {
        const a = H.load('ld', LOAD_W[i.size][i.signed ? 1 : 0], reg(i.dst), reg(i.base), i.imm);
        guestPcOf.set(a, i.pc);
        atoms.push(a);
        break;
      }
      case 'store': {
        if (buffered === m.storeBufferEntries) {
          atoms.push(H.commit(i.pc, (i.pc - r.entryPc) >>> 2));
          buffered = 0;
        }
        const a = H.store('st', STORE_W[i.size], reg(i.src), reg(i.base), i.imm);
        guestPcOf.set(a, i.pc);
        atoms.push(a);
        buffered++;
        break;
      }
      case 'exit': atoms.push(i.call !== undefined ? H.exitCall(i.target, i.call, i.retired) : H.exit(i.target, i.retired)); break;
      case 'exitIf': atoms.push(H.exitIf(reg(i.cond), i.target, i.retired)); break;
      case 'exitInd':
        atoms.push(i.call !== undefined ? H.exitIndCall(reg(i.target), i.call, i.retired)
          : i.ret ? H.exitRet(reg(i.target), i.retired) : H.exitInd(reg(i.target), i.retired));
        break;
      default: assertNever(i, 'IR instruction');
    }
  }
  return { atoms, guestPcOf };
}
