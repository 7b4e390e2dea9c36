// Running the committed workloads in-process, with their golden outputs (from qemu-riscv32
// for user programs, reviewed by hand for machine programs).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseElf, type ElfImage } from '../../isa-guest/elf.ts';
import { paramRegistry } from '../../morph/config.ts';
import { attachLockstep } from '../../morph/lockstep.ts';
import { GuestMachine, type RunResult } from '../../morph/machine.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface WorkloadEntry {
  readonly name: string;
  readonly platform: 'user' | 'machine';
  readonly args: readonly string[];
  readonly expectedExitCode: number;
}

export const WORKLOADS: readonly WorkloadEntry[] = (
  JSON.parse(readFileSync(join(ROOT, 'workloads/manifest.json'), 'utf8')) as { workloads: WorkloadEntry[] }
).workloads;

/** Workloads whose instruction count depends on simulated time (timer interrupts), not only on the program. */
export const TIME_DEPENDENT = new Set(['mtimer']);

/** Per-workload overrides that keep test time down without changing what is checked. */
const TEST_OVERRIDES: Record<string, Record<string, unknown>> = {
  // 10x faster mtime: the same 50 ticks in a tenth of the simulated time.
  mtimer: { 'platform.mtimeDivider': 100 },
};

const images = new Map<string, ElfImage>();
export function image(path: string): ElfImage {
  let img = images.get(path);
  if (!img) {
    img = parseElf(readFileSync(join(ROOT, path)), path);
    images.set(path, img);
  }
  return img;
}

export function golden(name: string): { out: string; code: number } {
  return {
    out: readFileSync(join(ROOT, 'workloads/expected', `${name}.out`), 'utf8'),
    code: Number(readFileSync(join(ROOT, 'workloads/expected', `${name}.code`), 'utf8').trim()),
  };
}

export interface Outcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly result: RunResult;
  readonly machine: GuestMachine;
  readonly checks: number;
}

/** Run an ELF with parameter overrides; `lockstep` attaches the reference checker. */
export function runElf(path: string, args: readonly string[], overrides: Record<string, unknown>, lockstep = false): Outcome {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const machine = new GuestMachine(image(path), {
    config: paramRegistry.resolve(overrides),
    args,
    stdout: (b) => out.push(Buffer.from(b)),
    stderr: (b) => err.push(Buffer.from(b)),
    warn: () => {},
  });
  const checker = lockstep ? attachLockstep(machine) : undefined;
  const result = machine.run(2_000_000_000);
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    result,
    machine,
    checks: checker?.checks ?? 0,
  };
}

export function runWorkload(w: WorkloadEntry, overrides: Record<string, unknown>, lockstep = false): Outcome {
  return runElf(`workloads/bin/${w.name}.elf`, w.args, { ...TEST_OVERRIDES[w.name], ...overrides }, lockstep);
}

/** Every cycle is in exactly one category (DESIGN.md invariant 4). */
export function breakdownSum(r: RunResult): number {
  return Object.values(r.breakdown).reduce((s, v) => s + v, 0);
}
