/**
 * `npm run fuzz -- --count N --seed S [--start I] [--sample K] [--storm-every M]`: a
 * differential fuzz campaign (verify/campaign.ts). Prints progress with programs per
 * second on stderr, and ends with the line `N programs, D divergences` on stdout; the exit
 * code is 1 when D > 0 (or a generated program was not a valid test), 2 for bad flags.
 * Divergences are shrunk and written to test/regressions/ (--out, --no-shrink to skip).
 */
import { Command, CommanderError } from 'commander';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildMatrix } from './diff.ts';
import { runCampaign } from './campaign.ts';

const nonNegative = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} expects a non-negative integer, got '${v}'`);
  return n;
};

function main(argv: readonly string[]): number {
  const cmd = new Command('fuzz')
    .description('random-program differential testing against the reference interpreter')
    .option('--count <n>', 'programs to run', nonNegative('--count'), 1000)
    .option('--seed <s>', 'campaign seed', nonNegative('--seed'), 1)
    .option('--start <i>', 'first program index (resume or split a campaign)', nonNegative('--start'), 0)
    .option('--sample <k>', 'configurations per program, rotating through the matrix (0: all)', nonNegative('--sample'), 0)
    .option('--storm-every <m>', 'every m-th program takes timer-interrupt storms (0: none)', nonNegative('--storm-every'), 4)
    .option('--user-every <m>', 'every m-th program runs on the user platform (0: none)', nonNegative('--user-every'), 5)
    .option('--out <dir>', 'directory for regression files', 'test/regressions')
    .option('--no-shrink', 'write divergences unshrunk')
    .option('--list-matrix', 'print the configurations and exit')
    .exitOverride()
    .configureOutput({ outputError: (s) => process.stderr.write(`fuzz: ${s.trim().replace(/^error: /, '')}\n`) });
  let o;
  try {
    o = cmd.parse([...argv], { from: 'user' }).opts<{
      count: number; seed: number; start: number; sample: number; stormEvery: number; userEvery: number; out: string; shrink: boolean; listMatrix?: boolean;
    }>();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`fuzz: ${(e as Error).message}\n`);
    return 2;
  }
  const matrix = buildMatrix();
  if (o.listMatrix) {
    for (const c of matrix) process.stdout.write(`${c.name}\t${JSON.stringify(c.overrides)}${c.lockstep ? '\tlockstep' : ''}\n`);
    return 0;
  }
  const perProgram = o.sample > 0 ? Math.min(o.sample, matrix.length) : matrix.length;
  process.stderr.write(`fuzz: seed ${o.seed}, programs ${o.start}..${o.start + o.count - 1}, ${perProgram} of ${matrix.length} configurations each\n`);
  const t0 = performance.now();
  let lastReport = t0;
  const res = runCampaign({
    seed: o.seed, start: o.start, count: o.count, sample: o.sample, stormEvery: o.stormEvery, userEvery: o.userEvery,
    regressionDir: resolve(o.out), shrink: o.shrink, matrix,
    onProgram: (done, divergences) => {
      const now = performance.now();
      if (now - lastReport < 10_000 && done !== o.count) return;
      lastReport = now;
      const rate = done / ((now - t0) / 1000);
      process.stderr.write(`fuzz: ${done}/${o.count} programs (last index ${o.start + done - 1}), ${rate.toFixed(1)} programs/s, ${divergences} divergences\n`);
    },
    onDivergence: (msg) => process.stderr.write(`fuzz: ${msg}\n`),
  });
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(`fuzz: ${secs.toFixed(1)} s, ${(res.programs / secs).toFixed(1)} programs/s, ${(res.instructions / res.programs || 0).toFixed(0)} reference instructions per program\n`);
  if (res.invalid > 0) process.stdout.write(`${res.invalid} programs were not valid tests (generator bug)\n`);
  process.stdout.write(`${res.programs} programs, ${res.divergences} divergences\n`);
  return res.divergences > 0 || res.invalid > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
