/**
 * `npm run bench:ab -- --base DIR`: is this checkout faster than another one? Both trees'
 * sources are loaded into one process and run the same workloads in alternating rounds (the
 * order swapped every round), and the CPU time of each run is compared pairwise. On a shared
 * machine the separate-process benchmarks swing by ±30 % between runs of identical code
 * (load from other processes, and V8's JIT settling differently in each process), which
 * hides any change of a few per cent; interleaved rounds in one process see the same noise.
 *
 * DIR is another checkout of morphsim with its dependencies reachable (e.g. a `git worktree
 * add` with a node_modules symlink). The engine is picked as in `morphsim run`: --mode
 * (default translate), --executor (default fast), or --core inorder. Cycles and instructions
 * of the two trees are printed side by side (they should be equal unless the change is
 * meant to change timing). The base may predate the fast executor (and the fast in-order
 * engine): with --core inorder, --mode interp or --executor reference it is not loaded, so
 * e.g. the in-order core as it was when the fast engine was asked for (d1f2b16) can be set
 * against today's: `git worktree add ../wt-filed d1f2b16` (plus a node_modules symlink),
 * then `npm run bench:ab -- --base ../wt-filed --core inorder --rounds 5`.
 *
 * Read the figures with care: run A against an identical copy of itself (`--base` a clean
 * worktree of the same commit) first. Measured that way on the 2-core machine, the tree
 * loaded second came out about 2-3 % faster by the median of pairs; a difference smaller
 * than that is noise. Figures only: nothing is asserted.
 *
 * Usage: npm run bench:ab -- --base ../wt-base [--only sort,crc32] [--args 100000] [--rounds 12]
 *        [--mode translate|optimize|interp] [--executor fast|reference] [--core inorder]
 */
import { resolve } from 'node:path';
import { argv, COMPUTE, cpuSeconds, loadNote, only, opt } from './args.ts';

function fail(message: string): never {
  console.error(`bench:ab: ${message}`);
  process.exit(2);
}
const base = opt('base') ?? fail('--base DIR (another morphsim checkout) is required');
const rounds = Number(opt('rounds') ?? 12);
const args = opt('args')?.split(',');
const overrides: Record<string, unknown> = argv.includes('--core')
  ? { 'run.core': opt('core') }
  : { 'run.mode': opt('mode') ?? 'translate', 'run.executor': opt('executor') ?? 'fast' };
// Only the fast executor needs binaryen: a base from before it existed can still be compared
// on the in-order core, the interpreter or the reference executor.
const needsWasm = overrides['run.executor'] === 'fast' && overrides['run.mode'] !== 'interp';

interface Result { readonly instret: number; readonly cycles: number }
type Runner = (name: string) => Result;

/** A tree's workload runner (its own copies of every module: the two never share state). */
async function load(dir: string): Promise<Runner> {
  const root = resolve(dir);
  let wl: typeof import('../test/helpers/workloads.ts');
  try {
    if (needsWasm) await (await import(`${root}/sim-microarch/wasm-binaryen.ts`)).loadFastExecutor();
    wl = await import(`${root}/test/helpers/workloads.ts`);
  } catch (e) {
    return fail(`${root} is not a morphsim checkout with its dependencies (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  return (name) => {
    const w = wl.WORKLOADS.find((x) => x.name === name);
    if (!w) return fail(`${root} has no workload '${name}'`);
    return wl.runWorkload(args ? { ...w, args } : w, overrides).result;
  };
}

const trees = [resolve(base), resolve('.')];
const runners = [await load(trees[0]!), await load(trees[1]!)];
const median = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`base ${trees[0]}, new ${trees[1]}; ${JSON.stringify(overrides)}${args ? ` args ${args.join(' ')}` : ''}; ${rounds} rounds`);
console.log(['workload', 'cycles base', 'cycles new', 'base best s', 'new best s', 'new/base best', 'new/base median'].map((h) => h.padStart(17)).join(''));
for (const name of only ?? COMPUTE) {
  // One untimed run each: V8 compiles the hot paths of both trees first.
  const first = runners.map((r) => r(name));
  const times: number[][] = [[], []];
  for (let i = 0; i < rounds; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const c0 = cpuSeconds();
      runners[k]!(name);
      times[k]!.push(cpuSeconds() - c0);
    }
  }
  const pairs = times[1]!.map((t, i) => t / times[0]![i]!);
  const bestA = Math.min(...times[0]!);
  const bestB = Math.min(...times[1]!);
  console.log([name, String(first[0]!.cycles), String(first[1]!.cycles), bestA.toFixed(3), bestB.toFixed(3),
    (bestB / bestA).toFixed(3), median(pairs).toFixed(3)].map((c) => c.padStart(17)).join(''));
  if (first[0]!.instret !== first[1]!.instret) console.log(`  instructions differ: base ${first[0]!.instret}, new ${first[1]!.instret}`);
}
console.log(`new/base below 1: this tree is faster. CPU seconds of this process per run (both trees in one process); ${loadNote()}.`);
