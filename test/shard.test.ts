// Sharding a sweep and the Slurm job-array script, without Slurm: the partition is complete
// and disjoint for every K, `--shard` and `--shards` reject what they should, and the script
// that bash runs for an array task passes exactly the intended words to morphsim (checked by
// running the script with a stand-in for morphsim that prints its arguments).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayRanges, parseArrayRanges, parseShard, parseShardCount, selectShard, shardIndexOfFile, shardFileName } from '../reports/shard.ts';
import { sbatchScript, shellQuote } from '../reports/slurm.ts';

const tmp = mkdtempSync(join(tmpdir(), 'morphsim-shard-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--shard i/K', () => {
  it('parses i/K with 0 ≤ i < K', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
  });

  it.each([
    ['4/4', /i must be between 0 and K-1 = 3/],
    ['0/0', /K must be between 1 and/],
    ['1', /expects i\/K/],
    ['-1/4', /expects i\/K/],
    ['1/4x', /expects i\/K/],
    ['1.5/4', /expects i\/K/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseShard(text)).toThrow(msg);
  });

  it('--shards K rejects 0 and non-integers', () => {
    expect(parseShardCount('4')).toBe(4);
    expect(() => parseShardCount('0')).toThrow(/between 1 and/);
    expect(() => parseShardCount('two')).toThrow(/between 1 and/);
  });

  it('the K shards are disjoint, cover every point, keep expansion order, and differ in size by at most one', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 40 }), (n, k) => {
      const points = Array.from({ length: n }, (_, i) => i);
      const shards = Array.from({ length: k }, (_, i) => selectShard(points, { index: i, count: k }));
      expect(shards.flat().sort((a, b) => a - b)).toEqual(points);
      for (const s of shards) expect(s).toEqual([...s].sort((a, b) => a - b));
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }));
  });

  it('shard file names round-trip', () => {
    expect(shardFileName(12)).toBe('shard-12.jsonl');
    expect(shardIndexOfFile('shard-12.jsonl')).toBe(12);
    expect(shardIndexOfFile('shard-12.jsonl.tmp')).toBeUndefined();
    expect(shardIndexOfFile('results.jsonl')).toBeUndefined();
  });

  it('array ranges fold consecutive indexes as sbatch --array writes them', () => {
    expect(arrayRanges([0, 1, 2, 3])).toBe('0-3');
    expect(arrayRanges([3, 1, 5, 6, 7, 1])).toBe('1,3,5-7');
    expect(arrayRanges([2])).toBe('2');
  });

  it('array ranges parse back to the same indexes', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 1 }), (xs) => {
      expect(parseArrayRanges(arrayRanges(xs))).toEqual([...xs].sort((a, b) => a - b));
    }));
  });
});

describe('the sbatch script', () => {
  // A stand-in for bin/morphsim.mjs that prints the words it was given.
  const echoArgs = join(tmp, 'print-args.mjs');
  writeFileSync(echoArgs, 'console.log(JSON.stringify(process.argv.slice(2)));\n');
  const dir = join(tmp, 'out');
  const spec = join(tmp, "it's a spec; $(exit 1).json");
  const req = { shards: 4, cpusPerTask: 2, jobName: 'morphsim-sweep', partition: 'debug', time: '0:10:00' };
  const script = sbatchScript(req, { node: process.execPath, morphsim: echoArgs, spec, dir });

  it('asks Slurm for one array task per shard, with the requested resources, logging into DIR', () => {
    const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(directives).toEqual([
      '#SBATCH --job-name=morphsim-sweep',
      '#SBATCH --array=0-3',
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --partition=debug',
      '#SBATCH --time=0:10:00',
      `#SBATCH --output=${dir}/slurm-%A_%a.out`,
    ]);
  });

  it('runs `morphsim sweep SPEC --shard $SLURM_ARRAY_TASK_ID/K --out DIR --resume --jobs CPUS`, quoting every word', () => {
    const path = join(tmp, 'sweep.sbatch');
    writeFileSync(path, script);
    chmodSync(path, 0o755);
    const r = spawnSync('bash', [path], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '2', SLURM_CPUS_PER_TASK: '2' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['sweep', spec, '--shard', '2/4', '--out', dir, '--resume', '--jobs', '2']);
  });

  it('omits what the site should decide, and rejects values a directive cannot carry', () => {
    const plain = sbatchScript({ shards: 1, cpusPerTask: 1, jobName: 'j' }, { node: '/n', morphsim: '/m', spec: '/s', dir: '/d' });
    expect(plain).not.toMatch(/--partition|--time/);
    expect(() => sbatchScript({ ...req, partition: 'a b' }, { node: '/n', morphsim: '/m', spec: '/s', dir: '/d' })).toThrow(/--partition 'a b': Slurm directives cannot hold/);
    expect(() => sbatchScript(req, { node: '/n', morphsim: '/m', spec: '/s', dir: '/my dir' })).toThrow(/--output/);
  });

  it('shell quoting survives bash for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\0')), (s) => {
      const r = spawnSync('bash', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(s);
    }), { numRuns: 60 });
  });
});
