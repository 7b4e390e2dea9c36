// Sweeps survive points that never answer: a point past its wall-clock limit is recorded as
// `timeout` and its worker replaced; a worker that dies in the middle of a point is recorded
// as `crash`; the other points complete either way, and resume re-runs crashes always,
// timeouts only with retryFailed. No wall-clock assertion: a guest that loops forever either
// times out or hangs the test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readResults } from '../reports/results.ts';
import { TEST_EXIT_ENV } from '../reports/sweep-worker.ts';
import { expandSpec, runPoints, sweep, type PointRecord } from '../reports/sweep.ts';
import { assemble, TOHOST } from './helpers/guest-asm-program.ts';
import { repoPath, runCli, ROOT } from './helpers/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'morphsim-sweep-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A guest that never exits: with this instruction limit only the timeout can stop it.
// mhello exits at once.
const FOREVER = 1e15;
const SPIN = join(tmp, 'spin.elf');
writeFileSync(SPIN, assemble(['_start: addi a0, a0, 1', 'j _start', ...TOHOST]).bytes);
const spec = { workloads: [SPIN, repoPath('workloads/bin/mhello.elf')], maxInstret: FOREVER, axes: { 'vliw.width': [2] } };

const kinds = (rs: readonly PointRecord[]): [string, string | undefined][] => rs.map((r) => [r.workload.name, r.error?.kind]);

describe('a point past its timeout', () => {
  const points = expandSpec(spec, { baseDir: ROOT });
  const outFile = join(tmp, 'timeout.jsonl');

  it('is recorded as timeout, its worker is replaced, and the other points complete', async () => {
    // One worker: mhello can only run if the hung worker was terminated and replaced. The
    // limit comes from the spec here (the CLI test below gives it as an option).
    const { records: rs } = await sweep({ ...spec, pointTimeout: 1 }, { baseDir: ROOT, jobs: 1, outFile });
    expect(kinds(rs)).toEqual([['spin', 'timeout'], ['mhello', undefined]]);
    expect(rs[0]).toMatchObject({ status: 'failed', summary: null, outputSha256: null, error: { message: 'no result after 1 s (point timeout); its worker was stopped' } });
    expect(rs[1]!.status).toBe('ok');
    expect(readResults(outFile).records).toEqual(rs);
  });

  it('is kept by resume, and run again with retryFailed', async () => {
    const ran: PointRecord[] = [];
    const kept = await runPoints(points, { jobs: 1, outFile, resume: true, pointTimeout: 1, onProgress: (p) => { if (p.record) ran.push(p.record); } });
    expect(ran).toEqual([]);
    expect(kinds(kept)).toEqual([['spin', 'timeout'], ['mhello', undefined]]);
    const retried = await runPoints(points, { jobs: 1, outFile, retryFailed: true, pointTimeout: 1, onProgress: (p) => { if (p.record) ran.push(p.record); } });
    expect(kinds(ran)).toEqual([['spin', 'timeout']]);
    expect(retried[1]).toEqual(kept[1]);
    // One line per point: the old timeout line was dropped, not repeated.
    expect(kinds(readResults(outFile).records)).toEqual([['mhello', undefined], ['spin', 'timeout']]);
  });

  it('rejects a timeout that is not a positive number of seconds', async () => {
    for (const t of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2_000_001]) {
      await expect(runPoints(points, { pointTimeout: t })).rejects.toThrow(`pointTimeout must be a positive number of seconds up to 2000000, got ${t}`);
    }
  });
});

describe('a worker that dies in the middle of a point', () => {
  afterEach(() => { delete process.env[TEST_EXIT_ENV]; });

  it('is recorded as a crash, the other points complete, and resume runs it again', async () => {
    const points = expandSpec({ workloads: ['workloads/bin/mhello.elf'], axes: { 'vliw.width': [2, 4, 8] } }, { baseDir: ROOT });
    const outFile = join(tmp, 'mid-crash.jsonl');
    process.env[TEST_EXIT_ENV] = points[1]!.key;
    const rs = await runPoints(points, { jobs: 1, outFile });
    expect(rs.map((r) => r.error)).toEqual([null, { kind: 'crash', message: 'worker died: worker exited with code: 86' }, null]);
    delete process.env[TEST_EXIT_ENV];
    const ran: number[] = [];
    const again = await runPoints(points, { jobs: 1, outFile, resume: true, onProgress: (p) => { if (p.record) ran.push(p.record.index); } });
    expect(ran).toEqual([1]);
    expect(again.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(again[1]!.summary!.config).toEqual(points[1]!.config);
    expect(readResults(outFile).records.map((r) => r.index).sort()).toEqual([0, 1, 2]);
  });
});

describe('morphsim sweep --point-timeout', () => {
  it('records the hung point, finishes the others, and exits 0', async () => {
    const specFile = join(tmp, 'hang.json');
    writeFileSync(specFile, JSON.stringify({ ...spec, workloads: spec.workloads }));
    const out = join(tmp, 'hang-out');
    const r = await runCli(['sweep', specFile, '--out', out, '--jobs', '1', '--point-timeout', '1', '--no-report']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('spin vliw.width=2: failed (timeout): no result after 1 s (point timeout); its worker was stopped');
    expect(kinds(readResults(join(out, 'results.jsonl')).records)).toEqual([['spin', 'timeout'], ['mhello', undefined]]);
  });

  it('a shard takes the limit from the frozen spec, and the merge lists the point as failed', async () => {
    const specFile = join(tmp, 'hang-shards.json');
    writeFileSync(specFile, JSON.stringify({ ...spec, pointTimeout: 1 }));
    const dir = join(tmp, 'hang-shards');
    expect((await runCli(['sweep', specFile, '--shard', '0/1', '--out', dir, '--jobs', '1', '-q'])).code).toBe(0);
    expect(kinds(readResults(join(dir, 'shard-0.jsonl')).records)).toEqual([['spin', 'timeout'], ['mhello', undefined]]);
    const m = await runCli(['sweep', '--merge', dir, '--no-report']);
    expect(m.code).toBe(0);
    expect(m.stderr).toMatch(/failed {2}\w+ spin vliw\.width=2: timeout: no result after 1 s/);
    expect(m.stderr).toMatch(/--shard 0\/1 .* --resume --retry-failed$/m);
  });

  it('rejects a bad timeout, in the spec or as an option, in one line', async () => {
    const specFile = join(tmp, 'bad-timeout.json');
    writeFileSync(specFile, JSON.stringify({ ...spec, workloads: spec.workloads, pointTimeout: 0 }));
    const r = await runCli(['sweep', specFile, '--out', join(tmp, 'never')]);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/^morphsim: .*bad-timeout\.json: pointTimeout: .*\n$/) });
    const f = await runCli(['sweep', specFile, '--out', join(tmp, 'never'), '--point-timeout', 'soon']);
    expect(f).toMatchObject({ code: 2, stderr: "morphsim: --point-timeout expects a positive number of seconds up to 2000000, got 'soon'\n" });
  });
});
