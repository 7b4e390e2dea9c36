/**
 * `npm run fuzz -- --count N --seed S [--start I] [--sample K] [--storm-every M]`: a
 * differential fuzz campaign (verify/campaign.ts). Prints progress with programs per
 * second on stderr, and ends with the line `N programs, D divergences` on stdout; the exit
 * code is 1 when D > 0 (or a generated program was not a valid test), 2 for bad flags.
 * Divergences are shrunk and written to test/regressions/ (--out, --no-shrink to skip).
 * `--jobs J` splits the range over J processes (program i is the same in any split).
 * `--slurm DIR [--shards K]` runs the campaign as a Slurm job array instead, `--merge DIR`
 * gathers it (verify/fuzz-slurm.ts); `--task-of DIR --task I` is what each array task runs.
 */
import { spawn } from 'node:child_process';
import { Command, CommanderError } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { buildMatrix } from './diff.ts';
import { runCampaign } from './campaign.ts';
import { paramRegistry } from '../morph/config.ts';
import { needsFastExecutor } from '../morph/machine.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { MorphsimError, UsageError } from '../core/errors.ts';
import { mergeCampaign, runTask, submitCampaign, taskSlice } from './fuzz-slurm.ts';

/** The command's JavaScript entry point (what child processes and Slurm tasks run). */
const BOOTSTRAP = fileURLToPath(new URL('./fuzz.mjs', import.meta.url));

interface FuzzFlags {
  count: number; seed: number; start: number; sample: number; stormEvery: number; userEvery: number; out: string; shrink: boolean; jobs: number; listMatrix?: boolean;
  slurm?: string; shards?: number; partition?: string; time?: string; dryRun?: boolean; merge?: string; taskOf?: string; task?: number;
}

const nonNegative = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} expects a non-negative integer, got '${v}'`);
  return n;
};

async function main(argv: readonly string[]): Promise<number> {
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
    .option('--jobs <j>', 'split the programs over j processes', nonNegative('--jobs'), 1)
    .option('--list-matrix', 'print the configurations and exit')
    .option('--slurm <dir>', 'run the campaign as a Slurm job array with its files in <dir>')
    .option('--shards <k>', 'array tasks of a --slurm campaign (default: one per 1% of the programs, at most 100)', nonNegative('--shards'))
    .option('--partition <p>', 'Slurm partition (--slurm)')
    .option('--time <t>', 'Slurm time limit per task (--slurm)')
    .option('--dry-run', 'with --slurm: write the job script, do not submit')
    .option('--merge <dir>', 'add up the tasks of a --slurm campaign')
    .option('--task-of <dir>', 'run one task of a --slurm campaign (what the job script runs)')
    .option('--task <i>', 'the task index for --task-of', nonNegative('--task'))
    .exitOverride()
    .configureOutput({ outputError: (s) => process.stderr.write(`fuzz: ${s.trim().replace(/^error: /, '')}\n`) });
  let o;
  try {
    o = cmd.parse([...argv], { from: 'user' }).opts<FuzzFlags>();
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
  if (o.slurm !== undefined || o.merge !== undefined || o.taskOf !== undefined) {
    try {
      return await slurmCampaign(o, matrix);
    } catch (e) {
      if (!(e instanceof MorphsimError)) throw e;
      process.stderr.write(`fuzz: ${e.message}\n`);
      return e.exitCode;
    }
  }
  if (o.jobs > 1 && o.count > 1) return splitOverJobs(argv, o.start, o.count, Math.min(o.jobs, o.count));
  const perProgram = o.sample > 0 ? Math.min(o.sample, matrix.length) : matrix.length;
  process.stderr.write(`fuzz: seed ${o.seed}, programs ${o.start}..${o.start + o.count - 1}, ${perProgram} of ${matrix.length} configurations each\n`);
  await loadFastExecutorFor(matrix);
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
  return finalLines(res);
}

/**
 * A campaign's last lines on stdout — `N programs, D divergences` always last (scripts and
 * the --jobs parent parse it) — and its exit code: 1 for divergences, invalid programs or
 * `trouble` (jobs that failed, tasks missing), else 0.
 */
function finalLines(t: { programs: number; divergences: number; invalid: number }, trouble?: string): number {
  if (trouble !== undefined) process.stdout.write(`${trouble}\n`);
  if (t.invalid > 0) process.stdout.write(`${t.invalid} programs were not valid tests (generator bug)\n`);
  process.stdout.write(`${t.programs} programs, ${t.divergences} divergences\n`);
  return t.divergences > 0 || t.invalid > 0 || trouble !== undefined ? 1 : 0;
}

/** Load binaryen, once, before the first machine, when some configuration of the matrix runs
 * translations on the fast executor (those that leave run.executor alone get the default). */
async function loadFastExecutorFor(matrix: ReturnType<typeof buildMatrix>): Promise<void> {
  if (matrix.some((c) => needsFastExecutor(paramRegistry.resolve(c.overrides)))) await loadFastExecutor();
}

/** `--slurm`, `--merge` and `--task-of`: a campaign as a Slurm job array (fuzz-slurm.ts). */
async function slurmCampaign(o: FuzzFlags, matrix: ReturnType<typeof buildMatrix>): Promise<number> {
  if (o.taskOf !== undefined) {
    if (o.task === undefined) throw new UsageError('--task-of needs --task <i>');
    await loadFastExecutorFor(matrix);
    const r = runTask(o.taskOf, o.task, matrix, (msg) => process.stderr.write(`fuzz: ${msg}\n`));
    process.stdout.write(`task ${r.task}: ${r.programs} programs, ${r.divergences} divergences (${r.seconds.toFixed(1)} s)\n`);
    return r.divergences > 0 || r.invalid > 0 ? 1 : 0;
  }
  if (o.merge !== undefined) {
    const m = mergeCampaign(o.merge);
    for (const line of m.missing) process.stderr.write(`fuzz: ${line}\n`);
    for (const f of m.regressions) process.stderr.write(`fuzz: divergence written to ${f}\n`);
    process.stderr.write(`fuzz: seed ${m.plan.seed}, ${m.plan.tasks - m.missing.length} of ${m.plan.tasks} tasks done, ${m.seconds.toFixed(0)} task-seconds\n`);
    return finalLines(m, m.missing.length > 0 ? `incomplete: ${m.missing.length} of ${m.plan.tasks} tasks have no result` : undefined);
  }
  const launcher = [process.execPath, BOOTSTRAP];
  const r = submitCampaign(o.slurm!, {
    seed: o.seed, start: o.start, count: o.count, sample: o.sample, stormEvery: o.stormEvery, userEvery: o.userEvery, shrink: o.shrink,
  }, matrix, launcher, { tasks: o.shards, partition: o.partition, time: o.time, dryRun: o.dryRun === true });
  const dir = resolve(o.slurm!);
  if (r.tasks.length === 0) process.stdout.write(`every task of ${dir} has a result: npm run fuzz -- --merge ${dir}\n`);
  else if (r.jobId === undefined) process.stdout.write(`wrote ${r.scriptPath} (${r.tasks.length} tasks; not submitted): sbatch ${r.scriptPath}\n`);
  else process.stdout.write(`submitted job ${r.jobId}: ${r.tasks.length} tasks; follow with squeue -j ${r.jobId}; then npm run fuzz -- --merge ${dir}\n`);
  return 0;
}

/** Run [start, start+count) as `jobs` child processes of this script on contiguous slices,
 * relaying their progress, and sum their final lines. */
async function splitOverJobs(argv: readonly string[], start: number, count: number, jobs: number): Promise<number> {
  const t0 = performance.now();
  const totals = { programs: 0, divergences: 0, invalid: 0, failed: 0 };
  await Promise.all(Array.from({ length: jobs }, (_, j) => {
    const slice = taskSlice({ start, count, tasks: jobs }, j);
    const child = spawn(process.execPath, [BOOTSTRAP, ...argv, '--start', `${slice.from}`, '--count', `${slice.count}`, '--jobs', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    child.stderr.on('data', (b: Buffer) => { process.stderr.write(b.toString('utf8').replace(/^fuzz: /gm, `fuzz[${j}]: `)); });
    return new Promise<void>((done) => child.on('close', (code) => {
      const m = /(\d+) programs, (\d+) divergences\s*$/.exec(out);
      const inv = /(\d+) programs were not valid tests/.exec(out);
      if (m) {
        totals.programs += Number(m[1]);
        totals.divergences += Number(m[2]);
      }
      if (inv) totals.invalid += Number(inv[1]);
      if (!m || (code !== 0 && code !== 1)) totals.failed++;
      done();
    }));
  }));
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(`fuzz: ${jobs} jobs, ${secs.toFixed(1)} s, ${(totals.programs / secs).toFixed(1)} programs/s\n`);
  return finalLines(totals, totals.failed > 0 ? `${totals.failed} jobs failed` : undefined);
}

/** The whole command (verify/fuzz.mjs starts it): its exit code; never throws. */
export async function runFuzz(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    process.stderr.write(`fuzz: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}
