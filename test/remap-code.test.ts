/**
 * Code on a page that is unmapped and mapped again is gone (user platform, munmap): a program
 * writes a function into an anonymous mapping, calls it until every engine has decoded or
 * translated it, unmaps the page, maps a fresh one at the same address (top-down: the highest
 * free page again) and calls it without writing it. The page is zeros now, an illegal
 * instruction: qemu-riscv32 kills the process with SIGILL, and every engine must too — not
 * run the function it decoded or translated before (exit 201).
 * Under CI=true the cross toolchain and qemu-riscv32 must be installed; elsewhere it skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleElf, hasGcc, hasQemu } from './helpers/cross-tools.ts';
import { runCli } from './helpers/run-cli.ts';

const PROGRAM = `
  .globl _start
_start:
  call map_page
  mv s0, a0
  li t0, 0x00150513          # addi a0, a0, 1
  sw t0, 0(s0)
  li t0, 0x00008067          # ret
  sw t0, 4(s0)
  fence.i
  li s1, 200
  li a0, 0
1:
  jalr s0
  addi s1, s1, -1
  bnez s1, 1b
  mv s2, a0                  # 200
  mv a0, s0
  li a1, 4096
  li a7, 215                 # munmap
  ecall
  bnez a0, 2f
  call map_page
  bne a0, s0, 2f
  mv a0, s2
  jalr s0                    # a fresh zero page: SIGILL (the old function would return 201)
  li a7, 93
  ecall
2:
  li a0, 3
  li a7, 93
  ecall

map_page:                    # mmap2(0, 4096, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
  li a0, 0
  li a1, 4096
  li a2, 7
  li a3, 0x22
  li a4, -1
  li a5, 0
  li a7, 222
  ecall
  ret
`;

let tmp = '';
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'morphsim-remap-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

describe('user platform: munmap drops the code decoded and translated from the page', () => {
  it.skipIf(!hasGcc || !hasQemu)('a function called until translated, its page unmapped and mapped again: SIGILL, as under qemu-riscv32', async () => {
    const elf = assembleElf(tmp, 'remap', PROGRAM);
    const q = spawnSync('qemu-riscv32', [elf], { encoding: 'utf8' });
    expect(q.signal).toBe('SIGILL');
    const engines: readonly (readonly string[])[] = [
      ['--mode', 'interp'],
      ['--mode', 'translate', '--threshold', '1', '--executor', 'reference'],
      ['--mode', 'translate', '--threshold', '1', '--executor', 'fast', '--set', 'run.fastCompileAfter=1'],
      ['--mode', 'optimize', '--threshold', '1', '--set', 'tier.hotThreshold=20', '--executor', 'fast', '--set', 'run.fastCompileAfter=1'],
      ['--core', 'inorder'],
      ['--core', 'inorder', '--set', 'inorder.engine=reference'],
    ];
    for (const e of engines) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.code, e.join(' ')).toBe(128 + 4);
      expect(r.stderr, e.join(' ')).toMatch(/guest killed by SIGILL: illegal instruction/);
    }
  });
});
