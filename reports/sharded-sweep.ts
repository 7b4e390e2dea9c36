/**
 * A sweep split into shards that run anywhere (Slurm array tasks, another scheduler, a
 * shell loop) and are merged back into one results file. Everything lives in one directory:
 *
 *   spec.json       the spec, frozen: validated, defaults filled in, ELF paths absolute, so
 *                   editing the original spec cannot change a sweep in flight
 *   points.jsonl    the expanded points (key, index, shard, workload, params), one a line
 *   sweep.json      the plan: shard count, point count, morphsim version, the command used
 *   shard-i.jsonl   shard i's results (`morphsim.point/1`), appended point by point
 *   results.jsonl   every point exactly once, in expansion order (`mergeShards`)
 *
 * A point's key (reports/sweep.ts `pointKey`) names it across all of these, as in `--resume`.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { fsReason, readInput, writeFileAtomic } from '../core/fsutil.ts';
import { VERSION } from '../core/version.ts';
import { parseResults, type PointRecord } from './results.ts';
import { selectShard, shardFileName, shardIndexOfFile, shardOfPosition, type Shard } from './shard.ts';
import { shardArgv, shellQuote } from './slurm.ts';
import { absoluteElfPaths, readSweepSpec } from './sweep-spec.ts';
import { expandSpec, runPoints, type RunPointsOptions, type SweepPoint } from './sweep.ts';
import { deterministicSummary } from './summary.ts';

export const SPEC_FILE = 'spec.json';
export const POINTS_FILE = 'points.jsonl';
export const PLAN_FILE = 'sweep.json';
export const RESULTS_FILE = 'results.jsonl';

export const PLAN_SCHEMA = 'morphsim.sharded-sweep/1';
export const PLANNED_POINT_SCHEMA = 'morphsim.planned-point/1';

/** How to start morphsim again, as absolute paths: the shard commands and merge hints use it. */
export interface Launcher {
  readonly node: string;
  readonly morphsim: string;
}

export interface SweepPlan {
  readonly schema: typeof PLAN_SCHEMA;
  /** The frozen spec (absolute). */
  readonly spec: string;
  /** The spec the plan was made from (absolute). */
  readonly source: string;
  readonly shards: number;
  readonly points: number;
  readonly version: string;
  readonly launcher: Launcher;
}

/** One line of points.jsonl. */
export interface PlannedPoint {
  readonly schema: typeof PLANNED_POINT_SCHEMA;
  readonly key: string;
  readonly index: number;
  readonly shard: number;
  readonly workload: string;
  readonly params: SweepPoint['params'];
}

const readText = (path: string, what: string): string => readInput(path, what).toString('utf8');

/** A JSON file of a sweep directory; unreadable or malformed is a one-line error. */
export function readJson(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} ${path} is not valid JSON`);
  }
}

/** The plan and planned points of a sweep directory; a clear error when it holds none. */
export function readPlan(dir: string): { plan: SweepPlan; points: PlannedPoint[] } {
  const planPath = join(dir, PLAN_FILE);
  if (!existsSync(planPath)) {
    throw new UsageError(`${dir} holds no sharded sweep (no ${PLAN_FILE}): start one with 'morphsim sweep SPEC --shard i/K --out ${dir}' or '--slurm'`);
  }
  const plan = readJson(planPath, 'sweep plan') as SweepPlan;
  if (plan?.schema !== PLAN_SCHEMA) throw new UsageError(`${planPath}: not a ${PLAN_SCHEMA} file`);
  const text = readText(join(dir, POINTS_FILE), 'planned points');
  const points = text.split('\n').filter(Boolean).map((line, i) => {
    let p: PlannedPoint;
    try {
      p = JSON.parse(line) as PlannedPoint;
    } catch {
      throw new UsageError(`${join(dir, POINTS_FILE)}:${i + 1}: not a JSON line`);
    }
    if (p?.schema !== PLANNED_POINT_SCHEMA) throw new UsageError(`${join(dir, POINTS_FILE)}:${i + 1}: not a ${PLANNED_POINT_SCHEMA} record`);
    return p;
  });
  if (points.length !== plan.points) throw new UsageError(`${join(dir, POINTS_FILE)} lists ${points.length} points, ${PLAN_FILE} says ${plan.points}`);
  return { plan, points };
}

/**
 * Expands the spec and makes sure `dir` holds the plan for exactly these points in `shards`
 * shards: writes it when absent (several shards starting at once write the same bytes, each
 * file atomically), and refuses a directory planned for other points or another shard count,
 * so results of two different sweeps are never mixed. `shards` undefined: the existing plan's
 * count, or `defaultShards` for a new plan.
 */
export function preparePlan(
  dir: string, specPath: string, shards: number | undefined, launcher: Launcher, defaultShards: (points: number) => number = () => 1,
): { plan: SweepPlan; points: SweepPoint[] } {
  const absDir = resolve(dir);
  const source = resolve(specPath);
  const frozen = absoluteElfPaths(readSweepSpec(source), dirname(source));
  const points = expandSpec(frozen);
  if (existsSync(join(absDir, PLAN_FILE))) {
    const { plan, points: planned } = readPlan(absDir);
    if (shards !== undefined && plan.shards !== shards) {
      throw new UsageError(`${dir} was planned as ${plan.shards} shards, not ${shards}: use --shards ${plan.shards} (--shard i/${plan.shards}) or another --out`);
    }
    const same = planned.length === points.length && planned.every((p, i) => p.key === points[i]!.key);
    if (!same) {
      throw new UsageError(`${dir} holds another sweep: its points differ from ${specPath}'s (spec, ELF or morphsim version changed); use another --out`);
    }
    return { plan, points };
  }
  const k = shards ?? defaultShards(points.length);
  const plan: SweepPlan = {
    schema: PLAN_SCHEMA, spec: join(absDir, SPEC_FILE), source, shards: k, points: points.length, version: VERSION, launcher,
  };
  try {
    mkdirSync(absDir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create ${dir}: ${fsReason(e)}`);
  }
  writeFileAtomic(join(absDir, SPEC_FILE), JSON.stringify(frozen, null, 2) + '\n');
  const lines = points.map((p): PlannedPoint => ({
    schema: PLANNED_POINT_SCHEMA, key: p.key, index: p.index, shard: shardOfPosition(p.index, k), workload: p.workload.name, params: p.params,
  }));
  writeFileAtomic(join(absDir, POINTS_FILE), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  // Written last: its presence means the plan is complete.
  writeFileAtomic(join(absDir, PLAN_FILE), JSON.stringify(plan, null, 2) + '\n');
  return { plan, points };
}

/** The shard files present in `dir` and the records each holds (an unterminated last line is ignored). */
function readShardFiles(dir: string): { index: number; file: string; records: PointRecord[]; partialTailBytes: number }[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const index = shardIndexOfFile(name);
      return index === undefined ? [] : [{ index, file: join(dir, name) }];
    })
    .sort((a, b) => a.index - b.index)
    .map(({ index, file }) => ({ index, file, ...parseResults(readText(file, 'results'), file) }));
}

/**
 * Runs one shard's points into `shard-i.jsonl`. `retryFailed` first drops that shard's
 * failed records (rewriting the file whole), so that resuming runs those points again.
 */
export async function runShard(
  dir: string, specPath: string, shard: Shard, launcher: Launcher,
  opts: Pick<RunPointsOptions, 'jobs' | 'onProgress' | 'signal'> & { resume: boolean; retryFailed: boolean },
): Promise<{ points: SweepPoint[]; records: PointRecord[]; outFile: string }> {
  const { points } = preparePlan(dir, specPath, shard.count, launcher);
  const mine = selectShard(points, shard);
  const outFile = join(resolve(dir), shardFileName(shard.index));
  if (opts.retryFailed && existsSync(outFile)) {
    const kept = parseResults(readText(outFile, 'results'), outFile).records.filter((r) => r.status !== 'failed');
    writeFileAtomic(outFile, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
  const records = await runPoints(mine, { ...opts, outFile, resume: opts.resume || opts.retryFailed });
  return { points: mine, records, outFile };
}

/**
 * A worker that crashed says nothing about its point (the host may be to blame): like
 * `--resume`, the merge counts the point as missing, and a re-run runs it again.
 */
const isCrash = (r: PointRecord): boolean => r.error?.kind === 'crash';

/** A planned point without a usable result. */
export interface PointIssue {
  readonly point: PlannedPoint;
  /** The failed record; for a missing point, the crash record if its worker crashed. */
  readonly record?: PointRecord;
}

export interface MergeReport {
  readonly plan: SweepPlan;
  readonly outFile: string;
  /** What results.jsonl holds, in expansion order. */
  readonly records: readonly PointRecord[];
  readonly total: number;
  readonly ok: number;
  readonly missing: readonly PointIssue[];
  readonly failed: readonly PointIssue[];
  /** Points with two successful records whose statistics differ: determinism is broken. */
  readonly conflicts: readonly PlannedPoint[];
  /** Records whose key is not a point of this sweep. */
  readonly unknown: number;
  /** Extra identical records of a point (a shard run twice at once), dropped. */
  readonly duplicates: number;
  /** Shard files that end in an unterminated line (a task killed while writing it). */
  readonly partialTails: readonly string[];
  /** Shell commands that run the missing and failed points again, one per shard. */
  readonly rerun: readonly string[];
}

const sameResult = (a: PointRecord, b: PointRecord): boolean =>
  JSON.stringify(a.summary && deterministicSummary(a.summary)) === JSON.stringify(b.summary && deterministicSummary(b.summary)) &&
  a.outputSha256 === b.outputSha256;

/** The command that re-runs shard `index` of the sweep in `dir` (resuming it; retrying its failures). */
export function shardCommand(plan: SweepPlan, dir: string, index: number, retryFailed: boolean): string {
  const words = shardArgv({ ...plan.launcher, spec: plan.spec, dir: resolve(dir) }, String(index), plan.shards);
  return [...words, ...(retryFailed ? ['--retry-failed'] : [])].map(shellQuote).join(' ');
}

/**
 * Gathers the shard files of `dir` into `results.jsonl` (written whole): for each planned
 * point, in expansion order, its successful record, or else its last failed one. Reports
 * what is missing or failed, with the commands that run just those shards again.
 */
export function mergeShards(dir: string): MergeReport {
  const { plan, points } = readPlan(dir);
  const planned = new Map(points.map((p) => [p.key, p]));
  const byKey = new Map<string, PointRecord[]>();
  let unknown = 0;
  const partialTails: string[] = [];
  const crashed = new Map<string, PointRecord>();
  for (const f of readShardFiles(dir)) {
    if (f.partialTailBytes > 0) partialTails.push(f.file);
    for (const r of f.records) {
      if (!planned.has(r.key)) { unknown++; continue; }
      if (isCrash(r)) { crashed.set(r.key, r); continue; }
      let list = byKey.get(r.key);
      if (!list) byKey.set(r.key, (list = []));
      list.push(r);
    }
  }
  const chosen: PointRecord[] = [];
  const missing: PointIssue[] = [];
  const failed: PointIssue[] = [];
  const conflicts: PlannedPoint[] = [];
  let duplicates = 0;
  for (const p of points) {
    const list = byKey.get(p.key) ?? [];
    const oks = list.filter((r) => r.status === 'ok');
    if (list.length === 0) { missing.push({ point: p, ...(crashed.has(p.key) ? { record: crashed.get(p.key)! } : {}) }); continue; }
    if (oks.length > 0) {
      if (oks.some((r) => !sameResult(r, oks[0]!))) conflicts.push(p);
      duplicates += oks.length - 1;
      chosen.push(oks[0]!);
    } else {
      const last = list[list.length - 1]!;
      failed.push({ point: p, record: last });
      chosen.push(last);
    }
  }
  const outFile = join(resolve(dir), RESULTS_FILE);
  writeFileAtomic(outFile, chosen.map((r) => JSON.stringify(r) + '\n').join(''));
  const shardsMissing = new Set(missing.map((m) => m.point.shard));
  const shardsFailed = new Set(failed.map((m) => m.point.shard));
  const rerun = [...new Set([...shardsMissing, ...shardsFailed])].sort((a, b) => a - b)
    .map((s) => shardCommand(plan, dir, s, shardsFailed.has(s)));
  return {
    plan, outFile, records: chosen, total: points.length, ok: chosen.length - failed.length, missing, failed, conflicts, unknown, duplicates, partialTails, rerun,
  };
}

/** Shards with at least one planned point that has no record (ok or failed, not crashed) yet. */
export function incompleteShards(dir: string): number[] {
  const { points } = readPlan(dir);
  const done = new Set(readShardFiles(dir).flatMap((f) => f.records.filter((r) => !isCrash(r)).map((r) => r.key)));
  const out = new Set<number>();
  for (const p of points) if (!done.has(p.key)) out.add(p.shard);
  return [...out].sort((a, b) => a - b);
}
