/**
 * Fuzz campaigns as Slurm job arrays (verify/fuzz-slurm.ts): the tasks of a campaign add up
 * to the campaign one process runs (programs and divergences, against a translator broken on
 * purpose), the job script really runs a task, the merge names what is missing with the
 * command that re-runs it, and — on the real single-node Slurm that CI starts — a submitted
 * campaign completes and merges to `N programs, 0 divergences`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../verify/campaign.ts';
import { buildMatrix, type EngineConfig } from '../verify/diff.ts';
import { mergeCampaign, readPlan, runTask, submitCampaign, taskSlice, type CampaignParams } from '../verify/fuzz-slurm.ts';
import { breakXor } from './helpers/broken-translator.ts';
import { ROOT, repoPath } from './helpers/run-cli.ts';
import { bringUpSlurm, inCI, waitForJobs } from './helpers/slurm.ts';

let tmp = '';
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'morphsim-fuzz-slurm-')); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

/** `npm run fuzz -- …` as a child process. */
function fuzz(args: readonly string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [repoPath('verify/fuzz.mjs'), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a campaign split into array tasks', () => {
  const broken: EngineConfig = { name: 'broken-xor', overrides: { 'run.mode': 'translate', 'tier.threshold': 1 }, lockstep: false, setup: breakXor };
  const matrix = [broken];
  const params: CampaignParams = { seed: 11, start: 5, count: 10, sample: 0, stormEvery: 4, userEvery: 5, shrink: false };
  const launcher = ['/n', '/f.ts'];

  it('slices the range contiguously and completely', () => {
    const plan = { start: 5, count: 10, tasks: 3 };
    const slices = [0, 1, 2].map((i) => taskSlice(plan, i));
    expect(slices).toEqual([{ from: 5, count: 3 }, { from: 8, count: 3 }, { from: 11, count: 4 }]);
  });

  it('adds up to the campaign one process runs; the merge names missing tasks until all are done', () => {
    const dir = join(tmp, 'broken');
    const sub = submitCampaign(dir, params, matrix, launcher, { tasks: 3, dryRun: true });
    expect(sub.tasks).toEqual([0, 1, 2]);
    const script = readFileSync(sub.scriptPath, 'utf8');
    expect(script).toContain('#SBATCH --array=0-2\n');
    expect(script).toContain(`exec /n /f.ts --task-of ${dir} --task "\${SLURM_ARRAY_TASK_ID}"\n`);
    runTask(dir, 0, matrix);
    runTask(dir, 2, matrix);
    const partial = mergeCampaign(dir);
    expect(partial.missing).toEqual([`task 1 (programs 8..10) has no result; re-run: /n /f.ts --task-of ${dir} --task 1`]);
    runTask(dir, 1, matrix);
    const whole = runCampaign({ ...params, matrix });
    const merged = mergeCampaign(dir);
    expect(merged.missing).toEqual([]);
    expect(merged.programs).toBe(10);
    expect(merged.divergences).toBe(whole.divergences);
    expect(merged.divergences).toBeGreaterThan(0);
    expect(merged.regressions).toHaveLength(merged.divergences);
    expect(submitCampaign(dir, params, matrix, launcher, { dryRun: true }).tasks).toEqual([]);
  });

  it('refuses another campaign in the same directory, a task out of range, another matrix', () => {
    const dir = join(tmp, 'refuse');
    submitCampaign(dir, params, matrix, launcher, { tasks: 2, dryRun: true });
    expect(() => submitCampaign(dir, { ...params, seed: 12 }, matrix, launcher, { dryRun: true })).toThrow(/holds another campaign \(seed 11, programs 5\.\.14, 2 tasks\)/);
    expect(() => runTask(dir, 2, matrix)).toThrow(/--task 2: the campaign has tasks 0\.\.1/);
    expect(() => runTask(dir, 0, [{ ...broken, name: 'other' }])).toThrow(/another configuration matrix/);
    expect(() => readPlan(join(tmp, 'nothing'))).toThrow(/no campaign\.json/);
  });
});

describe('npm run fuzz -- --slurm / --merge (the job script run by hand)', () => {
  it('writes a script whose task runs; --merge exits 1 until every task is done, then prints the totals', () => {
    const dir = join(tmp, 'script');
    const w = fuzz(['--slurm', dir, '--count', '4', '--seed', '7', '--sample', '1', '--shards', '2', '--dry-run']);
    expect(w.stderr).toBe('');
    expect(w.stdout).toBe(`wrote ${dir}/fuzz.sbatch (2 tasks; not submitted): sbatch ${dir}/fuzz.sbatch\n`);
    expect(w.code).toBe(0);
    const task = spawnSync('bash', [join(dir, 'fuzz.sbatch')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: '0' } });
    expect(task.stdout).toMatch(/^task 0: 2 programs, 0 divergences/);
    expect(task.status).toBe(0);
    const partial = fuzz(['--merge', dir]);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toBe('incomplete: 1 of 2 tasks have no result\n2 programs, 0 divergences\n');
    expect(partial.stderr).toMatch(/task 1 \(programs 2\.\.3\) has no result; re-run: \S+ \S+fuzz\.mjs --task-of \S+ --task 1\n/);
    const rerun = /re-run: (.*)\n/.exec(partial.stderr)![1]!.split(' ');
    expect(spawnSync(rerun[0]!, rerun.slice(1), { encoding: 'utf8', timeout: 120_000 }).status).toBe(0);
    const done = fuzz(['--merge', dir]);
    expect(done.stdout).toBe('4 programs, 0 divergences\n');
    expect(done.code).toBe(0);
  });

  it('bad flags and directories: one line, exit 2', () => {
    const r = fuzz(['--merge', join(tmp, 'none')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`fuzz: ${join(tmp, 'none')}: no campaign.json (not a fuzz campaign directory; start one with --slurm ${join(tmp, 'none')})\n`);
    const empty = fuzz(['--slurm', join(tmp, 'empty'), '--count', '0']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('fuzz: --count: a campaign needs at least one program\n');
    expect(existsSync(join(tmp, 'empty'))).toBe(false);
    const t = fuzz(['--task-of', join(tmp, 'script')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toBe('fuzz: --task-of needs --task <i>\n');
  });
});

const unreachable = bringUpSlurm();

describe('Slurm for fuzz campaigns', () => {
  it('answers when CI=true', () => {
    if (unreachable !== undefined && inCI) expect.fail(`no Slurm controller answers (${unreachable}); CI must run .ci/slurm-up.sh as root first`);
  });
});

describe.skipIf(unreachable !== undefined)(`npm run fuzz -- --slurm on a real Slurm${unreachable ? ` (skipped: ${unreachable})` : ''}`, () => {
  const submitted: string[] = [];
  afterAll(() => { if (submitted.length) spawnSync('scancel', submitted); });

  it('submits the tasks, which complete; the merge equals the same campaign run in one process', async () => {
    const dir = join(tmp, 'slurm');
    const args = ['--count', '4', '--seed', '9', '--sample', '1'];
    const r = fuzz(['--slurm', dir, ...args, '--shards', '2']);
    expect(r.stderr).toBe('');
    const jobId = /^submitted job (\d+): 2 tasks; follow with squeue -j \d+; then npm run fuzz -- --merge /.exec(r.stdout)?.[1];
    expect(jobId, r.stdout).toBeDefined();
    submitted.push(jobId!);
    await waitForJobs([jobId!], 180_000);
    const merged = fuzz(['--merge', dir]);
    expect(merged.stdout).toBe('4 programs, 0 divergences\n');
    expect(merged.code).toBe(0);
    const local = fuzz(args);
    expect(local.stdout).toBe('4 programs, 0 divergences\n');
    // Submitting again finds nothing left to run.
    expect(fuzz(['--slurm', dir, ...args]).stdout).toBe(`every task of ${dir} has a result: npm run fuzz -- --merge ${dir}\n`);
  }, 300_000);
});

// The matrix the CLI uses must be the one the library builds (a task refuses another).
it('the CLI plans with the library matrix', () => {
  const dir = join(tmp, 'matrix');
  expect(fuzz(['--slurm', dir, '--count', '2', '--dry-run']).code).toBe(0);
  expect(readPlan(dir).matrix).toEqual(buildMatrix().map((c) => c.name));
});
