// The committed guest ELFs (workloads/bin, test/isa/bin) are what their sources build to:
// `make check` rebuilds them with the cross toolchain into a temporary directory and compares
// byte for byte, so a source edited without re-committing its ELF fails here, with make's
// output in the message. The check must leave the source tree untouched. Without the
// toolchain the test is skipped — except in CI (CI=true), which installs it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from './helpers/run-cli.ts';

const CC = 'riscv64-unknown-elf-gcc';
/** Where workloads/Makefile looks for picolibc (its PICOLIBC default, overridable). */
const PICOLIBC = process.env['PICOLIBC'] ?? '/usr/lib/picolibc/riscv64-unknown-elf';
const MAKE_TIMEOUT_MS = 300_000;

const works = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
};
const haveCc = works(CC, ['--version']) && works('make', ['--version']);
const havePicolibc = existsSync(join(PICOLIBC, 'include'));
const inCI = process.env['CI'] === 'true';

/** Every file below `dir` with its size and modification time: a write anywhere changes it. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, rel));
    out.set(rel, st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`);
  }
  return out;
}

function makeCheck(dir: string, vars: string[] = []): { status: number | null; output: string } {
  const r = spawnSync('make', ['--no-print-directory', '-C', repoPath(dir), 'check', ...vars], { encoding: 'utf8', timeout: MAKE_TIMEOUT_MS });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** `make -C <dir> check` passes and writes nothing into <dir>. */
function expectUpToDate(dir: string): void {
  const before = snapshot(repoPath(dir));
  const { status, output } = makeCheck(dir);
  expect(status, `make -C ${dir} check failed (rebuild with \`make -C ${dir}\` and commit the ELFs):\n${output}`).toBe(0);
  expect(snapshot(repoPath(dir)), `make -C ${dir} check wrote into the source tree`).toEqual(before);
}

describe('cross toolchain', () => {
  // Runs everywhere; fails only under CI=true, where the staleness check may not be skipped.
  it('is installed when CI=true', () => {
    if (inCI && !(haveCc && havePicolibc)) {
      expect.fail(`${haveCc ? `picolibc not found at ${PICOLIBC}` : `${CC} or make not found on PATH`}; install gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf`);
    }
  });
});

describe.skipIf(!haveCc)('committed ELFs are up to date', () => {
  it.skipIf(!havePicolibc)('workloads/bin', () => {
    expectUpToDate('workloads');
  });

  it('test/isa/bin', () => {
    expectUpToDate('test/isa');
  });

  it('a stale ELF fails the check and is named', () => {
    // Compare against a copy of test/isa/bin with one byte changed (make's BIN variable).
    const tmp = mkdtempSync(join(tmpdir(), 'morphsim-stale-'));
    try {
      const bin = join(tmp, 'bin');
      cpSync(repoPath('test/isa/bin'), bin, { recursive: true });
      const victim = join(bin, 'add_sub.elf');
      const bytes = readFileSync(victim);
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(victim, bytes);
      const { status, output } = makeCheck('test/isa', [`BIN=${bin}`]);
      expect(status).not.toBe(0);
      expect(output).toContain(`stale: ${victim}`);
      expect(output.match(/stale: /g)).toHaveLength(1);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
