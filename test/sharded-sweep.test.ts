// Sharded sweeps without Slurm: `--shard i/K` runs, driven by a plain loop, merge into the
// same results as one local sweep; a shard killed part-way is named by the merge together
// with a command that, run verbatim, completes it; failed points are retried on request;
// duplicates and conflicting results are told apart; a directory is never shared by two
// sweeps or two shard counts; `--slurm --dry-run` writes the job script without Slurm.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, type PointRecord } from '../reports/results.ts';
import { readPlan } from '../reports/sharded-sweep.ts';
import { deterministicSummary } from '../reports/summary.ts';
import { expandSpec, sweep } from '../reports/sweep.ts';
import { repoPath, runCli } from './helpers/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'morphsim-shards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => join(tmp, name);

/** 2 tiny workloads × 2 × 2 = 8 points. */
const small = {
  workloads: [repoPath('workloads/bin/mtraps.elf'), repoPath('workloads/bin/mhello.elf')],
  mode: 'translate',
  axes: { 'vliw.width': [2, 4], 'tier.threshold': [5, 50] },
};
writeFileSync(at('small.json'), JSON.stringify(small));

const deterministic = (r: PointRecord) => ({ ...r, summary: r.summary && deterministicSummary(r.summary) });

describe('a loop over --shard i/4, then --merge', () => {
  let merged: { code: number; stderr: string };
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      const r = await runCli(['sweep', at('small.json'), '--shard', `${i}/4`, '--out', at('loop'), '--jobs', '1', '-q']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    merged = await runCli(['sweep', '--merge', at('loop')]);
  });

  it('each shard file holds its own points: two each, every point once', () => {
    const { points } = readPlan(at('loop'));
    for (let i = 0; i < 4; i++) {
      const keys = readResults(at(`loop/shard-${i}.jsonl`)).records.map((r) => r.key).sort();
      expect(keys).toEqual(points.filter((p) => p.shard === i).map((p) => p.key).sort());
      expect(keys).toHaveLength(2);
    }
  });

  it('the merge is complete, in expansion order, and equals the sweep run in one piece', async () => {
    expect(merged.stderr).toBe(`morphsim: merged 8 of 8 points into ${at('loop/results.jsonl')}; complete\n`);
    expect(merged.code).toBe(0);
    const records = readResults(at('loop/results.jsonl')).records;
    const whole = await sweep(small, { jobs: 2 });
    expect(records.map((r) => r.key)).toEqual(whole.points.map((p) => p.key));
    expect(records.map(deterministic)).toEqual(whole.records.map(deterministic));
    expect(existsSync(at('loop/report.html'))).toBe(true);
  });

  it('the directory keeps a frozen spec with absolute ELF paths, which expands to the same points', () => {
    const frozen = JSON.parse(readFileSync(at('loop/spec.json'), 'utf8'));
    expect(frozen.workloads).toEqual(small.workloads);
    expect(expandSpec(frozen).map((p) => p.key)).toEqual(expandSpec(small).map((p) => p.key));
  });

  it('identical duplicate records are dropped and said so; differing ones are a conflict (exit 1)', async () => {
    const line = readFileSync(at('loop/shard-0.jsonl'), 'utf8').split('\n')[0]!;
    appendFileSync(at('loop/shard-1.jsonl'), `${line}\n`);
    const dup = await runCli(['sweep', '--merge', at('loop')]);
    expect(dup.code).toBe(0);
    expect(dup.stderr).toContain('dropped 1 duplicate record(s)');
    const rec = JSON.parse(line) as PointRecord;
    const forged = { ...rec, summary: { ...rec.summary!, cycles: rec.summary!.cycles + 1 } };
    appendFileSync(at('loop/shard-2.jsonl'), `${JSON.stringify(forged)}\n`);
    const bad = await runCli(['sweep', '--merge', at('loop')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`conflict: point ${rec.key}`);
  });
});

describe('a shard killed part-way', () => {
  // One shard of 4 points of a few hundred thousand instructions each, one worker.
  const spec = { workloads: [{ elf: repoPath('workloads/bin/sort.elf'), args: ['300'] }], mode: 'translate', axes: { 'vliw.width': [2, 3, 4, 8] } };
  writeFileSync(at('kill.json'), JSON.stringify(spec));
  const out = at('killed');

  it('is named by the merge with a command that, run as printed, completes it', async () => {
    const child = spawn(process.execPath, [repoPath('bin/morphsim.mjs'), 'sweep', at('kill.json'), '--shard', '0/1', '--out', out, '--jobs', '1', '-q'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    // Kill it as soon as its first point is on disk (three are still to run).
    const shardFile = join(out, 'shard-0.jsonl');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(shardFile) && readFileSync(shardFile, 'utf8').includes('\n')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const done = readResults(shardFile).records.length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(4);

    const m = await runCli(['sweep', '--merge', out]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`merged ${done} of 4 points into ${join(out, 'results.jsonl')}; ${4 - done} missing; INCOMPLETE`);
    const { points } = readPlan(out);
    const have = new Set(readResults(shardFile).records.map((r) => r.key));
    for (const p of points) expect(m.stderr.includes(`missing ${p.key}`)).toBe(!have.has(p.key));
    // Not a Slurm sweep: no re-submission is suggested.
    expect(m.stderr).not.toContain('--slurm');
    const command = /^morphsim: {3}(.* --shard 0\/1 .*)$/m.exec(m.stderr)?.[1];
    expect(command).toMatch(/--resume$/);
    const rerun = spawnSync('bash', ['-c', command!], { encoding: 'utf8', timeout: 60_000 });
    expect(rerun.status).toBe(0);

    const again = await runCli(['sweep', '--merge', out]);
    expect(again.stderr).toContain('merged 4 of 4 points');
    expect(again.code).toBe(0);
    expect(readResults(shardFile).records).toHaveLength(4);
  });
});

describe('failed points', () => {
  // sort rejects a size of 0 with exit code 2: a point that fails the same way every time.
  const spec = { workloads: [{ elf: repoPath('workloads/bin/sort.elf'), args: ['0'] }, repoPath('workloads/bin/mhello.elf')], mode: 'interp', axes: { 'vliw.width': [2] } };
  writeFileSync(at('fail.json'), JSON.stringify(spec));
  const out = at('failing');

  it('are results: the merge is complete (exit 0) but names them and the command that retries them', async () => {
    expect((await runCli(['sweep', at('fail.json'), '--shard', '0/2', '--out', out, '-q'])).code).toBe(0);
    expect((await runCli(['sweep', at('fail.json'), '--shard', '1/2', '--out', out, '-q'])).code).toBe(0);
    const m = await runCli(['sweep', '--merge', out]);
    expect(m.code).toBe(0);
    expect(m.stderr).toContain('merged 2 of 2 points');
    expect(m.stderr).toContain('(1 failed); complete');
    expect(m.stderr).toMatch(/failed {2}\w+ sort 0 vliw\.width=2: exit: the guest exited with code 2/);
    const command = /^morphsim: {3}(.* --shard 0\/2 .* --resume --retry-failed)$/m.exec(m.stderr)?.[1];
    expect(command).toBeDefined();

    // Retrying runs the point again (the same failure) and keeps one record of it.
    const before = readFileSync(join(out, 'shard-0.jsonl'), 'utf8');
    const rerun = spawnSync('bash', ['-c', command!], { encoding: 'utf8', timeout: 60_000 });
    expect(rerun.stderr).toContain('1 points (1 failed)');
    expect(rerun.status).toBe(0);
    const after = readResults(join(out, 'shard-0.jsonl')).records;
    expect(after).toHaveLength(1);
    expect(deterministic(after[0]!)).toEqual(deterministic(JSON.parse(before) as PointRecord));
  });
});

describe('a point whose worker crashed', () => {
  it('counts as missing (a crash says nothing about the point), and resuming the shard runs it again', async () => {
    const dir = at('crashed');
    for (const i of [0, 1]) expect((await runCli(['sweep', at('small.json'), '--shard', `${i}/2`, '--out', dir, '-q', '--jobs', '1'])).code).toBe(0);
    const file = join(dir, 'shard-1.jsonl');
    const [first, ...rest] = readResults(file).records;
    const crash: PointRecord = { ...first!, status: 'failed', error: { kind: 'crash', message: 'worker died: out of memory' }, outputSha256: null, summary: null };
    writeFileSync(file, [crash, ...rest].map((r) => `${JSON.stringify(r)}\n`).join(''));

    const m = await runCli(['sweep', '--merge', dir]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('merged 7 of 8 points');
    expect(m.stderr).toContain(`missing ${first!.key} ${first!.workload.name}`);
    expect(m.stderr).toContain('(its worker crashed: worker died: out of memory)');
    expect(m.stderr).toMatch(/--shard 1\/2 --out \S+ --resume\n/);

    expect((await runCli(['sweep', at('small.json'), '--shard', '1/2', '--out', dir, '--resume', '-q'])).code).toBe(0);
    const again = await runCli(['sweep', '--merge', dir]);
    expect(again.stderr).toContain('merged 8 of 8 points');
    expect(again.code).toBe(0);
    expect(deterministic(readResults(file).records.find((r) => r.key === first!.key)!)).toEqual(deterministic(first!));
  });
});

describe('bad use is one line and exit 2', () => {
  it.each([
    [['sweep', '--merge', '/nonexistent-dir'], /holds no sharded sweep/],
    [['sweep', 'x.json', '--merge', '/tmp'], /--merge \/tmp takes no spec/],
    [['sweep', 'x.json'], /--out DIR is required/],
    [['sweep'], /missing the sweep spec/],
    [['sweep', 'x.json', '--out', '/tmp/x', '--partition', 'p'], /--partition only apply to --slurm/],
    [['sweep', 'x.json', '--out', '/tmp/x', '--slurm', '--shard', '0/2'], /--slurm and --shard cannot be combined/],
    [['sweep', 'x.json', '--out', '/tmp/x', '--shard', '2/2'], /--shard 2\/2: i must be between 0 and K-1 = 1/],
    [['sweep', 'x.json', '--out', '/tmp/x', '--retry-failed'], /--retry-failed applies to --shard/],
    [['sweep', 'x.json', '--out', '/tmp/x', '--slurm', '--jobs', '4'], /--jobs does not apply to --slurm/],
    [['sweep', 'x.json', '--out', '/tmp/x', '--slurm', '--shards', '0'], /--shards expects an integer between 1 and/],
  ])('%j', async (argv, msg) => {
    const r = await runCli(argv);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).toMatch(/^morphsim: [^\n]+\n$/);
    expect(r.code).toBe(2);
  });

  it('a sweep directory is not shared by another shard count or another sweep', async () => {
    const dir = at('guarded');
    expect((await runCli(['sweep', at('small.json'), '--shard', '0/4', '--out', dir, '-q', '--jobs', '1'])).code).toBe(0);
    const k = await runCli(['sweep', at('small.json'), '--shard', '0/3', '--out', dir, '-q']);
    expect(k.stderr).toMatch(/was planned as 4 shards, not 3: use --shards 4 \(--shard i\/4\) or another --out/);
    expect(k.code).toBe(2);
    writeFileSync(at('other.json'), JSON.stringify({ ...small, axes: { 'vliw.width': [8] } }));
    const o = await runCli(['sweep', at('other.json'), '--shard', '0/4', '--out', dir, '-q']);
    expect(o.stderr).toMatch(/holds another sweep: its points differ/);
    expect(o.code).toBe(2);
  });
});

describe('--slurm --dry-run', () => {
  it('writes the plan and the job script and prints it, without Slurm', async () => {
    const dir = at('dry');
    const r = await runCli(['sweep', at('small.json'), '--slurm', '--shards', '3', '--time', '5', '--dry-run', '--out', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const script = readFileSync(join(dir, 'sweep.sbatch'), 'utf8');
    expect(r.stdout.startsWith(script)).toBe(true);
    expect(script).toContain('#SBATCH --array=0-2');
    expect(script).toContain('#SBATCH --time=5');
    expect(script).toContain(`${repoPath('bin/morphsim.mjs')} sweep ${join(dir, 'spec.json')} --shard "\${SLURM_ARRAY_TASK_ID}/3" --out ${dir} --resume`);
    expect(r.stdout).toContain(`# --dry-run: not submitted; to submit: sbatch --array=0-2 ${join(dir, 'sweep.sbatch')}`);
    expect(readPlan(dir).plan.shards).toBe(3);
    expect(existsSync(join(dir, 'slurm.json'))).toBe(false);
  });
});
