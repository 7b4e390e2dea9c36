/**
 * One RV32 hardware thread's architectural state: the integer registers, pc, privilege
 * mode, the retired-instruction count and the machine-mode CSR fields (PMP included). Behaviour (CSR
 * access rules, trap entry, mret) lives in csr.ts and interp.ts; this is the state they
 * share with the translator, which keeps x[] inside its own host register file.
 */
import { invariant } from '../core/assert.ts';
import { Pmp } from './pmp.ts';

/** Privilege modes implemented: U (0) and M (3); no S-mode. */
export type Priv = 0 | 3;
export const PRIV_U = 0;
export const PRIV_M = 3;

export class Hart {
  /** x0..x31 as int32. x[0] is never written: the interpreter sends writes to x0 to a
   * scratch register at decode time, so it stays 0 without a per-instruction reset. */
  readonly x: Int32Array;
  /** Kept unsigned (0..2^32-1) by everything here; compare with `>>> 0` if set elsewhere. */
  pc = 0;
  priv: Priv = PRIV_M;
  /** Instructions retired since reset (the simulator's count; minstret adds an offset). */
  instret = 0;

  // Machine CSRs, stored as int32 with only their legal (WARL-filtered) bits.
  /** MIE, MPIE, MPP, MPRV, TW. Reset: all 0 (MPP = U), as Spike. */
  mstatus = 0;
  /** MSIE, MTIE, MEIE. */
  mie = 0;
  /** BASE | MODE (bit 1 always 0: only direct and vectored modes). */
  mtvec = 0;
  mepc = 0;
  mcause = 0;
  mtval = 0;
  mscratch = 0;
  /** CY, TM, IR: which counters U-mode may read. */
  mcounteren = 0;
  /** minstret = instret + offset and mcycle = clock cycles + offset, modulo 2^64; a CSR
   * write sets the offset (the simulator's own counts never move backwards). */
  minstretOffset = 0n;
  mcycleOffset = 0n;
  /** Physical memory protection: pmpcfg0..3 and pmpaddr0..15. Reset: every entry OFF. */
  readonly pmp = new Pmp();

  constructor(
    /** Register storage to live in, e.g. a view into the host's register file. */
    x?: Int32Array,
    readonly mhartid = 0,
  ) {
    if (x) invariant(x.length === 32, 'hart register file must have 32 entries');
    this.x = x ?? new Int32Array(32);
  }
}
