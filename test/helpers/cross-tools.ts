/**
 * The cross toolchain and qemu-riscv32, for tests that build a guest program from assembly
 * and take qemu's behaviour as the oracle. Under CI=true both must be installed (importing
 * this throws otherwise); elsewhere the tests that need them skip.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
export const GCC = 'riscv64-unknown-elf-gcc';
export const hasGcc = has(GCC);
export const hasQemu = has('qemu-riscv32');
if (process.env['CI'] === 'true' && (!hasGcc || !hasQemu)) throw new Error(`CI=true: ${GCC} and qemu-riscv32 must be installed for this test`);

/** Assemble and link `source` (no C library, entry `_start`; `extra`: more gcc options, such
 * as a linker script) into DIR/NAME.elf; returns its path. */
export function assembleElf(dir: string, name: string, source: string, extra: readonly string[] = []): string {
  const src = join(dir, `${name}.S`);
  const elf = join(dir, `${name}.elf`);
  writeFileSync(src, source);
  const cc = spawnSync(GCC, ['-march=rv32im_zicsr_zifencei', '-mabi=ilp32', '-nostdlib', '-nostartfiles', '-static', ...extra, src, '-o', elf], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`${GCC} failed: ${cc.stderr}`);
  return elf;
}
