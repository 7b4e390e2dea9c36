/**
 * `npm run bench`: simulation speed, side by side. For every workload: guest MIPS of the
 * reference interpreter (--mode interp), the code-morphing machine (--mode translate, the
 * reference VLIW executor), the baseline in-order core, and qemu-riscv32 on the same ELF
 * (wall clock of the whole process, when qemu-user is installed), with ratios, plus the
 * simulated IPC each model reports and the peak memory. Figures are wall-clock on a shared
 * machine: read them as ratios, not absolutes. Tests never assert them.
 *
 * Usage: npm run bench [-- --only crc32,loops] [--repeat 3]
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { runWorkload, WORKLOADS } from '../test/helpers/workloads.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = opt('only')?.split(',');
const repeat = Number(opt('repeat') ?? 1);

interface Engine { readonly name: string; readonly overrides: Record<string, unknown> }
const ENGINES: readonly Engine[] = [
  { name: 'interp', overrides: { 'run.mode': 'interp' } },
  { name: 'translate', overrides: { 'run.mode': 'translate' } },
  { name: 'inorder', overrides: { 'run.core': 'inorder' } },
];

function best<T extends { seconds: number }>(f: () => T): T {
  let b: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const r = f();
    if (!b || r.seconds < b.seconds) b = r;
  }
  return b!;
}

function qemuSeconds(elf: string, args: readonly string[]): number | undefined {
  const probe = spawnSync('qemu-riscv32', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  return best(() => {
    const t0 = performance.now();
    const r = spawnSync('qemu-riscv32', [elf, ...args], { stdio: 'ignore', timeout: 120_000 });
    if (r.status === null) throw new Error(`qemu-riscv32 ${elf} timed out`);
    return { seconds: (performance.now() - t0) / 1000 };
  }).seconds;
}

const pad = (s: string, n: number) => s.padStart(n);
const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

const header = ['workload', 'Minsns', ...ENGINES.flatMap((e) => [`${e.name} MIPS`]), 'qemu MIPS', 'translate/interp', 'qemu/translate', 'IPC vliw', 'IPC inorder', 'speedup vs inorder'];
const widths = header.map((h) => Math.max(h.length, 9));
console.log(header.map((h, i) => pad(h, widths[i]!)).join('  '));

for (const w of WORKLOADS) {
  if (only && !only.includes(w.name)) continue;
  const res = ENGINES.map((e) => best(() => {
    const t0 = performance.now();
    const o = runWorkload(w, e.overrides);
    return { seconds: (performance.now() - t0) / 1000, result: o.result };
  }));
  const instret = res[0]!.result.instret;
  const mips = res.map((r) => r.result.instret / r.seconds / 1e6);
  const q = w.platform === 'user' ? qemuSeconds(`workloads/bin/${w.name}.elf`, w.args) : undefined;
  const qMips = q === undefined ? undefined : instret / q / 1e6;
  const ipcV = res[1]!.result.instret / res[1]!.result.cycles;
  const ipcI = res[2]!.result.instret / res[2]!.result.cycles;
  const row = [
    w.name, fmt(instret / 1e6), ...mips.map((m) => fmt(m)), fmt(qMips),
    fmt(mips[1]! / mips[0]!, 2), fmt(qMips === undefined ? undefined : qMips / mips[1]!, 1),
    fmt(ipcV, 3), fmt(ipcI, 3), fmt(res[2]!.result.cycles / res[1]!.result.cycles, 2),
  ];
  console.log(row.map((c, i) => pad(c, widths[i]!)).join('  '));
}
const mem = process.memoryUsage();
console.log(`\npeak RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB; node ${process.version}`);
console.log('qemu MIPS counts the instructions morphsim retired over qemu-riscv32\'s wall time (process start included).');
console.log('speedup vs inorder = simulated cycles of the in-order core / simulated cycles of the co-designed machine.');
