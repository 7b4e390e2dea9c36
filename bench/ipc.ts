/**
 * Code quality of the co-designed machine, in simulated cycles (deterministic, so one run
 * each): per compute workload,
 * - IPC of translated code: guest instructions retired by translations per cycle spent in
 *   them (execute + exit + I/D-cache stalls + rollback waste), for `--mode translate`
 *   (tier 1) and `--mode optimize` (tier 2);
 * - whole-run cycles of `--mode optimize` and of the in-order scalar core (`--core
 *   inorder`, same caches and latencies), and their ratio;
 * - steady state: cycles per instruction over the same window of each run — from
 *   `--window` (default 30 %) of the instructions to the end — so warm-up (interpretation,
 *   translation) is left out for both machines alike;
 * then geometric means. Targets on the default 4-wide machine: translated-code IPC of
 * optimize ≥ 1.5× translate, steady-state speedup over the scalar core ≥ 1.3×, and no
 * compute workload slower than on the scalar core.
 *
 * Usage: npm run bench:ipc -- [--only crc32,sort] [--window 0.3] [--set key=value ...]
 */
import { paramRegistry } from '../morph/config.ts';
import { GuestMachine, needsFastExecutor, type RunResult } from '../morph/machine.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { image, runWorkload, WORKLOADS, type WorkloadEntry } from '../test/helpers/workloads.ts';
import { argv, COMPUTE, only, opt } from './args.ts';


const window = Number(opt('window') ?? 0.3);
const sets: Record<string, unknown> = {};
argv.forEach((a, i) => {
  if (a !== '--set') return;
  const [k, v] = argv[i + 1]!.split('=');
  sets[k!] = Number.isNaN(Number(v)) ? v : Number(v);
});
// Translated runs use the configured executor (fast by default; the same cycles either way):
// load binaryen once, before the first machine, when it is needed.
if (needsFastExecutor(paramRegistry.resolve({ ...sets, 'run.mode': 'translate' }))) await loadFastExecutor();

const TRANSLATED = ['execute', 'exit', 'stallIcache', 'stallDcache', 'rollback'] as const;

function translatedIpc(r: RunResult): number {
  const cycles = TRANSLATED.reduce((s, c) => s + r.breakdown[c], 0);
  return r.stats['morph.translatedInsns']! / cycles;
}

/** Run to `at` instructions, then to the end: whole-run result and cycles/insn after `at`. */
function windowed(w: WorkloadEntry, overrides: Record<string, unknown>, at: number): { result: RunResult; cpi: number } {
  const o = runWorkload(w, overrides);
  const total = o.result.instret;
  // Same program again, stopped at the window start (deterministic, so the prefix is the same run).
  const prefix = runWorkloadUntil(w, overrides, Math.floor(total * at));
  return { result: o.result, cpi: (o.result.cycles - prefix.cycles) / (total - prefix.instret) };
}

function runWorkloadUntil(w: WorkloadEntry, overrides: Record<string, unknown>, maxInstret: number): RunResult {
  const m = new GuestMachine(image(`workloads/bin/${w.name}.elf`), { config: paramRegistry.resolve(overrides), args: w.args, warn: () => {} });
  return m.run(maxInstret);
}

const geo = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const f = (x: number, d = 3): string => x.toFixed(d);

const header = ['workload', 'Minsns', 'IPC tr', 'IPC opt', 'opt/tr', 'cyc opt', 'cyc inorder', 'inorder/opt', 'CPI opt*', 'CPI inorder*', 'steady x'];
const widths = header.map((h) => Math.max(h.length, 9));
const row = (cells: string[]): void => console.log(cells.map((c, i) => c.padStart(widths[i]!)).join('  '));
row(header);

const ipcRatio: number[] = [];
const whole: number[] = [];
const steady: number[] = [];
for (const w of WORKLOADS) {
  if (!COMPUTE.includes(w.name) || (only && !only.includes(w.name))) continue;
  const tr = runWorkload(w, { ...sets, 'run.mode': 'translate' }).result;
  const op = windowed(w, { ...sets, 'run.mode': 'optimize' }, window);
  const io = windowed(w, { ...sets, 'run.core': 'inorder' }, window);
  const ipcT = translatedIpc(tr);
  const ipcO = translatedIpc(op.result);
  ipcRatio.push(ipcO / ipcT);
  whole.push(io.result.cycles / op.result.cycles);
  steady.push(io.cpi / op.cpi);
  row([w.name, f(tr.instret / 1e6, 1), f(ipcT), f(ipcO), f(ipcO / ipcT, 2), String(op.result.cycles), String(io.result.cycles),
    f(io.result.cycles / op.result.cycles, 2), f(op.cpi), f(io.cpi), f(io.cpi / op.cpi, 2)]);
}
console.log();
console.log(`geomean: translated-code IPC optimize/translate ${f(geo(ipcRatio), 2)} (target ≥ 1.50); ` +
  `whole-run speedup over the in-order core ${f(geo(whole), 2)}; steady-state speedup ${f(geo(steady), 2)} (target ≥ 1.30); ` +
  `slowest steady state ${f(Math.min(...steady), 2)} (target ≥ 1.00)`);
console.log(`* CPI over instructions ${Math.round(window * 100)} %..100 % of each run (warm-up excluded for both machines).`);
