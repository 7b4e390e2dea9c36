/**
 * `morphsim sweep` beyond one machine: `--shard i/K` runs one slice of the points,
 * `--slurm` submits every slice as a Slurm job array, and `--merge DIR` gathers the slices
 * into DIR/results.jsonl (reports/sharded-sweep.ts, reports/slurm-sweep.ts). Without these
 * options the sweep runs here (cli/cmd-sweep.ts).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/fsutil.ts';
import { describePoint } from '../reports/point-label.ts';
import { mergeShards, readJson, runShard, type Launcher, type MergeReport, type PlannedPoint } from '../reports/sharded-sweep.ts';
import { parseShard } from '../reports/shard.ts';
import { shellQuote } from '../reports/slurm.ts';
import { readSlurmRecord, shardTaskStates, submitSlurmSweep } from '../reports/slurm-sweep.ts';
import { sweepReportHtml } from '../reports/sweep-report.ts';
import { prepareOutDir, sweepCommand, withProgress, type SweepFlags } from './cmd-sweep.ts';

export interface ShardFlags {
  shard?: string;
  retryFailed?: boolean;
  merge?: string;
  slurm?: boolean;
  shards?: number;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  dryRun?: boolean;
}

/** Exit code of a merge that lacks points (or found two different results for one point). */
export const INCOMPLETE = 1;

/** This checkout's morphsim, started the way the shards and the printed commands start it. */
export function launcher(): Launcher {
  return { node: process.execPath, morphsim: fileURLToPath(new URL('../bin/morphsim.mjs', import.meta.url)) };
}

const cmdLine = (l: Launcher, ...args: string[]): string => [l.node, l.morphsim, ...args].map(shellQuote).join(' ');

const SLURM_ONLY = ['shards', 'partition', 'time', 'cpusPerTask', 'dryRun'] as const;
const FLAG_NAMES: Record<(typeof SLURM_ONLY)[number], string> = {
  shards: '--shards', partition: '--partition', time: '--time', cpusPerTask: '--cpus-per-task', dryRun: '--dry-run',
};

/** The `sweep` action: picks local, shard, Slurm or merge from the options, and rejects mixtures. */
export async function sweepDispatch(spec: string | undefined, flags: SweepFlags & ShardFlags): Promise<number> {
  const modes = [flags.merge !== undefined && '--merge', flags.slurm && '--slurm', flags.shard !== undefined && '--shard'].filter(Boolean);
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined`);
  if (!flags.slurm) {
    const stray = SLURM_ONLY.filter((k) => flags[k] !== undefined);
    if (stray.length) throw new UsageError(`${stray.map((k) => FLAG_NAMES[k]).join(', ')} only apply to --slurm`);
  }
  if (flags.slurm && flags.jobs !== undefined) throw new UsageError('--jobs does not apply to --slurm: each task runs --cpus-per-task worker threads');
  if (flags.retryFailed && flags.shard === undefined) throw new UsageError('--retry-failed applies to --shard i/K');
  if (flags.merge !== undefined) {
    if (spec !== undefined) throw new UsageError(`--merge ${flags.merge} takes no spec (the sweep directory holds it)`);
    return mergeCommand(flags.merge, flags);
  }
  if (spec === undefined) throw new UsageError('missing the sweep spec: morphsim sweep SPEC.json --out DIR (or --merge DIR)');
  if (flags.out === undefined) throw new UsageError('--out DIR is required');
  if (flags.slurm) return slurmCommand(spec, flags);
  if (flags.shard !== undefined) return shardCommand(spec, flags);
  return sweepCommand(spec, flags);
}

async function shardCommand(spec: string, flags: SweepFlags & ShardFlags): Promise<number> {
  const shard = parseShard(flags.shard!);
  prepareOutDir(flags.out);
  const { result, aborted } = await withProgress(flags.quiet === true, (onProgress, signal) =>
    runShard(flags.out, spec, shard, launcher(), {
      jobs: flags.jobs, resume: flags.resume === true, retryFailed: flags.retryFailed === true, onProgress, signal,
    }));
  const { points, records, outFile } = result;
  if (aborted) {
    process.stderr.write(`morphsim: shard ${shard.index}/${shard.count} interrupted: ${records.length} of ${points.length} points in ${outFile}; --resume continues it\n`);
    return 130;
  }
  if (!flags.quiet) {
    const failed = records.filter((r) => r.status === 'failed').length;
    process.stderr.write(`morphsim: shard ${shard.index}/${shard.count}: ${records.length} points (${failed} failed) in ${outFile}\n`);
  }
  return 0;
}

function slurmCommand(spec: string, flags: SweepFlags & ShardFlags): number {
  const l = launcher();
  const r = submitSlurmSweep(spec, flags.out, l, {
    shards: flags.shards, partition: flags.partition, time: flags.time, cpusPerTask: flags.cpusPerTask, dryRun: flags.dryRun === true,
  });
  const merge = cmdLine(l, 'sweep', '--merge', r.dir);
  const out = process.stdout;
  if (r.shards.length === 0) {
    out.write(`every point of the ${r.plan.points} already has a result in ${r.dir}: nothing to submit\nmerge them: ${merge}\n`);
    return 0;
  }
  if (r.jobId === undefined) {
    out.write(r.script);
    out.write(`\n# --dry-run: not submitted; to submit: sbatch --array=${r.array} ${shellQuote(r.scriptPath)}\n`);
    return 0;
  }
  const what = r.shards.length === r.plan.shards ? `${r.plan.shards} shards` : `shard${r.shards.length > 1 ? 's' : ''} ${r.array} of ${r.plan.shards} (the others are done)`;
  out.write(
    `submitted job ${r.jobId}: ${r.plan.points} points in ${what}, script ${r.scriptPath}\n` +
    `follow it:   squeue -j ${r.jobId}   (sacct -j ${r.jobId} where accounting is enabled; logs: ${join(r.dir, 'slurm-%A_%a.out')})\n` +
    `results:     ${join(r.dir, 'shard-<i>.jsonl')}, one file per shard\n` +
    `when done:   ${merge}\n`,
  );
  return 0;
}

function mergeCommand(dir: string, flags: SweepFlags): number {
  const m = mergeShards(dir);
  const complete = m.missing.length === 0 && m.conflicts.length === 0;
  if (complete && flags.report !== false) {
    const name = (readJson(m.plan.spec, 'sweep spec') as { name?: string }).name;
    writeFileAtomic(join(resolve(dir), 'report.html'), sweepReportHtml([...m.records], { title: name ?? m.plan.source }));
  }
  process.stderr.write(mergeLines(m, dir));
  return complete ? 0 : INCOMPLETE;
}

/** What the merge found, for people: counts, then each problem with what to do about it. */
export function mergeLines(m: MergeReport, dir: string): string {
  const lines: string[] = [];
  const n = m.ok + m.failed.length;
  lines.push(`merged ${n} of ${m.total} points into ${m.outFile}` +
    (m.failed.length ? ` (${m.failed.length} failed)` : '') + (m.missing.length ? `; ${m.missing.length} missing` : '') +
    (m.missing.length === 0 && m.conflicts.length === 0 ? '; complete' : '; INCOMPLETE'));
  const label = (p: PlannedPoint): string => `${p.key} ${describePoint({ workload: { name: p.workload }, params: p.params })}`;
  const byShard = new Map<number, string[]>();
  const note = (p: PlannedPoint, text: string): void => { byShard.set(p.shard, [...(byShard.get(p.shard) ?? []), text]); };
  for (const x of m.missing) note(x.point, `missing ${label(x.point)}${x.record ? ` (its worker crashed: ${x.record.error?.message})` : ''}`);
  for (const x of m.failed) note(x.point, `failed  ${label(x.point)}: ${x.record!.error?.kind}: ${x.record!.error?.message}`);
  const states = shardTaskStates(resolve(dir), [...byShard.keys()]);
  for (const [shard, items] of [...byShard].sort((a, b) => a[0] - b[0])) {
    const state = states.get(shard);
    lines.push(`shard ${shard}/${m.plan.shards}${state ? ` (Slurm ${state})` : ''}:`);
    for (const it of items) lines.push(`  ${it}`);
  }
  if (m.rerun.length) {
    lines.push('to run just those points again, here or in any job:');
    for (const c of m.rerun) lines.push(`  ${c}`);
    if (m.missing.length && readSlurmRecord(resolve(dir))) {
      lines.push(`or re-submit the unfinished shards to Slurm: ${cmdLine(m.plan.launcher, 'sweep', m.plan.spec, '--slurm', '--out', resolve(dir))}`);
    }
  }
  for (const p of m.conflicts) lines.push(`conflict: point ${label(p)} has two successful results that differ: determinism is broken, please report it`);
  if (m.unknown) lines.push(`ignored ${m.unknown} record(s) that are not points of this sweep`);
  if (m.duplicates) lines.push(`dropped ${m.duplicates} duplicate record(s) (identical results of a point run twice)`);
  for (const f of m.partialTails) lines.push(`ignored the unfinished last line of ${f} (its task was killed while writing)`);
  return lines.map((l) => `morphsim: ${l}\n`).join('');
}
