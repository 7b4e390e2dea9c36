// Sweeps: the spec is checked against the parameter registry; expansion is deterministic
// and keyed by what determines a result; points run on worker threads give exactly what an
// in-process run of the same configuration gives; failures are recorded, not fatal; a sweep
// killed part-way resumes to every point exactly once.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { resultsCsv } from '../reports/csv.ts';
import { parseResults, readResults } from '../reports/results.ts';
import { expandSpec, runPoints, sweep, type PointRecord } from '../reports/sweep.ts';
import { repoPath, runCli, ROOT } from './helpers/run-cli.ts';
import { golden, runElf } from './helpers/workloads.ts';

const tmp = mkdtempSync(join(tmpdir(), 'morphsim-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SORT = { elf: 'workloads/bin/sort.elf', args: ['300'] };
const spec = {
  workloads: [SORT, 'workloads/bin/mtraps.elf'],
  mode: 'translate',
  base: { 'tier.maxChain': 16 },
  axes: { 'vliw.width': [2, 4], 'tier.threshold': [5, 50] },
};

describe('sweep spec', () => {
  const bad = async (s: unknown): Promise<string> => {
    const f = join(tmp, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(s));
    const r = await runCli(['sweep', f, '--out', join(tmp, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
    return r.stderr;
  };

  it('names an unknown parameter, where it is, and the nearest real one', async () => {
    const e = await bad({ ...spec, workloads: [repoPath('workloads/bin/mtraps.elf')], axes: { 'vliw.widht': [2, 4] } });
    expect(e).toMatch(/axes\."vliw\.widht"\[0\]: unknown parameter 'vliw\.widht' \(did you mean 'vliw\.width'\?\)/);
  });

  it('checks values against the registry range and type', async () => {
    expect(await bad({ ...spec, workloads: [repoPath('workloads/bin/mtraps.elf')], axes: { 'vliw.width': [2, 0] } }))
      .toMatch(/axes\."vliw\.width"\[1\]: 0 is outside the valid range/);
    expect(await bad({ ...spec, workloads: [repoPath('workloads/bin/mtraps.elf')], base: { 'run.core': 'ooo' } }))
      .toMatch(/base\."run\.core": expected one of cms, inorder/);
    expect(await bad({ ...spec, workloads: [repoPath('workloads/bin/mtraps.elf')], mode: 'fast' })).toMatch(/mode: /);
  });

  it('rejects unknown keys, a missing workload file and an empty grid', async () => {
    expect(await bad({ ...spec, axis: {} })).toMatch(/Unrecognized key.*axis/i);
    expect(await bad({ ...spec, workloads: ['nope.elf'] })).toMatch(/sweep workload nope\.elf: cannot read .*no such file/);
    expect(await bad({ workloads: [repoPath('workloads/bin/mtraps.elf')] })).toMatch(/axes: the sweep has no axes and no points/);
  });
});

describe('bad output paths', () => {
  it('are one line and exit 2, before anything runs', async () => {
    const specFile = join(tmp, 'ok.json');
    writeFileSync(specFile, JSON.stringify({ workloads: [repoPath('workloads/bin/mhello.elf')], axes: { 'vliw.width': [2] } }));
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    const r = await runCli(['sweep', specFile, '--out', file]);
    expect(r).toMatchObject({ code: 2, stderr: `morphsim: --out ${file}: exists and is not a directory\n` });
    const lines = join(tmp, 'one.jsonl');
    writeFileSync(lines, '');
    const e = await runCli(['export', lines, '--csv', join(tmp, 'no-dir', 'x.csv')]);
    expect(e).toMatchObject({ code: 2, stderr: `morphsim: no results in ${lines}\n` });
  });
});

describe('expandSpec', () => {
  const points = expandSpec(spec, { baseDir: ROOT });

  it('expands workloads outermost, then the axes with the first axis outermost', () => {
    expect(points.map((p) => [p.workload.name, p.params['vliw.width'], p.params['tier.threshold']])).toEqual([
      ['sort 300', 2, 5], ['sort 300', 2, 50], ['sort 300', 4, 5], ['sort 300', 4, 50],
      ['mtraps', 2, 5], ['mtraps', 2, 50], ['mtraps', 4, 5], ['mtraps', 4, 50],
    ]);
    expect(points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('resolves each configuration through the registry (base, mode, point)', () => {
    expect(points[3]!.config).toEqual(paramRegistry.resolve({ 'tier.maxChain': 16, 'run.mode': 'translate', 'vliw.width': 4, 'tier.threshold': 50 }));
  });

  it('keys points by what determines the result, and only by that', () => {
    expect(new Set(points.map((p) => p.key)).size).toBe(8);
    // Same spec written differently (key order, mode via base): same keys.
    const again = expandSpec({ axes: { 'vliw.width': [2, 4], 'tier.threshold': [5, 50] }, base: { 'run.mode': 'translate', 'tier.maxChain': 16 }, workloads: spec.workloads }, { baseDir: ROOT });
    expect(again.map((p) => p.key)).toEqual(points.map((p) => p.key));
    // Another version, another argument, another limit: other keys.
    expect(expandSpec(spec, { baseDir: ROOT, version: '9.9.9' })[0]!.key).not.toBe(points[0]!.key);
    expect(expandSpec({ ...spec, workloads: [{ ...SORT, args: ['301'] }] }, { baseDir: ROOT })[0]!.key).not.toBe(points[0]!.key);
    expect(expandSpec({ ...spec, maxInstret: 1000 }, { baseDir: ROOT })[0]!.key).not.toBe(points[0]!.key);
  });

  it('runs an explicit point that repeats a grid point once', () => {
    const ps = expandSpec({ ...spec, points: [{ 'vliw.width': 4, 'tier.threshold': 50 }, { 'vliw.width': 8 }] }, { baseDir: ROOT });
    expect(ps).toHaveLength(10);
    expect(ps.filter((p) => p.params['vliw.width'] === 8).map((p) => [p.workload.name, p.index])).toEqual([['sort 300', 4], ['mtraps', 9]]);
    expect(ps.filter((p) => p.params['vliw.width'] === 4 && p.params['tier.threshold'] === 50)).toHaveLength(2);
  });
});

const sha256 = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');

describe('runPoints', () => {
  let records: PointRecord[];
  const outFile = join(tmp, 'lib.jsonl');

  it('runs every point on worker threads, in point order, each line whole in the file', async () => {
    const events: number[] = [];
    ({ records } = await sweep(spec, { baseDir: ROOT, jobs: 2, outFile, onProgress: (p) => events.push(p.done) }));
    expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
    expect(events).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const onDisk = readResults(outFile);
    expect(onDisk.partialTailBytes).toBe(0);
    expect(new Set(onDisk.records.map((r) => r.key))).toEqual(new Set(records.map((r) => r.key)));
  });

  it('a worker gives exactly what an in-process run of the same configuration gives', () => {
    for (const r of [records[2]!, records[5]!]) {
      const direct = runElf(relative(ROOT, r.workload.elf), r.workload.args, r.config as Record<string, unknown>);
      expect(r.summary!.cycles).toBe(direct.result.cycles);
      expect(r.summary!.stats).toEqual(direct.result.stats);
      expect(r.outputSha256).toBe(sha256(direct.stdout));
    }
  });

  it('the guest behaves the same at every point (output hash), and as its golden output', () => {
    const mtraps = records.filter((r) => r.workload.name === 'mtraps');
    expect(new Set(mtraps.map((r) => r.outputSha256))).toEqual(new Set([sha256(golden('mtraps').out)]));
    expect(new Set(records.filter((r) => r.workload.name === 'sort 300').map((r) => r.outputSha256)).size).toBe(1);
  });

  it('resume runs nothing that is already in the file', async () => {
    let ran = 0;
    const again = await runPoints(expandSpec(spec, { baseDir: ROOT }), { jobs: 2, outFile, resume: true, onProgress: (p) => { if (p.record) ran++; } });
    expect(ran).toBe(0);
    expect(again).toEqual(records);
    expect(readResults(outFile).records).toHaveLength(8);
  });

  it('refuses to write results another live sweep holds', async () => {
    const lock = `${outFile}.lock`;
    writeFileSync(lock, `${process.ppid} ${hostname()}\n`); // a process that runs: our parent
    await expect(runPoints(expandSpec(spec, { baseDir: ROOT }), { outFile, resume: true }))
      .rejects.toThrow(`is being written by process ${process.ppid} on ${hostname()}; if that sweep is not running, remove ${lock}`);
    rmSync(lock);
  });

  it('refuses to overwrite results without resume', async () => {
    await expect(runPoints(expandSpec(spec, { baseDir: ROOT }), { outFile })).rejects.toThrow(/exists: resume the sweep/);
  });

  it('records failing points with their error and goes on', async () => {
    const rs = (await sweep({
      workloads: [{ elf: 'workloads/bin/sort.elf', args: ['0'] }, 'workloads/bin/mtraps.elf'],
      mode: 'translate', maxInstret: 5000, axes: { 'vliw.width': [2] },
    }, { baseDir: ROOT, jobs: 2 })).records;
    expect(rs.map((r) => [r.status, r.error?.kind])).toEqual([['failed', 'exit'], ['failed', 'limit']]);
    expect(rs[0]!.summary!.exitCode).toBe(2);
    expect(rs[1]!.summary!.instret).toBeLessThanOrEqual(5000);
    expect(rs[1]!.error!.message).toMatch(/did not exit/);
  });

  it('a point whose ELF changed after expansion fails with that reason', async () => {
    const copy = join(tmp, 'copy.elf');
    writeFileSync(copy, readFileSync(repoPath('workloads/bin/mtraps.elf')));
    const points = expandSpec({ workloads: [copy], axes: { 'vliw.width': [2] } });
    writeFileSync(copy, readFileSync(repoPath('workloads/bin/mhello.elf')));
    const [r] = await runPoints(points, { jobs: 1 });
    expect(r!.error).toEqual({ kind: 'error', message: expect.stringMatching(/changed since the sweep was expanded/) });
  });
});

describe('a worker that dies', () => {
  it('is recorded as a crash, the sweep ends, and resume runs those points again, once each', async () => {
    const outFile = join(tmp, 'crash.jsonl');
    const points = expandSpec({ workloads: ['workloads/bin/mtraps.elf'], axes: { 'vliw.width': [2, 4] } }, { baseDir: ROOT });
    // A heap too small for the worker to even load the simulator: it dies, really.
    const crashed = await runPoints(points, { jobs: 1, outFile, resourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 } });
    expect(crashed.map((r) => r.error)).toEqual(points.map(() => ({ kind: 'crash', message: expect.stringMatching(/^worker died: .*memory/) })));
    expect(readResults(outFile).records).toHaveLength(2);
    const again = await runPoints(points, { jobs: 1, outFile, resume: true });
    expect(again.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(readResults(outFile).records.map((r) => [r.key, r.status])).toEqual(expect.arrayContaining(points.map((p) => [p.key, 'ok'])));
    expect(readResults(outFile).records).toHaveLength(2);
  });
});

describe('results files', () => {
  it('ignore an unterminated last line and reject a malformed complete one', () => {
    const line = JSON.stringify({ schema: 'morphsim.point/1', key: 'k' });
    expect(parseResults(`${line}\n{"schema":"morph`, 'r.jsonl')).toMatchObject({ records: [{ key: 'k' }], partialTailBytes: 16 });
    expect(() => parseResults(`${line}\nnot json\n`, 'r.jsonl')).toThrow('r.jsonl:2: not a JSON line');
    expect(() => parseResults('{"a":1}\n', 'r.jsonl')).toThrow('r.jsonl:1: not a morphsim.point/1 record');
  });
});

/** Lines of a file (0 when missing). */
const lineCount = (f: string): number => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').length - 1 : 0);

describe('morphsim sweep, killed and resumed', () => {
  it('ends with every point exactly once', async () => {
    const specFile = join(tmp, 'kill.json');
    // Big enough that the CLI is still busy when the first lines land; relative paths resolve from the spec's directory.
    writeFileSync(specFile, JSON.stringify({
      workloads: [{ elf: repoPath('workloads/bin/sort.elf'), args: ['1500'] }, { elf: repoPath('workloads/bin/smc.elf') }],
      mode: 'translate', axes: { 'vliw.width': [2, 4], 'tier.threshold': [10, 40] },
    }));
    const out = join(tmp, 'kill-out');
    const results = join(out, 'results.jsonl');
    const child = spawn(process.execPath, [repoPath('bin/morphsim.mjs'), 'sweep', specFile, '--out', out, '--jobs', '2'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    let finishedBeforeKill = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      if (child.exitCode !== null) { finishedBeforeKill = true; break; }
      if (lineCount(results) >= 1) { child.kill('SIGKILL'); break; }
    }
    expect(finishedBeforeKill, 'the sweep finished before it could be killed: make its points bigger').toBe(false);
    expect(await exited).toBe('SIGKILL');
    const before = readResults(results).records;
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(8);
    expect(existsSync(`${results}.lock`), 'the killed sweep left its lock').toBe(true);
    // A kill in the middle of a write leaves half a line: resume must cut it, not glue onto it.
    appendFileSync(results, '{"schema":"morphsim.point/1","key":"half');

    const r = await runCli(['sweep', specFile, '--out', out, '--jobs', '2', '--resume', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = readResults(results);
    expect(after.partialTailBytes).toBe(0);
    const keys = after.records.map((x) => x.key);
    expect(keys).toHaveLength(8);
    expect(new Set(keys)).toEqual(new Set(expandSpec(JSON.parse(readFileSync(specFile, 'utf8'))).map((p) => p.key)));
    // The points finished before the kill were kept as they were, not run again.
    expect(after.records.slice(0, before.length)).toEqual(before);
    expect(after.records.every((x) => x.status === 'ok')).toBe(true);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    // The killed sweep's lock was taken over, and the resumed one released its own.
    expect(existsSync(`${results}.lock`)).toBe(false);

    // The CSV export has one row per point, in point order, with parameters and statistics.
    const csvFile = join(tmp, 'kill.csv');
    expect((await runCli(['export', results, '--csv', csvFile])).code).toBe(0);
    const rows = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    expect(rows).toHaveLength(9);
    const head = rows[0]!.split(',');
    const cyc = head.indexOf('stat.cycles.total');
    const width = head.indexOf('param.vliw.width');
    expect(cyc).toBeGreaterThan(0);
    expect(rows.slice(1).map((l) => Number(l.split(',')[width]))).toEqual([2, 2, 4, 4, 2, 2, 4, 4]);
    const sorted = [...after.records].sort((a, b) => a.index - b.index);
    expect(rows.slice(1).map((l) => Number(l.split(',')[cyc]))).toEqual(sorted.map((x) => x.summary!.cycles));
    expect(resultsCsv(after.records)).toBe(readFileSync(csvFile, 'utf8'));
  });
});

describe('morphsim demo', () => {
  it('its bundled spec is valid and names bundled programs', async () => {
    const { DEMO_SPEC } = await import('../cli/cmd-demo.ts');
    const { readSweepSpec } = await import('../reports/sweep-spec.ts');
    const points = expandSpec(readSweepSpec(DEMO_SPEC), { baseDir: join(DEMO_SPEC, '..') });
    expect(points).toHaveLength(18);
    expect(new Set(points.map((p) => relative(ROOT, p.workload.elf)))).toEqual(new Set(['workloads/bin/sort.elf', 'workloads/bin/smc.elf', 'workloads/bin/mtraps.elf']));
  });
});
