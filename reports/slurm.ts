/**
 * Slurm as morphsim's distributed engine: the job-array script that runs one shard of a
 * sweep per array task, its submission with `sbatch`, and what `squeue`/`scontrol` say
 * about it. Slurm's client commands are the whole interface (no library binding), so the
 * same code drives a laptop's single-node Slurm and a cluster's login node.
 */
import { spawnSync } from 'node:child_process';
import { MorphsimError, UsageError } from '../core/errors.ts';
import { arrayRanges } from './shard.ts';

/** What one submission asks of Slurm; everything optional is left to the site's defaults. */
export interface SlurmRequest {
  readonly shards: number;
  readonly partition?: string | undefined;
  /** Per array task, in any form sbatch accepts (`10`, `1:00:00`, `2-00:00:00`). */
  readonly time?: string | undefined;
  readonly cpusPerTask: number;
  readonly jobName: string;
}

/** The command each array task runs, as absolute paths (compute nodes share the file system). */
export interface ShardCommand {
  readonly node: string;
  readonly morphsim: string;
  readonly spec: string;
  readonly dir: string;
}

/** POSIX shell quoting: one word, whatever it holds. */
export const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The shell words of the command that runs shard `index` (a number or a shell expression). */
export function shardArgv(cmd: ShardCommand, index: string, shards: number): string[] {
  return [cmd.node, cmd.morphsim, 'sweep', cmd.spec, '--shard', `${index}/${shards}`, '--out', cmd.dir, '--resume'];
}

/**
 * `#SBATCH` lines are not parsed by a shell, so a value there cannot be quoted reliably:
 * reject what would be split or misread instead of submitting a job that writes elsewhere.
 */
function directiveValue(flag: string, v: string): string {
  if (/[\s'"\\]/.test(v)) throw new UsageError(`${flag} '${v}': Slurm directives cannot hold spaces, quotes or backslashes`);
  return v;
}

/** A job array's task: what it runs (shell words; a word holding `${SLURM_ARRAY_TASK_ID}`
 * is double-quoted so the shell expands it) and what the script's header says of it. */
export interface ArrayTask {
  readonly argv: readonly string[];
  /** Comment lines (without `# `) opening the script. */
  readonly about: readonly string[];
  /** Where Slurm writes each task's output (`slurm-%A_%a.out` in this directory). */
  readonly dir: string;
}

/** A job-array script: `req.shards` tasks numbered from 0, each running `task.argv`. */
export function arrayJobScript(req: SlurmRequest, task: ArrayTask): string {
  const d = (flag: string, v: string): string => `#SBATCH --${flag}=${directiveValue(`--${flag}`, v)}`;
  const argv = task.argv.map((w) => (w.includes('${') ? `"${w}"` : shellQuote(w)));
  return [
    '#!/bin/bash',
    ...task.about.map((line) => `# ${line}`),
    d('job-name', req.jobName),
    d('array', arrayRanges(Array.from({ length: req.shards }, (_, i) => i))),
    d('ntasks', '1'),
    d('cpus-per-task', String(req.cpusPerTask)),
    ...(req.partition !== undefined ? [d('partition', req.partition)] : []),
    ...(req.time !== undefined ? [d('time', req.time)] : []),
    d('output', `${task.dir}/slurm-%A_%a.out`),
    '',
    'set -eu',
    `exec ${argv.join(' ')}`,
    '',
  ].join('\n');
}

/** The job-array script of a sweep: one task per shard, each running `morphsim sweep … --shard i/K`. */
export function sbatchScript(req: SlurmRequest, cmd: ShardCommand): string {
  return arrayJobScript(req, {
    argv: [...shardArgv(cmd, '${SLURM_ARRAY_TASK_ID}', req.shards), '--jobs', '${SLURM_CPUS_PER_TASK:-1}'],
    about: [
      `morphsim sweep as a Slurm job array: task i runs shard i/${req.shards} of the points in`,
      'points.jsonl and appends its results to shard-i.jsonl; `morphsim sweep --merge` gathers them.',
      'Re-running a task resumes its shard (points already in shard-i.jsonl are skipped).',
    ],
    dir: cmd.dir,
  });
}

interface Spawned { readonly status: number | null; readonly stdout: string; readonly stderr: string; readonly error?: Error | undefined }

function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Spawned {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

const firstLine = (s: string): string => s.trim().split('\n')[0] ?? '';

/** Why Slurm cannot be used from here, or undefined when a controller answers `sinfo`. */
export function slurmUnreachable(): string | undefined {
  // sinfo retries a controller that is down for about 10 s before giving up.
  const r = run('sinfo', ['-h', '-o', '%P %a'], 20_000);
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'sinfo not found (no Slurm client installed)' : code === 'ETIMEDOUT' ? 'sinfo timed out (no controller answers)' : `sinfo: ${r.error.message}`;
  }
  if (r.status !== 0) return `sinfo exited ${r.status}: ${firstLine(r.stderr) || 'no controller answers'}`;
  if (!r.stdout.trim()) return 'sinfo lists no partition';
  return undefined;
}

/**
 * Submits the script with `sbatch --parsable`; `array` (Slurm syntax) overrides the
 * script's own `--array`, to re-submit only the shards that are not done. Returns the job id.
 */
export function submit(scriptPath: string, array?: string): string {
  const args = ['--parsable', ...(array !== undefined ? [`--array=${array}`] : []), scriptPath];
  const r = run('sbatch', args);
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'sbatch not found (is this a Slurm login node?)' : r.error.message;
    throw new MorphsimError(`cannot submit: ${why}; --dry-run writes the script without submitting`);
  }
  if (r.status !== 0) throw new MorphsimError(`sbatch refused the job: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  // --parsable prints "jobid" or "jobid;cluster".
  const id = firstLine(r.stdout).split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new MorphsimError(`sbatch printed no job id: '${firstLine(r.stdout)}'`);
  return id;
}

/** One array task as `squeue` lists it. */
export interface QueuedTask {
  /** `12_3`, or `12_[0-3]` for tasks not yet started. */
  readonly id: string;
  readonly state: string;
}

/**
 * The tasks of these jobs still in the queue (pending, running, completing). Jobs Slurm no
 * longer knows are simply absent; an unreachable controller is an error, so that a caller
 * never mistakes "cannot ask" for "all done".
 */
export function queuedTasks(jobIds: readonly string[]): QueuedTask[] {
  if (jobIds.length === 0) return [];
  const r = run('squeue', ['-h', '-r', '-o', '%i %T', '-j', jobIds.join(',')]);
  if (r.error) throw new MorphsimError(`squeue: ${r.error.message}`);
  if (r.status !== 0) {
    // A job id that left the queue long ago makes squeue fail with "Invalid job id".
    if (/invalid job id/i.test(r.stderr)) return [];
    throw new MorphsimError(`squeue exited ${r.status}: ${firstLine(r.stderr)}`);
  }
  return r.stdout.trim().split('\n').filter(Boolean).map((line) => {
    const [id = '', state = ''] = line.trim().split(/\s+/);
    return { id, state };
  });
}

/** One array task's final record as `scontrol show job` keeps it (for MinJobAge seconds). */
export interface TaskOutcome {
  readonly arrayJobId: string;
  readonly taskId: number;
  readonly state: string;
  readonly exitCode: string;
}

/** The tasks of one array job that the controller still remembers, finished or not. */
export function taskOutcomes(jobId: string): TaskOutcome[] {
  const r = run('scontrol', ['show', 'job', '-o', jobId]);
  if (r.error || r.status !== 0) return [];
  const out: TaskOutcome[] = [];
  for (const line of r.stdout.split('\n')) {
    const field = (k: string): string | undefined => new RegExp(`(?:^|\\s)${k}=(\\S+)`).exec(line)?.[1];
    const task = field('ArrayTaskId');
    if (task === undefined || !/^\d+$/.test(task)) continue;
    out.push({ arrayJobId: field('ArrayJobId') ?? jobId, taskId: Number(task), state: field('JobState') ?? '?', exitCode: field('ExitCode') ?? '?' });
  }
  return out.sort((a, b) => a.taskId - b.taskId);
}

/**
 * A task's final state from the accounting database (`sacct`), for a task the controller
 * has forgotten; undefined where there is no accounting (as on the CI's single node).
 */
export function accountedOutcome(taskId: string): string | undefined {
  const r = run('sacct', ['-n', '-P', '-X', '-j', taskId, '-o', 'State,ExitCode']);
  if (r.error || r.status !== 0) return undefined;
  const line = firstLine(r.stdout);
  if (!line) return undefined;
  const [state = '?', exit = '?'] = line.split('|');
  return `${state}, exit ${exit}`;
}
