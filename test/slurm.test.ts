// `morphsim sweep --slurm` against a real Slurm (Debian's slurm-wlm and munge on this
// machine, one node, partition `debug`; .ci/slurm-up.sh starts it). A sweep of 8 points
// over 2 workloads is submitted as a 4-task job array, one task is cancelled with scancel
// while still pending (so the outcome does not depend on timing), the merge must report
// exactly that shard's points as missing and name the command that re-runs
// them, a re-submission must run only that shard, and the final merge must equal the same
// sweep run locally, statistic for statistic.
//
// Runs when a Slurm controller answers `sinfo` (test/helpers/slurm.ts starts it where it
// may). Under CI=true it must run: an unreachable Slurm fails the suite instead of skipping
// it. Elsewhere it skips, saying why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, type PointRecord } from '../reports/results.ts';
import { readPlan } from '../reports/sharded-sweep.ts';
import { taskOutcomes } from '../reports/slurm.ts';
import { bringUpSlurm, inCI, slurm, waitForJobs } from './helpers/slurm.ts';
import { readSlurmRecord } from '../reports/slurm-sweep.ts';
import { deterministicSummary } from '../reports/summary.ts';
import { repoPath, spawnCli } from './helpers/run-cli.ts';

const unreachable = bringUpSlurm();

describe('Slurm', () => {
  // Runs everywhere; fails only under CI=true, where the Slurm test may not be skipped.
  it('answers when CI=true', () => {
    if (unreachable !== undefined && inCI) expect.fail(`no Slurm controller answers (${unreachable}); CI must run .ci/slurm-up.sh as root first`);
  });
});

const byKey = (records: readonly PointRecord[]) => new Map(records.map((r) => [r.key, r]));
/** What determinism promises to repeat: everything but wall-clock time and MIPS. */
const deterministic = (r: PointRecord) => ({ ...r, summary: r.summary && deterministicSummary(r.summary) });

describe.skipIf(unreachable !== undefined)(`morphsim sweep --slurm on a real Slurm${unreachable ? ` (skipped: ${unreachable})` : ''}`, () => {
  let tmp = '';
  const at = (name: string) => join(tmp, name);
  let local: PointRecord[] = [];
  let jobId = '';
  let killed = -1;
  /** Every job submitted, cancelled on teardown in case a test failed while it ran. */
  const submitted: string[] = [];

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'morphsim-slurm-'));
    // 2 workloads × 2 × 2: 8 points, a few hundred thousand instructions each.
    writeFileSync(at('spec.json'), JSON.stringify({
      workloads: [{ elf: repoPath('workloads/bin/sort.elf'), args: ['300'] }, repoPath('workloads/bin/mtraps.elf')],
      mode: 'translate',
      axes: { 'vliw.width': [2, 4], 'tier.threshold': [10, 50] },
    }));
    const r = spawnCli(['sweep', at('spec.json'), '--out', at('local'), '--jobs', '2', '--no-report', '-q'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    local = readResults(at('local/results.jsonl')).records;
  });
  afterAll(() => {
    if (submitted.length) spawnSync('scancel', submitted);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the local sweep ran 8 points over 2 workloads, all ok', () => {
    expect(local).toHaveLength(8);
    expect(new Set(local.map((r) => r.workload.name))).toEqual(new Set(['sort 300', 'mtraps']));
    expect(local.every((r) => r.status === 'ok')).toBe(true);
  });

  it('submits 4 array tasks; one is cancelled with scancel; the others complete', async () => {
    // Each task takes half the node's CPUs, so at most 3 of the 4 run at once and the last
    // is still pending when it is cancelled: the kill is certain to leave its shard undone.
    const nodeCpus = Number(slurm('sinfo', ['-h', '-N', '-o', '%c']).trim().split('\n')[0]);
    const cpus = String(Math.max(1, Math.floor(nodeCpus / 2)));
    const r = spawnCli(['sweep', at('spec.json'), '--slurm', '--shards', '4', '--cpus-per-task', cpus, '--out', at('cluster')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    jobId = /^submitted job (\d+): 8 points in 4 shards/.exec(r.stdout)?.[1] ?? '';
    expect(jobId, r.stdout).not.toBe('');
    submitted.push(jobId);
    expect(r.stdout).toContain(`squeue -j ${jobId}`);
    expect(r.stdout).toContain(`sweep --merge ${at('cluster')}`);
    killed = 3;
    slurm('scancel', [`${jobId}_${killed}`]);
    await waitForJobs([jobId]);
    // Without an accounting database the controller keeps records of tasks that ran; the
    // cancelled task never started, so it has none (and no log).
    expect(taskOutcomes(jobId).map((t) => [t.taskId, t.state, t.exitCode])).toEqual([
      [0, 'COMPLETED', '0:0'], [1, 'COMPLETED', '0:0'], [2, 'COMPLETED', '0:0'],
    ]);
    expect(existsSync(at(`cluster/slurm-${jobId}_${killed}.out`))).toBe(false);
    expect(existsSync(at(`cluster/shard-${killed}.jsonl`))).toBe(false);
    expect(existsSync(at(`cluster/slurm-${jobId}_0.out`))).toBe(true);
  });

  it('the merge reports the cancelled shard\'s points as missing, names the re-run command, and exits 1', () => {
    const r = spawnCli(['sweep', '--merge', at('cluster')]);
    expect(r.code).toBe(1);
    const { plan, points } = readPlan(at('cluster'));
    const lost = points.filter((p) => p.shard === killed);
    expect(lost).toHaveLength(2);
    expect(r.stderr).toContain(`merged 6 of 8 points into ${at('cluster/results.jsonl')}; 2 missing; INCOMPLETE`);
    expect(r.stderr).toContain(`shard ${killed}/4 (Slurm task ${jobId}_${killed}: no record (cancelled before it started, or forgotten by the controller, and no accounting)):\n`);
    for (const p of lost) expect(r.stderr).toContain(`missing ${p.key}`);
    const rerun = `${process.execPath} ${repoPath('bin/morphsim.mjs')} sweep ${plan.spec} --shard ${killed}/4 --out ${at('cluster')} --resume`;
    expect(r.stderr).toContain(`  ${rerun}\n`);
    expect(r.stderr).toContain(`--slurm --out ${at('cluster')}`);
    // What was merged so far is in results.jsonl: the other shards' points, each once.
    expect(readResults(at('cluster/results.jsonl')).records.map((x) => x.key).sort())
      .toEqual(points.filter((p) => p.shard !== killed).map((p) => p.key).sort());
  });

  it('re-submitting runs only the unfinished shard; the final merge is complete and equals the local sweep', async () => {
    const r = spawnCli(['sweep', at('spec.json'), '--slurm', '--out', at('cluster')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const again = /^submitted job (\d+): 8 points in shard 3 of 4 \(the others are done\)/.exec(r.stdout)?.[1];
    expect(again, r.stdout).toBeDefined();
    submitted.push(again!);
    expect(readSlurmRecord(at('cluster'))!.submissions.map((s) => s.array)).toEqual(['0-3', '3']);
    await waitForJobs([again!]);
    expect(taskOutcomes(again!).map((t) => [t.taskId, t.state])).toEqual([[3, 'COMPLETED']]);

    const m = spawnCli(['sweep', '--merge', at('cluster')]);
    expect(m.stderr).toBe(`morphsim: merged 8 of 8 points into ${at('cluster/results.jsonl')}; complete\n`);
    expect(m.code).toBe(0);
    const merged = readResults(at('cluster/results.jsonl')).records;
    // The merge is in expansion order; a local sweep writes points as they finish.
    expect(merged.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(merged.map((x) => x.key).sort()).toEqual(local.map((x) => x.key).sort());
    const mine = byKey(merged);
    for (const l of local) expect(deterministic(mine.get(l.key)!)).toEqual(deterministic(l));
    // Each shard file holds exactly its planned points (none ran twice).
    const shardFiles = readdirSync(at('cluster')).filter((f) => /^shard-\d+\.jsonl$/.test(f)).sort();
    expect(shardFiles).toEqual(['shard-0.jsonl', 'shard-1.jsonl', 'shard-2.jsonl', 'shard-3.jsonl']);
    const lines = shardFiles.flatMap((f) => readFileSync(at(`cluster/${f}`), 'utf8').trim().split('\n'));
    expect(lines).toHaveLength(8);
    // And a third submission has nothing left to do.
    const done = spawnCli(['sweep', at('spec.json'), '--slurm', '--out', at('cluster')]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^every point of the 8 already has a result in .*: nothing to submit\n/);
  });
});
