// Differential test against an independent implementation: every user-mode workload runs
// under qemu-riscv32 (Debian qemu-user) and under morphsim, interpreted and translated;
// stdout and exit code must agree with each other and with the committed golden files.
// Without qemu-riscv32 on PATH the test is skipped — except in CI (CI=true), which installs
// qemu-user and must not pass by skipping.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWorkloads, runCli } from './helpers/run-cli.ts';

const QEMU = 'qemu-riscv32';
/** A workload that never exits must not hang the suite; the longest takes well under a second. */
const QEMU_TIMEOUT_MS = 60_000;

const probe = spawnSync(QEMU, ['--version'], { encoding: 'utf8', timeout: QEMU_TIMEOUT_MS });
const haveQemu = probe.error === undefined && probe.status === 0;
const inCI = process.env['CI'] === 'true';

interface Outcome { readonly stdout: string; readonly code: number }

function runQemu(elf: string, args: readonly string[]): Outcome {
  const r = spawnSync(QEMU, [elf, ...args], { timeout: QEMU_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${QEMU} ${elf}: ${r.error.message}`);
  if (r.signal) throw new Error(`${QEMU} ${elf}: killed by ${r.signal} (timeout ${QEMU_TIMEOUT_MS} ms?)`);
  return { stdout: r.stdout.toString('utf8'), code: r.status! };
}

async function runMorphsim(mode: 'interp' | 'translate', elf: string, args: readonly string[]): Promise<Outcome> {
  // `--` so that guest arguments that look like options reach the guest.
  const r = await runCli(['run', '-q', '--mode', mode, elf, '--', ...args]);
  return { stdout: r.stdout, code: r.code };
}

const user = loadWorkloads().filter((w) => w.platform === 'user');

describe('qemu-riscv32', () => {
  // Runs everywhere; fails only under CI=true, where the differential test may not be skipped.
  it('is installed when CI=true', () => {
    if (!haveQemu && inCI) expect.fail(`${QEMU} not found on PATH (${probe.error?.message ?? `exit ${probe.status}`}); install qemu-user`);
  });
});

describe.skipIf(!haveQemu)('morphsim agrees with qemu-riscv32', () => {
  it('there are user workloads to compare', () => {
    expect(user.length).toBeGreaterThanOrEqual(10);
  });

  describe.each(user)('$name', (w) => {
    let qemu: Outcome;
    beforeAll(() => { qemu = runQemu(w.elf, w.args); });

    it('qemu reproduces the golden output and exit code', () => {
      expect(qemu.stdout).toBe(w.expectedOut);
      expect(qemu.code).toBe(w.expectedCode);
    });

    it.each(['interp', 'translate'] as const)('%s', async (mode) => {
      expect(await runMorphsim(mode, w.elf, w.args)).toEqual(qemu);
    });
  });

  // Inputs beyond the goldens: a failing exit status, another problem size, and arguments
  // that are options to nobody but the guest, non-ASCII and empty.
  const sort = user.find((w) => w.name === 'sort')!;
  const strings = user.find((w) => w.name === 'strings')!;
  describe.each([
    { label: 'sort 0 (rejects the size, exit 2)', elf: sort.elf, args: ['0'] },
    { label: 'sort 777', elf: sort.elf, args: ['777'] },
    { label: 'strings with unusual arguments', elf: strings.elf, args: ['--flag', 'ünïcödé', '', 'a b\tc'] },
  ])('$label', ({ elf, args }) => {
    let qemu: Outcome;
    beforeAll(() => { qemu = runQemu(elf, args); });

    it.each(['interp', 'translate'] as const)('%s', async (mode) => {
      expect(await runMorphsim(mode, elf, args)).toEqual(qemu);
    });
  });

  it('the failing case really fails under qemu (the comparison above is not 0 == 0)', () => {
    expect(runQemu(sort.elf, ['0']).code).toBe(2);
  });
});
