/**
 * `npm run bench`: simulation speed, side by side, in one process run. For every compute
 * workload (and longer variants of those that finish too quickly to measure): guest MIPS of
 * the reference interpreter alone (--mode interp), the code-morphing machine with the
 * reference executor and with the fast (wasm) executor (--mode translate, and again in
 * --mode optimize: "ref opt" / "fast opt"), the baseline in-order core, and qemu-riscv32 on
 * the same ELF (whole process, when qemu-user is installed), with the ratios and the wasm
 * compile time (translate mode). Every simulated run's cycles are checked equal between the
 * two executors (the exactness tests assert this; here a mismatch is printed, not hidden).
 *
 * Figures are CPU seconds of this process for morphsim (the machine is shared: CPU time is
 * steadier than wall time) and wall seconds for qemu. Read them as ratios. Tests never
 * assert them.
 *
 * Usage: npm run bench [-- --only crc32,loops] [--repeat 3] [--quick] [--long]
 * --quick leaves out the longer variants; --long adds runs of 1.5-2 G instructions (crc32
 * 80000, 2.0 G, the scale of the 2.46 G-instruction CRC run issue 8 was measured on), where
 * the one-time costs of a run — compiling its translations, V8 tiering the new wasm up in the
 * background — are a small part of the time. They take minutes per row (the reference
 * executor runs them at about 20 MIPS): use --repeat 1.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import type { WasmExecutor } from '../sim-microarch/wasm-executor.ts';
import { runWorkload, WORKLOADS, type WorkloadEntry } from '../test/helpers/workloads.ts';
import { argv, COMPUTE, cpuSeconds, loadNote, only, opt } from './args.ts';

const repeat = Number(opt('repeat') ?? 1);
const quick = argv.includes('--quick');
const long = argv.includes('--long');

/** A compute workload run with other arguments. */
type Variant = { readonly base: string; readonly args: readonly string[] };
/** Longer runs of compute workloads whose default arguments finish in well under a second. */
const LONG: readonly Variant[] = [
  { base: 'crc32', args: ['2048'] },
  { base: 'sort', args: ['100000'] },
];
/** Runs of 1.5-2 G instructions (--long). */
const VERY_LONG: readonly Variant[] = [
  { base: 'crc32', args: ['80000'] },
  { base: 'sort', args: ['1000000'] },
];

interface Engine { readonly name: string; readonly overrides: Record<string, unknown> }
const ENGINES: readonly Engine[] = [
  { name: 'interp', overrides: { 'run.mode': 'interp' } },
  { name: 'reference', overrides: { 'run.mode': 'translate', 'run.executor': 'reference' } },
  { name: 'fast', overrides: { 'run.mode': 'translate', 'run.executor': 'fast' } },
  { name: 'inorder', overrides: { 'run.core': 'inorder' } },
  { name: 'ref opt', overrides: { 'run.mode': 'optimize', 'run.executor': 'reference' } },
  { name: 'fast opt', overrides: { 'run.mode': 'optimize', 'run.executor': 'fast' } },
];

function best<T extends { seconds: number }>(f: () => T): T {
  let b: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const r = f();
    if (!b || r.seconds < b.seconds) b = r;
  }
  return b!;
}

const hasQemu = spawnSync('qemu-riscv32', ['--version'], { encoding: 'utf8' }).status === 0;
function qemuSeconds(elf: string, args: readonly string[]): number | undefined {
  if (!hasQemu) return undefined;
  return best(() => {
    const t0 = performance.now();
    const r = spawnSync('qemu-riscv32', [elf, ...args], { stdio: 'ignore', timeout: 300_000 });
    if (r.status === null) throw new Error(`qemu-riscv32 ${elf} timed out`);
    return { seconds: (performance.now() - t0) / 1000 };
  }).seconds;
}

const pad = (s: string, n: number) => s.padStart(n);
const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

// scripts/ts-run.mjs imports binaryen before anything else (so tsx does not transform it):
// the time to here, from the process's start, is what loading costs a benchmark process.
await loadFastExecutor();
console.log(`binaryen and the benchmark loaded ${(performance.now() / 1000).toFixed(2)} s after the process started (once per process)`);
// Warm-up: every engine runs a small workload first, and the fast executor every compute
// workload in both modes, so V8's JIT warm-up of the simulator and of the compile path
// (our code generator, binaryen's JS glue and its own wasm, which V8 tiers up as it gets
// hot: about 0.3-0.5 s of CPU over a process's first few dozen compiled batches) is not
// charged to whichever workload comes first. The table is then what a sweep worker, which
// runs many points in one process, sees; a one-shot CLI run pays that warm-up once.
const w0 = performance.now();
const warm = WORKLOADS.find((x) => x.name === 'crc32');
if (warm) for (const e of ENGINES) runWorkload({ ...warm, args: ['32'] }, e.overrides);
for (const w of WORKLOADS) {
  if (!COMPUTE.includes(w.name)) continue;
  for (const e of ENGINES) if (e.overrides['run.executor'] === 'fast') runWorkload(w, e.overrides);
}
console.log(`warm-up (crc32 32 on every engine; every compute workload on the fast executor) ${((performance.now() - w0) / 1000).toFixed(2)} s\n`);

const header = ['workload', 'Minsns', ...ENGINES.map((e) => `${e.name} MIPS`), 'qemu MIPS', 'fast/ref', 'opt fast/ref', 'fast/interp', 'qemu/fast',
  'compile s', 'fns/mods', 'IPC vliw', 'IPC inorder'];
const widths = header.map((h) => Math.max(h.length, 9));
console.log(header.map((h, i) => pad(h, widths[i]!)).join('  '));

const runs: { label: string; w: WorkloadEntry }[] = [];
for (const w of WORKLOADS) if (COMPUTE.includes(w.name)) runs.push({ label: w.name, w });
if (!quick) {
  for (const l of long ? [...LONG, ...VERY_LONG] : LONG) {
    const w = WORKLOADS.find((x) => x.name === l.base);
    if (w) runs.push({ label: `${l.base}(${l.args.join(' ')})`, w: { ...w, args: l.args } });
  }
}

for (const { label, w } of runs) {
  if (only && !only.includes(w.name) && !only.includes(label)) continue;
  const res = ENGINES.map((e) => best(() => {
    const c0 = cpuSeconds();
    const o = runWorkload(w, e.overrides);
    return { seconds: cpuSeconds() - c0, result: o.result, machine: o.machine };
  }));
  const [interp, ref, fast, inorder, refOpt, fastOpt] = res as [typeof res[0], typeof res[0], typeof res[0], typeof res[0], typeof res[0], typeof res[0]];
  const instret = interp.result.instret;
  const mips = res.map((r) => r.result.instret / r.seconds / 1e6);
  const q = w.platform === 'user' ? qemuSeconds(`workloads/bin/${w.name}.elf`, w.args) : undefined;
  const qMips = q === undefined ? undefined : instret / q / 1e6;
  const cs = (fast.machine.executor as WasmExecutor).compileStats;
  const row = [
    label, fmt(instret / 1e6), ...mips.map((m) => fmt(m)), fmt(qMips),
    fmt(mips[2]! / mips[1]!, 2), fmt(mips[5]! / mips[4]!, 2), fmt(mips[2]! / mips[0]!, 2), fmt(qMips === undefined ? undefined : qMips / mips[2]!, 1),
    fmt(cs.seconds, 2), `${cs.translations}/${cs.modules}`,
    fmt(ref.result.instret / ref.result.cycles, 3), fmt(inorder.result.instret / inorder.result.cycles, 3),
  ];
  console.log(row.map((c, i) => pad(c, widths[i]!)).join('  '));
  for (const [mode, r, f] of [['translate', ref, fast], ['optimize', refOpt, fastOpt]] as const) {
    if (f.result.cycles !== r.result.cycles || f.result.instret !== r.result.instret) {
      console.log(`  MISMATCH ${label} ${mode}: reference ${r.result.instret} insns ${r.result.cycles} cycles, fast ${f.result.instret} insns ${f.result.cycles} cycles`);
    }
  }
}
const mem = process.memoryUsage();
console.log(`\npeak RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB; node ${process.version}; ${loadNote()}`);
console.log('MIPS = guest instructions retired / CPU seconds of this process (qemu: wall seconds of its process, start included).');
console.log('fast/ref, opt fast/ref (optimize mode) and fast/interp: speed ratios; qemu/fast: how much faster qemu-riscv32 is. compile s: wasm code generation');
console.log('and compilation inside the fast run; fns/mods: translations compiled and modules they were batched into.');
