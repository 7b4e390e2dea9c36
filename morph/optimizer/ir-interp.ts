/**
 * A small interpreter of the morph IR, the oracle of the optimizer's differential tests:
 * a region run before and after a pass, from the same guest registers and memory, must
 * leave by the same exit with the same registers and stores — or fault at the same guest
 * instruction. It follows the IR's declared semantics (ir.ts) and nothing of the host:
 * ALU results come from core/alu.ts, stores are gated until the region leaves (a fault
 * discards them, as a rollback does), and at every `commit-point` store it records the
 * guest registers, since the lowering may commit there.
 */
import { assertNever } from '../../core/assert.ts';
import { ALU, BRANCH } from '../../core/alu.ts';
import { hasEffect, TEMP_BASE, type IrRegion } from './ir.ts';

/** Guest memory as the interpreter sees it: a byte, or undefined where an access faults. */
export interface IrMemoryView {
  readByte(addr: number): number | undefined;
}

export type IrOutcome =
  | {
    readonly kind: 'exit';
    /** Guest pc the region leaves to. */
    readonly target: number;
    readonly retired: number;
    /** The return-address stack hint of the exit: a call's return address, or a return. */
    readonly link: { readonly call: number } | 'ret' | undefined;
    /** x0..x31 at the exit. */
    readonly regs: readonly number[];
    /** Bytes stored, by address, in address order. */
    readonly stores: readonly (readonly [number, number])[];
    /** Guest registers at each store (a possible commit point), in order. */
    readonly atStores: readonly (readonly number[])[];
  }
  | { readonly kind: 'fault'; readonly pc: number; readonly atStores: readonly (readonly number[])[] };

const SIGN = { 1: 24, 2: 16, 4: 0 } as const;

/** Run `r` from guest registers `x` (x[0] is ignored: x0 reads as zero). */
export function interpretRegion(r: IrRegion, x: ArrayLike<number>, mem: IrMemoryView): IrOutcome {
  const v = new Int32Array(TEMP_BASE + r.temps);
  for (let k = 1; k < TEMP_BASE; k++) v[k] = x[k] ?? 0;
  const pending = new Map<number, number>();
  const atStores: number[][] = [];
  const guestRegs = (): number[] => Array.from(v.subarray(0, TEMP_BASE));
  const byte = (a: number): number | undefined => pending.get(a) ?? mem.readByte(a);
  const leave = (target: number, retired: number, link?: { call: number } | 'ret'): IrOutcome => ({
    kind: 'exit', target: target >>> 0, retired, link, regs: guestRegs(),
    stores: [...pending].sort((p, q) => p[0] - q[0]), atStores,
  });
  for (let k = 0; k < r.insts.length; k++) {
    const i = r.insts[k]!;
    if (hasEffect(i, 'commit-point') && i.op === 'store') atStores.push(guestRegs());
    switch (i.op) {
      case 'alu': v[i.dst] = ALU[i.alu](v[i.a]!, v[i.b]!); break;
      case 'alui': v[i.dst] = ALU[i.alu](v[i.a]!, i.imm); break;
      case 'li': v[i.dst] = i.imm; break;
      case 'cmp': v[i.dst] = BRANCH[i.cond](v[i.a]!, v[i.b]!) ? 1 : 0; break;
      case 'load': {
        const addr = (v[i.base]! + i.imm) >>> 0;
        let val = 0;
        for (let b = 0; b < i.size; b++) {
          const got = byte((addr + b) >>> 0);
          if (got === undefined) return { kind: 'fault', pc: i.pc, atStores };
          val |= got << (8 * b);
        }
        const sh = SIGN[i.size];
        v[i.dst] = i.signed ? (val << sh) >> sh : sh === 0 ? val : val & ((1 << (32 - sh)) - 1);
        break;
      }
      case 'store': {
        const addr = (v[i.base]! + i.imm) >>> 0;
        for (let b = 0; b < i.size; b++) {
          if (byte((addr + b) >>> 0) === undefined) return { kind: 'fault', pc: i.pc, atStores };
        }
        for (let b = 0; b < i.size; b++) pending.set((addr + b) >>> 0, (v[i.src]! >>> (8 * b)) & 0xff);
        break;
      }
      case 'exit': return leave(i.target, i.retired, i.call === undefined ? undefined : { call: i.call });
      case 'exitIf': if (v[i.cond] !== 0) return leave(i.target, i.retired); break;
      case 'exitInd': return leave(v[i.target]!, i.retired, i.call !== undefined ? { call: i.call } : i.ret ? 'ret' : undefined);
      default: assertNever(i, 'IR instruction');
    }
    v[0] = 0;
  }
  throw new Error('region ran past its end (the verifier rejects such a region)');
}
