/**
 * Submitting a sharded sweep (reports/sharded-sweep.ts) to Slurm as one job array, and
 * re-submitting it: only the shards with points not yet done go back to the queue, and a
 * sweep whose earlier job is still queued or running is not submitted twice (two tasks
 * appending to one shard file would run its points twice). The submissions are recorded in
 * `slurm.json` next to the plan, so that the merge and a re-submission know the job ids.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/fsutil.ts';
import { incompleteShards, preparePlan, readJson, type Launcher, type SweepPlan } from './sharded-sweep.ts';
import { arrayRanges, parseArrayRanges } from './shard.ts';
import { accountedOutcome, queuedTasks, sbatchScript, submit, taskOutcomes, type SlurmRequest } from './slurm.ts';

export const SCRIPT_FILE = 'sweep.sbatch';
export const SLURM_FILE = 'slurm.json';
export const SLURM_SCHEMA = 'morphsim.slurm-sweep/1';

export interface Submission {
  readonly jobId: string;
  /** The array tasks (= shards) submitted, in sbatch's --array syntax. */
  readonly array: string;
  readonly at: string;
}

export interface SlurmRecord {
  readonly schema: typeof SLURM_SCHEMA;
  readonly script: string;
  readonly request: SlurmRequest;
  readonly submissions: readonly Submission[];
}

export function readSlurmRecord(dir: string): SlurmRecord | undefined {
  const path = join(dir, SLURM_FILE);
  if (!existsSync(path)) return undefined;
  const rec = readJson(path, 'Slurm record') as SlurmRecord;
  if (rec?.schema !== SLURM_SCHEMA) throw new UsageError(`${path}: not a ${SLURM_SCHEMA} file`);
  return rec;
}

/**
 * Refuse to submit again while an earlier job of this directory is queued or running: two
 * tasks of one shard would run (and count) its work twice.
 */
export function refuseWhileQueued(previous: SlurmRecord, outDir: string, what: string): void {
  const active = queuedTasks(previous.submissions.map((s) => s.jobId));
  if (active.length === 0) return;
  const ids = [...new Set(active.map((t) => t.id.split('_')[0]))].join(',');
  throw new UsageError(`${outDir}: job ${ids} of this ${what} is still in the queue (${active.length} task(s) ${[...new Set(active.map((t) => t.state))].join('/')}); wait for it (squeue -j ${ids}) or cancel it (scancel ${ids}) before re-submitting`);
}

/** The options of a submission; unset ones fall back to the previous submission's, then to defaults. */
export interface SlurmSweepOptions {
  readonly shards?: number | undefined;
  readonly partition?: string | undefined;
  readonly time?: string | undefined;
  readonly cpusPerTask?: number | undefined;
  readonly dryRun: boolean;
}

export interface SlurmSweepResult {
  readonly plan: SweepPlan;
  readonly dir: string;
  readonly scriptPath: string;
  readonly script: string;
  /** Shards to run; empty when every point already has a record. */
  readonly shards: readonly number[];
  /** `--array` of this submission (absent when nothing is to run). */
  readonly array?: string;
  /** Absent on --dry-run or when nothing is to run. */
  readonly jobId?: string;
}

/** Default shard count: one array task per point up to 16 (each task pays one morphsim start-up). */
const DEFAULT_SHARDS = 16;

export function submitSlurmSweep(specPath: string, outDir: string, launcher: Launcher, opts: SlurmSweepOptions): SlurmSweepResult {
  const dir = resolve(outDir);
  const previous = existsSync(dir) ? readSlurmRecord(dir) : undefined;
  if (previous && !opts.dryRun) refuseWhileQueued(previous, outDir, 'sweep');
  const { plan } = preparePlan(dir, specPath, opts.shards ?? previous?.request.shards, launcher, (n) => Math.max(1, Math.min(n, DEFAULT_SHARDS)));
  const request: SlurmRequest = {
    shards: plan.shards,
    partition: opts.partition ?? previous?.request.partition,
    time: opts.time ?? previous?.request.time,
    cpusPerTask: opts.cpusPerTask ?? previous?.request.cpusPerTask ?? 1,
    jobName: 'morphsim-sweep',
  };
  const script = sbatchScript(request, { ...launcher, spec: plan.spec, dir });
  const scriptPath = join(dir, SCRIPT_FILE);
  writeFileAtomic(scriptPath, script);
  const shards = incompleteShards(dir);
  if (shards.length === 0) return { plan, dir, scriptPath, script, shards };
  const array = arrayRanges(shards);
  if (opts.dryRun) return { plan, dir, scriptPath, script, shards, array };
  const jobId = submit(scriptPath, array);
  const record: SlurmRecord = {
    schema: SLURM_SCHEMA, script: scriptPath, request,
    submissions: [...(previous?.submissions ?? []), { jobId, array, at: new Date().toISOString() }],
  };
  writeFileAtomic(join(dir, SLURM_FILE), JSON.stringify(record, null, 2) + '\n');
  return { plan, dir, scriptPath, script, shards, array, jobId };
}

/**
 * What Slurm says about the latest task that ran each of these shards, in words for the
 * merge: still queued, its final state (`task 42_3: CANCELLED, exit 0:9`) from the controller
 * (which keeps it MinJobAge seconds) or else from accounting (`sacct`), or that there is no
 * record. Empty for a sweep never submitted to Slurm, or when Slurm cannot be asked.
 */
export function shardTaskStates(dir: string, shards: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  const rec = readSlurmRecord(dir);
  if (!rec) return out;
  let queued: Map<string, string>;
  try {
    queued = new Map(queuedTasks(rec.submissions.map((s) => s.jobId)).map((t) => [t.id, t.state]));
  } catch {
    return out;
  }
  const outcomes = new Map<string, string>();
  for (const sub of rec.submissions) for (const t of taskOutcomes(sub.jobId)) outcomes.set(`${sub.jobId}_${t.taskId}`, `${t.state}, exit ${t.exitCode}`);
  for (const shard of shards) {
    const sub = [...rec.submissions].reverse().find((s) => parseArrayRanges(s.array).includes(shard));
    if (!sub) continue;
    const id = `${sub.jobId}_${shard}`;
    const final = outcomes.get(id) ?? accountedOutcome(id);
    out.set(shard, queued.has(id) ? `task ${id} is still ${queued.get(id)}`
      : final !== undefined ? `task ${id}: ${final}`
      : `task ${id}: no record (cancelled before it started, or forgotten by the controller, and no accounting)`);
  }
  return out;
}
