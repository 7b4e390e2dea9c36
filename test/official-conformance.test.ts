// Regression tests for what running the official riscv-tests (rv32ui/rv32um/rv32mi, `p`
// environment) found wrong in morphsim. The suite itself is not shipped: each test here is
// our own small program that isolates one finding, checked against values worked out by
// hand from the privileged spec, under the interpreter, translation at thresholds 1 and 2,
// and translation with the lockstep checker.
import { describe, expect, it } from 'vitest';
import { parseElf, type ElfImage } from '../isa-guest/elf.ts';
import { Cause } from '../isa-guest/trap.ts';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { GuestMachine } from '../morph/machine.ts';
import { assemble, exitWith, TOHOST, type AssembledProgram } from './helpers/guest-asm-program.ts';
import { guestState, INTERP, TRANSLATE_T1, TRANSLATE_T2, type GuestState, type Overrides } from './helpers/guest-asm-run.ts';

/** e_flags bit EF_RISCV_RVC of the RISC-V psABI. */
const EF_RISCV_RVC = 0x1;
/** Two c.nop parcels (0x0001 each): an illegal instruction on a hart without C. */
const TWO_C_NOPS = 0x00010001;

interface Run {
  readonly state: GuestState;
  readonly warnings: readonly string[];
  readonly log: readonly (readonly [number, number, number])[];
}

function run(image: ElfImage, p: AssembledProgram, overrides: Overrides, lockstep = false): Run {
  const warnings: string[] = [];
  const m = new GuestMachine(image, { config: paramRegistry.resolve(overrides), warn: (w) => warnings.push(w) });
  const checker = lockstep ? attachLockstep(m) : undefined;
  const r = m.run(1_000_000);
  expect(r.stop).toBe('exit');
  if (checker) expect(checker.checks).toBeGreaterThan(0);
  const mem = m.program.env.memory;
  const count = mem.load32(p.addr('count'));
  const log: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const at = p.addr('log') + 12 * i;
    log.push([mem.load32(at) >>> 0, mem.load32(at + 4) >>> 0, mem.load32(at + 8) >>> 0]);
  }
  return { state: guestState(m, [[p.base, p.end - p.base]]), warnings, log };
}

describe('ELF marked RVC (rv32mi-p-ma_fetch)', () => {
  // Like ma_fetch on a hart without C: a jalr to a 2-byte aligned target must trap with
  // instruction-address-misaligned before the jump (rd not written, mepc = the jalr,
  // mtval = the target), and the compressed parcels behind it are never meant to run; here
  // the handler's skip does run them once per iteration, which must be an illegal instruction.
  const ITERATIONS = 3;
  const p = assemble([
    '_start:', 'la t0, trap', 'csrw mtvec, t0', 'li t0, 0x1800', 'csrrs zero, mstatus, t0',
    `li s0, ${ITERATIONS}`, 'li s1, 0',
    'loop:', 'li t1, 0', 'la t0, tgt',
    'site: jalr t1, 2(t0)',
    `tgt: .word ${TWO_C_NOPS}`,
    'beq t1, zero, kept', 'li s1, 99', // rd written by the trapping jalr: exit 99
    'kept: addi s0, s0, -1', 'bne s0, zero, loop',
    ...exitWith('s1'),
    // Log (mepc, mcause, mtval) at log[count], skip the instruction, return.
    'trap:', 'la t3, count', 'lw t4, 0(t3)', 'slli t5, t4, 2', 'slli t6, t4, 3', 'add t5, t5, t6',
    'la t6, log', 'add t6, t6, t5', 'csrr t0, mepc', 'csrr t1, mcause', 'csrr t2, mtval',
    'sw t0, 0(t6)', 'sw t1, 4(t6)', 'sw t2, 8(t6)', 'addi t4, t4, 1', 'sw t4, 0(t3)',
    'addi t0, t0, 4', 'csrw mepc, t0', 'li t1, 0', 'mret',
    '.align 8', 'count: .word 0', `log: .zero ${12 * 2 * ITERATIONS}`,
    ...TOHOST,
  ]);
  const bytes = p.bytes.slice();
  new DataView(bytes.buffer).setUint32(36, EF_RISCV_RVC, true);
  const image = parseElf(bytes, 'rvc.elf');

  it('loads, with one warning that compressed instructions would be illegal', () => {
    expect(image.rvc).toBe(true);
    const r = run(image, p, INTERP);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/rvc\.elf: .*compressed \(RVC\).*illegal instruction/);
  });

  it('misaligned jalr target traps precisely; a compressed parcel is an illegal instruction', () => {
    const site = p.addr('site');
    const tgt = p.addr('tgt');
    const interp = run(image, p, INTERP);
    expect(interp.state.exitCode).toBe(0);
    expect(interp.log).toHaveLength(2 * ITERATIONS);
    for (let i = 0; i < ITERATIONS; i++) {
      expect(interp.log[2 * i]).toEqual([site, Cause.instructionAddressMisaligned, tgt + 2]);
      const [epc, cause] = interp.log[2 * i + 1]!;
      expect([epc, cause]).toEqual([tgt, Cause.illegalInstruction]);
    }
    for (const [name, o, lock] of [['t1', TRANSLATE_T1, false], ['t2', TRANSLATE_T2, false], ['t1 lockstep', TRANSLATE_T1, true]] as const) {
      const r = run(image, p, o, lock);
      expect(r.state, `translate ${name} vs interp`).toEqual(interp.state);
      expect(r.log, `translate ${name} trap log`).toEqual(interp.log);
      expect(r.warnings, 'the lockstep reference stays quiet').toHaveLength(1);
    }
  });
});
