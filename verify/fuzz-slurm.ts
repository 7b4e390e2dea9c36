/**
 * A fuzz campaign as a Slurm job array, for campaigns larger than one machine runs in a day
 * (100,000 programs across the whole matrix are about 2.5 million lockstep runs):
 * `npm run fuzz -- --slurm DIR --count N --seed S --shards K` freezes the campaign in
 * DIR/campaign.json, writes DIR/fuzz.sbatch (task i runs the i-th contiguous slice of the
 * program range) and submits it; a task writes DIR/task-i.json whole when its slice is done,
 * and its shrunk divergences to DIR/regressions/. `--merge DIR` adds the tasks up, names each
 * missing one with what Slurm says of it and the command that re-runs it, and ends with
 * `N programs, D divergences`. `--slurm DIR` again submits only the tasks without a result.
 *
 * Program i depends only on (seed, i) (campaign.ts), so the tasks' sum is the campaign a
 * single process would run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/fsutil.ts';
import { VERSION } from '../core/version.ts';
import { arrayRanges } from '../reports/shard.ts';
import { readJson } from '../reports/sharded-sweep.ts';
import { arrayJobScript, shellQuote, submit, type SlurmRequest } from '../reports/slurm.ts';
import { readSlurmRecord, refuseWhileQueued, shardTaskStates, SLURM_FILE, SLURM_SCHEMA, type SlurmRecord } from '../reports/slurm-sweep.ts';
import { runCampaign, type CampaignResult } from './campaign.ts';
import type { EngineConfig } from './diff.ts';

export const CAMPAIGN_FILE = 'campaign.json';
export const CAMPAIGN_SCHEMA = 'morphsim.fuzz-campaign/1';
export const TASK_SCHEMA = 'morphsim.fuzz-task/1';
export const SCRIPT_FILE = 'fuzz.sbatch';

/** What every task of a campaign shares: the programs and how each runs. */
export interface CampaignParams {
  readonly seed: number;
  readonly start: number;
  readonly count: number;
  readonly sample: number;
  readonly stormEvery: number;
  readonly userEvery: number;
  readonly shrink: boolean;
}

export interface CampaignPlan extends CampaignParams {
  readonly schema: typeof CAMPAIGN_SCHEMA;
  readonly version: string;
  readonly tasks: number;
  /** The matrix's configuration names when the plan was made (a task refuses another matrix). */
  readonly matrix: readonly string[];
  /** How a task starts: node, its flags (the TypeScript loader), and the fuzz script. */
  readonly launcher: readonly string[];
}

/** One task's result file. */
export interface TaskResult {
  readonly schema: typeof TASK_SCHEMA;
  readonly task: number;
  readonly from: number;
  readonly count: number;
  readonly programs: number;
  readonly divergences: number;
  readonly invalid: number;
  readonly instructions: number;
  readonly seconds: number;
  readonly regressions: readonly string[];
}

/** Programs [from, from+count) of task i of K over the plan's range (contiguous slices). */
export function taskSlice(plan: Pick<CampaignPlan, 'start' | 'count' | 'tasks'>, i: number): { from: number; count: number } {
  const a = plan.start + Math.floor((plan.count * i) / plan.tasks);
  const b = plan.start + Math.floor((plan.count * (i + 1)) / plan.tasks);
  return { from: a, count: b - a };
}

const taskFile = (dir: string, i: number): string => join(dir, `task-${i}.json`);

export function readPlan(dir: string): CampaignPlan {
  const path = join(dir, CAMPAIGN_FILE);
  if (!existsSync(path)) throw new UsageError(`${dir}: no ${CAMPAIGN_FILE} (not a fuzz campaign directory; start one with --slurm ${dir})`);
  const plan = readJson(path, 'fuzz campaign') as CampaignPlan;
  if (plan?.schema !== CAMPAIGN_SCHEMA) throw new UsageError(`${path}: not a ${CAMPAIGN_SCHEMA} file`);
  return plan;
}

function readTask(dir: string, i: number): TaskResult | undefined {
  const path = taskFile(dir, i);
  if (!existsSync(path)) return undefined;
  const t = readJson(path, 'fuzz task result') as TaskResult;
  if (t?.schema !== TASK_SCHEMA || t.task !== i) throw new UsageError(`${path}: not a ${TASK_SCHEMA} file of task ${i}`);
  return t;
}

/** Tasks of the plan without a result file. */
export function missingTasks(dir: string, plan: CampaignPlan): number[] {
  return Array.from({ length: plan.tasks }, (_, i) => i).filter((i) => readTask(dir, i) === undefined);
}

/** The shell words that run task `index` (a number or `${SLURM_ARRAY_TASK_ID}`). */
export const taskArgv = (plan: CampaignPlan, dir: string, index: string): string[] => [...plan.launcher, '--task-of', dir, '--task', index];

export interface SubmitOptions {
  readonly tasks?: number | undefined;
  readonly partition?: string | undefined;
  readonly time?: string | undefined;
  readonly dryRun: boolean;
}

export interface SubmitResult {
  readonly plan: CampaignPlan;
  readonly scriptPath: string;
  /** Tasks submitted (or to submit, on --dry-run); empty when all are done. */
  readonly tasks: readonly number[];
  readonly jobId?: string;
}

const sameParams = (a: CampaignParams, b: CampaignParams): boolean =>
  a.seed === b.seed && a.start === b.start && a.count === b.count && a.sample === b.sample &&
  a.stormEvery === b.stormEvery && a.userEvery === b.userEvery && a.shrink === b.shrink;

/**
 * Plan (or re-plan) the campaign in `outDir`, write the job script, submit the tasks
 * without a result. A directory holding another campaign is refused, as is one whose job
 * is still queued (two tasks of one slice would count its programs twice).
 */
export function submitCampaign(outDir: string, params: CampaignParams, matrix: readonly EngineConfig[], launcher: readonly string[], o: SubmitOptions): SubmitResult {
  const dir = resolve(outDir);
  if (params.count < 1) throw new UsageError('--count: a campaign needs at least one program');
  mkdirSync(join(dir, 'regressions'), { recursive: true });
  const names = matrix.map((c) => c.name);
  let plan: CampaignPlan;
  if (existsSync(join(dir, CAMPAIGN_FILE))) {
    plan = readPlan(dir);
    if (!sameParams(plan, params) || (o.tasks !== undefined && o.tasks !== plan.tasks)) {
      throw new UsageError(`${outDir} holds another campaign (seed ${plan.seed}, programs ${plan.start}..${plan.start + plan.count - 1}, ${plan.tasks} tasks); use a new directory`);
    }
  } else {
    const tasks = o.tasks ?? Math.min(params.count, 100);
    if (tasks < 1 || tasks > params.count) throw new UsageError(`--shards ${tasks}: between 1 and the program count (${params.count})`);
    plan = { schema: CAMPAIGN_SCHEMA, version: VERSION, ...params, tasks, matrix: names, launcher };
    writeFileAtomic(join(dir, CAMPAIGN_FILE), JSON.stringify(plan, null, 2) + '\n');
  }
  const previous = readSlurmRecord(dir);
  if (previous && !o.dryRun) refuseWhileQueued(previous, outDir, 'campaign');
  const request: SlurmRequest = {
    shards: plan.tasks,
    partition: o.partition ?? previous?.request.partition,
    time: o.time ?? previous?.request.time,
    cpusPerTask: 1,
    jobName: 'morphsim-fuzz',
  };
  const script = arrayJobScript(request, {
    argv: taskArgv(plan, dir, '${SLURM_ARRAY_TASK_ID}'),
    about: [
      `morphsim fuzz campaign as a Slurm job array: seed ${plan.seed}, programs ${plan.start}..${plan.start + plan.count - 1}`,
      `in ${plan.tasks} tasks; task i writes task-i.json when its slice is done (npm run fuzz -- --merge gathers them).`,
    ],
    dir,
  });
  const scriptPath = join(dir, SCRIPT_FILE);
  writeFileAtomic(scriptPath, script);
  const tasks = missingTasks(dir, plan);
  if (tasks.length === 0 || o.dryRun) return { plan, scriptPath, tasks };
  const array = arrayRanges(tasks);
  const jobId = submit(scriptPath, array);
  const record: SlurmRecord = {
    schema: SLURM_SCHEMA, script: scriptPath, request,
    submissions: [...(previous?.submissions ?? []), { jobId, array, at: new Date().toISOString() }],
  };
  writeFileAtomic(join(dir, SLURM_FILE), JSON.stringify(record, null, 2) + '\n');
  return { plan, scriptPath, tasks, jobId };
}

/** Run task `i` of the campaign in `dir` and write its result file whole. */
export function runTask(dir: string, i: number, matrix: readonly EngineConfig[], onDivergence?: (msg: string) => void): TaskResult {
  const plan = readPlan(dir);
  if (!Number.isSafeInteger(i) || i < 0 || i >= plan.tasks) throw new UsageError(`--task ${i}: the campaign has tasks 0..${plan.tasks - 1}`);
  const names = matrix.map((c) => c.name);
  if (names.join('\n') !== plan.matrix.join('\n')) {
    throw new UsageError(`${dir}: this morphsim builds another configuration matrix than the campaign was planned with (version ${plan.version}); run the campaign with one version`);
  }
  const slice = taskSlice(plan, i);
  const t0 = performance.now();
  const r: CampaignResult = runCampaign({
    seed: plan.seed, start: slice.from, count: slice.count, sample: plan.sample, stormEvery: plan.stormEvery, userEvery: plan.userEvery,
    regressionDir: join(dir, 'regressions'), shrink: plan.shrink, matrix, onDivergence,
  });
  const result: TaskResult = {
    schema: TASK_SCHEMA, task: i, from: slice.from, count: slice.count, programs: r.programs, divergences: r.divergences,
    invalid: r.invalid, instructions: r.instructions, seconds: (performance.now() - t0) / 1000, regressions: r.written,
  };
  writeFileAtomic(taskFile(dir, i), JSON.stringify(result, null, 2) + '\n');
  return result;
}

export interface MergeResult {
  readonly plan: CampaignPlan;
  readonly programs: number;
  readonly divergences: number;
  readonly invalid: number;
  readonly seconds: number;
  readonly regressions: readonly string[];
  /** One line per task without a result: its programs, Slurm's word, the re-run command. */
  readonly missing: readonly string[];
}

export function mergeCampaign(outDir: string): MergeResult {
  const dir = resolve(outDir);
  const plan = readPlan(dir);
  let programs = 0, divergences = 0, invalid = 0, seconds = 0;
  const regressions: string[] = [];
  for (let i = 0; i < plan.tasks; i++) {
    const t = readTask(dir, i);
    if (!t) continue;
    programs += t.programs;
    divergences += t.divergences;
    invalid += t.invalid;
    seconds += t.seconds;
    regressions.push(...t.regressions);
  }
  const absent = missingTasks(dir, plan);
  const states = shardTaskStates(dir, absent);
  const missing = absent.map((i) => {
    const s = taskSlice(plan, i);
    return `task ${i} (programs ${s.from}..${s.from + s.count - 1}) has no result${states.has(i) ? ` (${states.get(i)})` : ''}; re-run: ${taskArgv(plan, dir, String(i)).map(shellQuote).join(' ')}`;
  });
  return { plan, programs, divergences, invalid, seconds, regressions, missing };
}
