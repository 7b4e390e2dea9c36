/**
 * A program that reads its input (user platform, read(0, …)): it upper-cases its input in
 * 64-byte reads, a loop hot enough to be translated; qemu-riscv32 on the same ELF and input is
 * the oracle for the output.
 *  - Lockstep verification: the reference machine must read what the main machine read,
 *    chunk for chunk, or the first read() already differs (it used to get end of input).
 *  - `morphsim run` passes its standard input on to the guest, as qemu-riscv32 does (it used
 *    to give none), and --compare-inorder's second run reads the same bytes.
 * Under CI=true the cross toolchain and qemu-riscv32 must be installed; elsewhere it skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../isa-guest/elf.ts';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { GuestMachine } from '../morph/machine.ts';
import { assembleElf, hasGcc, hasQemu } from './helpers/cross-tools.ts';
import { spawnCli } from './helpers/run-cli.ts';

const PROGRAM = `
  .globl _start
_start:
1:
  li a0, 0
  la a1, buf
  li a2, 64
  li a7, 63                  # read(0, buf, 64)
  ecall
  blez a0, 9f
  mv s0, a0
  la t0, buf
  add t1, t0, s0
2:
  lbu t2, 0(t0)
  addi t3, t2, -97
  li t4, 26
  bgeu t3, t4, 3f            # not a..z
  addi t2, t2, -32
  sb t2, 0(t0)
3:
  addi t0, t0, 1
  bne t0, t1, 2b
  li a0, 1
  la a1, buf
  mv a2, s0
  li a7, 64                  # write(1, buf, n)
  ecall
  j 1b
9:
  li a0, 0
  li a7, 93
  ecall
  .data
buf: .zero 64
`;

let tmp = '';
let elf = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'morphsim-input-'));
  if (hasGcc) elf = assembleElf(tmp, 'upper', PROGRAM);
});
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

const text = Array.from({ length: 120 }, (_, i) => `line ${i}: the Quick brown fox, ${'xyz'.repeat(i % 7)}\n`).join('');
const qemu = () => {
  const q = spawnSync('qemu-riscv32', [elf], { input: text, encoding: 'utf8' });
  expect(q.status).toBe(0);
  expect(q.stdout).toBe(text.toUpperCase());
  return q;
};

describe('a program reading its input', () => {
  it.skipIf(!hasGcc || !hasQemu)('lockstep: the reference reads the same chunks: no divergence, qemu-riscv32\'s output', () => {
    const q = qemu();
    // The input arrives in chunks of odd sizes: a read may take part of one or end at one.
    const bytes = new TextEncoder().encode(text);
    for (const config of [{ 'run.mode': 'translate', 'tier.threshold': 1, 'run.executor': 'reference' }, { 'run.mode': 'optimize', 'tier.threshold': 1, 'tier.hotThreshold': 20, 'run.executor': 'reference' }]) {
      let at = 0;
      const out: Uint8Array[] = [];
      const m = new GuestMachine(parseElf(readFileSync(elf), 'upper.elf'), {
        config: paramRegistry.resolve(config),
        stdin: () => { if (at >= bytes.length) return null; const n = 37 + (at % 50); const c = bytes.slice(at, at + n); at += n; return c; },
        stdout: (b) => { out.push(b); },
      });
      const checker = attachLockstep(m);
      const r = m.run();
      expect(r.exitCode).toBe(0);
      expect(Buffer.concat(out).toString('utf8')).toBe(q.stdout);
      expect(checker.checks).toBeGreaterThan(100);
      expect(r.stats['morph.translatedInsns']).toBeGreaterThan(r.instret / 2);
    }
  });

  it.skipIf(!hasGcc || !hasQemu)('morphsim run gives the guest its standard input, to the second run of --compare-inorder and under lockstep', () => {
    const q = qemu();
    const inorder = spawnCli(['run', elf, '--core', 'inorder'], { input: text });
    expect(inorder.stdout).toBe(q.stdout);
    const cycles = /inorder on user: [0-9,]+ insns, (\d+) cycles/.exec(inorder.stderr)?.[1];
    expect(cycles).toBeDefined();
    for (const extra of [[], ['--mode', 'translate', '--threshold', '1', '--verify', 'lockstep'], ['--compare-inorder']]) {
      const r = spawnCli(['run', elf, ...extra], { input: text });
      expect(r.code, extra.join(' ')).toBe(0);
      expect(r.stdout, extra.join(' ')).toBe(q.stdout);
      // The in-order run of --compare-inorder read the same input: the same cycles as alone.
      if (extra[0] === '--compare-inorder') expect(r.stderr).toContain(`in-order baseline: ${cycles} cycles`);
    }
    // No input at all: the program reads end of input at once and exits.
    expect(spawnCli(['run', elf, '-q']).stdout).toBe('');
  });
});
