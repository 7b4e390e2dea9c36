/**
 * Speed of the baseline in-order core's engines, in CPU time (the machine is shared, so wall
 * clock says little): for each compute workload, guest MIPS of `inorder.engine=reference`
 * (one timed interp.step() at a time: the original speed, and the oracle), of
 * `inorder.engine=fast`, and of the plain interpreter (`run.mode=interp`, no timing), with
 * fast/reference. Each figure is the best of --repeat runs of process.cpuUsage() around
 * machine.run() alone (boot excluded), over the first --max instructions of the workload.
 * The engines take turns within each repetition, so a burst of load from other processes
 * on a shared machine slows all of them rather than one. Before the timed repetitions each
 * engine runs the workload --warmup times untimed (default 1): the first runs in a process
 * are slower (V8 optimizes, deoptimizes on the new machine's objects and reoptimizes), which
 * best-of-3 alone did not hide for the first workload of the table (which gets one more).
 * The two engines' cycle counts are compared and a mismatch is reported. Figures only:
 * nothing is asserted about time.
 *
 * Usage: npm run bench:inorder -- [--only loops,crc32] [--repeat 3] [--warmup 1] [--max 5000000] [--fast-only]
 * (--fast-only: time the fast engine alone, for quick profiling; no ratios.)
 */
import { paramRegistry } from '../morph/config.ts';
import { GuestMachine } from '../morph/machine.ts';
import { image, WORKLOADS } from '../test/helpers/workloads.ts';
import { argv, cpuSeconds, loadNote, only, opt } from './args.ts';

const repeat = Number(opt('repeat') ?? 3);
const warmup = Number(opt('warmup') ?? 1);
const maxInsns = Number(opt('max') ?? 5_000_000);
const fastOnly = argv.includes('--fast-only');

const ENGINES = {
  reference: { 'run.core': 'inorder', 'inorder.engine': 'reference' },
  fast: { 'run.core': 'inorder', 'inorder.engine': 'fast' },
  interp: { 'run.mode': 'interp' },
} as const satisfies Record<string, Record<string, unknown>>;
type EngineName = keyof typeof ENGINES;

interface Sample { readonly seconds: number; readonly instret: number; readonly cycles: number }

function once(name: string, args: readonly string[], engine: EngineName): Sample {
  const m = new GuestMachine(image(`workloads/bin/${name}.elf`), {
    config: paramRegistry.resolve(ENGINES[engine]), args, stdout: () => {}, stderr: () => {}, warn: () => {},
  });
  const c0 = cpuSeconds();
  const r = m.run(maxInsns);
  return { seconds: cpuSeconds() - c0, instret: r.instret, cycles: r.cycles };
}

let firstRow = true;
/** The best (least CPU time) of --repeat runs of each engine, taking turns. */
function best(name: string, args: readonly string[], engines: readonly EngineName[]): Map<EngineName, Sample> {
  const b = new Map<EngineName, Sample>();
  // The table's first workload gets one more: with one, its ratio still came out low in some
  // runs (loops fast/reference 3.5 in one table, 6.2 in the next).
  for (let i = 0; i < warmup + (firstRow ? 1 : 0); i++) for (const e of engines) once(name, args, e);
  firstRow = false;
  for (let i = 0; i < repeat; i++) {
    for (const e of engines) {
      const s = once(name, args, e);
      const prev = b.get(e);
      if (!prev || s.seconds < prev.seconds) b.set(e, s);
    }
  }
  return b;
}

const cols = ['workload', 'Minsns', 'reference MIPS', 'fast MIPS', 'interp MIPS', 'fast/reference', 'ns/insn fast', 'cycles'];
const w = cols.map((c) => Math.max(c.length, 8));
const line = (cells: string[]) => console.log(cells.map((c, i) => c.padStart(w[i]!)).join('  '));
line(cols);
const ratios: number[] = [];
for (const wl of WORKLOADS) {
  if (wl.platform !== 'user' || wl.name === 'smc') continue; // compute workloads
  if (only && !only.includes(wl.name)) continue;
  if (fastOnly) {
    const fast = best(wl.name, wl.args, ['fast']).get('fast')!;
    console.log(`${wl.name}: fast ${(fast.instret / fast.seconds / 1e6).toFixed(1)} MIPS, ${(fast.seconds / fast.instret * 1e9).toFixed(1)} ns/insn`);
    continue;
  }
  const all = best(wl.name, wl.args, ['reference', 'fast', 'interp']);
  const [ref, fast, interp] = [all.get('reference')!, all.get('fast')!, all.get('interp')!];
  const mips = (s: Sample) => s.instret / s.seconds / 1e6;
  const ratio = ref.seconds / fast.seconds;
  ratios.push(ratio);
  const same = ref.cycles === fast.cycles && ref.instret === fast.instret;
  line([
    wl.name, (ref.instret / 1e6).toFixed(2), mips(ref).toFixed(1), mips(fast).toFixed(1), mips(interp).toFixed(1),
    ratio.toFixed(2), (fast.seconds / fast.instret * 1e9).toFixed(1), same ? 'same' : `DIFFER ${ref.cycles} vs ${fast.cycles}`,
  ]);
}
if (ratios.length > 0) {
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  console.log(`\ngeometric mean fast/reference ${geo.toFixed(2)}; CPU time, best of ${repeat} after ${warmup} untimed, first ${maxInsns} instructions; node ${process.version}; ${loadNote()}`);
}
