/**
 * Programs built by other people's build systems:
 *  - the current upstream riscv-tests linker script (`PHDRS { text PT_LOAD
 *    FLAGS(SHF_ALLOC | SHF_EXECINSTR); }`) gives ELFs whose only LOAD segment has
 *    p_flags = 0; Spike and QEMU's `-kernel` loader run them, and so must the machine
 *    platform (built here with the installed cross gcc, and always with the test ELF writer);
 *  - Linux, so qemu-riscv32, completes misaligned loads and stores of user programs, and so
 *    must the user platform (checked against qemu-riscv32 on the same ELF).
 * Under CI=true the toolchain and qemu-riscv32 must be installed; elsewhere those tests skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../isa-guest/elf.ts';
import { paramRegistry } from '../morph/config.ts';
import { GuestMachine } from '../morph/machine.ts';
import { assembleElf, hasGcc, hasQemu } from './helpers/cross-tools.ts';
import { buildElf } from './helpers/elf-builder.ts';
import { assemble, exitWith, TOHOST } from './helpers/guest-asm-program.ts';
import { runCli } from './helpers/run-cli.ts';

let tmp = '';
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'morphsim-compat-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

const ENGINES: readonly (readonly string[])[] = [
  ['--mode', 'interp'], ['--mode', 'translate', '--threshold', '1', '--verify', 'lockstep'], ['--core', 'inorder'],
  ['--mode', 'optimize', '--threshold', '1', '--set', 'tier.hotThreshold=2', '--executor', 'fast', '--set', 'run.fastCompileAfter=1'],
];

const gcc = (name: string, source: string, extra: readonly string[]): string => assembleElf(tmp, name, source, extra);

/** p_flags of every PT_LOAD program header, read straight from the file. */
function loadFlags(path: string): number[] {
  const b = readFileSync(path);
  const phoff = b.readUInt32LE(28);
  const out: number[] = [];
  for (let i = 0; i < b.readUInt16LE(44); i++) if (b.readUInt32LE(phoff + 32 * i) === 1) out.push(b.readUInt32LE(phoff + 32 * i + 24));
  return out;
}

describe('machine platform: segments load and run whatever their p_flags', () => {
  // The upstream riscv-tests env/p/link.ld of early 2026, in substance.
  const LINK = `OUTPUT_ARCH( "riscv" )
ENTRY(_start)
PHDRS
{
  text PT_LOAD FLAGS(SHF_ALLOC | SHF_EXECINSTR);
}
SECTIONS
{
  . = 0x80000000;
  .text.init : { *(.text.init) } :text
  . = ALIGN(0x1000);
  .tohost : { *(.tohost) } :text
  . = ALIGN(0x1000);
  .text : { *(.text) } :text
  . = ALIGN(0x1000);
  .data : { *(.data) } :text
  .bss : { *(.bss) } :text
  _end = .;
}
`;
  // Reads a word from .data, calls into .text, exits through tohost with 47 - 40 + 2 = 9.
  const TEST = `
  .section .text.init, "ax"
  .globl _start
_start:
  la t0, value
  lw a0, 0(t0)
  addi a0, a0, -40
  call add_two
  slli a0, a0, 1
  ori a0, a0, 1
  la t1, tohost
  sw a0, 0(t1)
1: j 1b
  .text
add_two:
  addi a0, a0, 2
  ret
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
  .data
value: .word 47
`;

  it.skipIf(!hasGcc)('an ELF linked with the upstream riscv-tests PHDRS (p_flags = 0) runs in every engine', async () => {
    writeFileSync(join(tmp, 'link.ld'), LINK);
    const elf = gcc('upstream', TEST, ['-T', join(tmp, 'link.ld')]);
    expect(loadFlags(elf)).toEqual([0]); // what the issue reports: the only LOAD segment has no flags
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.stderr, e.join(' ')).toBe('');
      expect(r.code, e.join(' ')).toBe(9);
    }
    const d = await runCli(['disasm', elf]);
    expect(d.stdout).toMatch(/<_start>:[\s\S]*<add_two>:\n\s*[0-9a-f]+:\t[0-9a-f]{8}\taddi a0, a0, 2/);
  });

  it('an ELF whose segments all have p_flags = 0 (test ELF writer) runs, translated too', () => {
    const prog = assemble(['_start:', 'li a0, 5', 'addi a0, a0, 2', ...exitWith('a0'), ...TOHOST]);
    const seg = prog.image.segments[0]!;
    const bytes = buildElf({
      entry: prog.base,
      segments: [{ vaddr: seg.vaddr, data: seg.data, memsz: seg.memsz, flags: 0 }],
      symbols: [{ name: 'tohost', value: prog.addr('tohost'), size: 8, type: 1 }],
    }).bytes;
    const image = parseElf(bytes, 'flags0.elf');
    expect(image.segments.map((s) => s.flags)).toEqual([0]);
    for (const mode of ['interp', 'translate'] as const) {
      const m = new GuestMachine(image, { config: paramRegistry.resolve({ 'run.mode': mode, 'tier.threshold': 1 }) });
      expect(m.run(10_000).exitCode).toBe(7);
    }
  });

  it('keeps the checks that protect morphsim: segments outside RAM or over a device are refused', async () => {
    const code = new Uint8Array(16);
    const outside = join(tmp, 'outside.elf');
    writeFileSync(outside, buildElf({ entry: 0x10000000, segments: [{ vaddr: 0x10000000, data: code, flags: 0 }], symbols: [{ name: 'tohost', value: 0x10000008, type: 1 }] }).bytes);
    const r = await runCli(['run', outside]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^morphsim: .*outside\.elf: segment 0x10000000\.\.0x10000010 overlaps the UART registers/);
  });

  it('the user platform still requires the entry point in an executable segment (Linux maps p_flags)', async () => {
    const bytes = buildElf({ entry: 0x10000, segments: [{ vaddr: 0x10000, data: new Uint8Array(16), flags: 6 }] }).bytes;
    const path = join(tmp, 'noexec-user.elf');
    writeFileSync(path, bytes);
    const r = await runCli(['run', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`morphsim: ${path}: entry point 0x10000 is not inside an executable segment (user platform: Linux maps segments with their ELF permissions)\n`);
  });
});

describe('user platform: misaligned loads and stores complete, as under Linux', () => {
  // Word and halfword accesses at every offset, stores overlapping loads, a fold of the
  // buffer, printed in hex; exit code = the sum's low 6 bits.
  const PROGRAM = `
  .option norelax
  .text
  .globl _start
_start:
  la s0, buf
  li t0, 0
  li t1, 11
init:
  add t2, s0, t0
  sb t1, 0(t2)
  addi t1, t1, 37
  addi t0, t0, 1
  li t3, 64
  blt t0, t3, init
  li s1, 0
  li s2, 0
  li s3, 12
loop:
  add t0, s0, s2
  lw t1, 1(t0)
  lhu t2, 33(t0)
  lh t3, 41(t0)
  slli t4, s1, 5
  sub s1, t4, s1
  add s1, s1, t1
  add s1, s1, t2
  add s1, s1, t3
  li t5, 0x5a5a5a5a
  xor t5, t1, t5
  sw t5, 1(t0)
  srli t5, t1, 7
  sh t5, 33(t0)
  sw s1, 50(t0)
  lw t6, 51(t0)
  add s1, s1, t6
  addi s2, s2, 1
  blt s2, s3, loop
  li t0, 0
fold:
  add t2, s0, t0
  lbu t1, 0(t2)
  slli t3, s1, 3
  sub s1, t3, s1
  add s1, s1, t1
  addi t0, t0, 1
  li t3, 64
  blt t0, t3, fold
  la s4, out
  li t0, 28
  mv t5, s4
hex:
  srl t1, s1, t0
  andi t1, t1, 15
  li t2, 10
  blt t1, t2, dec
  addi t1, t1, 39
dec:
  addi t1, t1, 48
  sb t1, 0(t5)
  addi t5, t5, 1
  addi t0, t0, -4
  bge t0, zero, hex
  li t1, 10
  sb t1, 0(t5)
  li a0, 1
  mv a1, s4
  li a2, 9
  li a7, 64
  ecall
  andi a0, s1, 63
  li a7, 93
  ecall
  .data
  .balign 16
buf: .zero 128
out: .zero 16
`;

  it.skipIf(!hasGcc || !hasQemu)('gives qemu-riscv32\'s output and exit code in every engine, at the documented cost', async () => {
    const elf = gcc('misaligned', PROGRAM, []);
    const q = spawnSync('qemu-riscv32', [elf], { encoding: 'utf8' });
    expect(q.stdout).toMatch(/^[0-9a-f]{8}\n$/);
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.stderr, e.join(' ')).toBe('');
      expect(r.stdout, e.join(' ')).toBe(q.stdout);
      expect(r.code, e.join(' ')).toBe(q.status);
    }
    // 12 trips x (lw, lhu, lh, sw, sh, sw, lw) at offsets 1, 33, 41, 50, 51: every access
    // whose address is not a multiple of its size is emulated, each at platform.misalignedCost.
    const image = parseElf(readFileSync(elf), 'misaligned.elf');
    const cost = paramRegistry.spec('platform.misalignedCost')!.default as number;
    const run = (extra: Record<string, number>) => {
      const m = new GuestMachine(image, { config: paramRegistry.resolve({ 'run.mode': 'interp', ...extra }) });
      const r = m.run();
      return { cycles: r.cycles, emulated: m.interp.misalignedEmulated, instret: r.instret };
    };
    const a = run({});
    const b = run({ 'platform.misalignedCost': cost + 100 });
    expect(a.instret).toBe(b.instret);
    expect(a.emulated).toBeGreaterThan(0);
    expect(b.cycles - a.cycles).toBe(100 * a.emulated);
    // The in-order core's fast engine charges the emulation exactly as its reference engine.
    const inorder = (engine: string) => {
      const m = new GuestMachine(image, { config: paramRegistry.resolve({ 'run.core': 'inorder', 'inorder.engine': engine }) });
      const r = m.run();
      return { cycles: r.cycles, breakdown: r.breakdown, instret: r.instret, exit: r.exitCode };
    };
    const ref = inorder('reference');
    expect(ref.breakdown.system).toBeGreaterThanOrEqual(cost * a.emulated);
    expect(inorder('fast')).toEqual(ref);
  });

  it('the machine platform keeps trapping (mcause 4, mtval = the address)', () => {
    const prog = assemble([
      '_start:', 'la t0, handler', 'csrw mtvec, t0', 'la t1, word', 'lw a0, 1(t1)', 'li a0, 0', ...exitWith('a0'),
      '.align 4', 'handler:', 'csrr a0, mcause', 'csrr a1, mtval', 'la t1, word', 'addi t1, t1, 1', 'bne a1, t1, bad', ...exitWith('a0'),
      'bad:', 'li a0, 99', ...exitWith('a0'), '.align 4', 'word: .word 0x11223344, 0x55667788', ...TOHOST,
    ]);
    for (const mode of ['interp', 'translate'] as const) {
      const m = new GuestMachine(prog.image, { config: paramRegistry.resolve({ 'run.mode': mode, 'tier.threshold': 1 }) });
      expect(m.run(10_000).exitCode).toBe(4);
    }
  });
});
