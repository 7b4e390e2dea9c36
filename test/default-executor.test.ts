// The fast executor is the default (run.executor), and binaryen, which it needs, is loaded
// only where a configuration needs it: createMachine loads it, the synchronous constructor
// without it fails with one line naming both fixes (never a silent fallback to the reference
// executor), and the CLI loads it for translated runs only. What binaryen's absence does is
// checked in child processes: in this one, the test setup file has loaded it already.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { needsFastExecutor } from '../morph/machine.ts';
import { ensureBuilt, repoPath, ROOT } from './helpers/run-cli.ts';

const CRC32 = repoPath('workloads/bin/crc32.elf');

describe('run.executor', () => {
  it('defaults to fast', () => {
    expect(paramRegistry.defaults()['run.executor']).toBe('fast');
  });

  it('needs binaryen only where translations run on the fast executor', () => {
    const needs = (o: Record<string, unknown>): boolean => needsFastExecutor(paramRegistry.resolve(o));
    expect(needs({})).toBe(true);
    expect(needs({ 'run.mode': 'translate' })).toBe(true);
    expect(needs({ 'run.executor': 'reference' })).toBe(false);
    expect(needs({ 'run.mode': 'interp' })).toBe(false);
    expect(needs({ 'run.core': 'inorder' })).toBe(false);
    expect(needs({ 'run.core': 'inorder', 'run.executor': 'fast' })).toBe(false);
  });
});

/** What a fresh process (binaryen not loaded) sees, in the order the script does it. */
interface Fresh {
  syncError: { name: string; message: string; exitCode: number } | null;
  loadedAfterError: boolean;
  reference: { executor: string; cycles: number; instret: number; out: string };
  interpExecutor: string;
  loadedBeforeCreate: boolean;
  created: { executor: string; cycles: number; instret: number; out: string; stats: Record<string, number> };
  referenceStats: Record<string, number>;
  syncAfterLoad: string;
}

describe('building a machine in a process that has not loaded binaryen', () => {
  let fresh: Fresh;
  beforeAll(() => {
    const mod = (rel: string): string => JSON.stringify(pathToFileURL(repoPath(rel)).href);
    // As bin/morphsim.mjs does: tsx compiles our sources, then steps aside for binaryen.
    const script = `
      import { readFileSync } from 'node:fs';
      import { register } from 'tsx/esm/api';
      const unregister = register();
      const { GuestMachine, createMachine, paramRegistry, parseElf } = await import(${mod('index.ts')});
      const { isFastExecutorLoaded } = await import(${mod('sim-microarch/wasm-binaryen.ts')});
      await unregister();
      const image = parseElf(readFileSync(${JSON.stringify(CRC32)}), 'crc32.elf');
      const opts = (o, out) => ({ config: paramRegistry.resolve(o), args: ['8'], stdout: (b) => out.push(Buffer.from(b)) });
      const run = (m, out) => { const r = m.run(300000); return { executor: m.executor.name, cycles: r.cycles, instret: r.instret, out: Buffer.concat(out).toString('latin1'), stats: r.stats }; };
      const f = {};
      try { new GuestMachine(image, opts({}, [])); f.syncError = null; }
      catch (e) { f.syncError = { name: e.name, message: e.message, exitCode: e.exitCode }; }
      f.loadedAfterError = isFastExecutorLoaded();
      const refOut = [];
      const ref = run(new GuestMachine(image, opts({ 'run.executor': 'reference' }, refOut)), refOut);
      f.referenceStats = ref.stats; delete ref.stats; f.reference = ref;
      f.interpExecutor = new GuestMachine(image, opts({ 'run.mode': 'interp' }, [])).executor.name;
      f.loadedBeforeCreate = isFastExecutorLoaded();
      const out = [];
      f.created = run(await createMachine(image, opts({}, out)), out);
      f.syncAfterLoad = new GuestMachine(image, opts({}, [])).executor.name;
      process.stdout.write(JSON.stringify(f));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect(r.status, r.stderr).toBe(0);
    fresh = JSON.parse(r.stdout) as Fresh;
  }, 120_000);

  it('the synchronous constructor fails with one MorphsimError line naming both fixes, and falls back to nothing', () => {
    const e = fresh.syncError!;
    expect(e).not.toBeNull();
    expect(e.name).toBe('MorphsimError');
    expect(e.exitCode).toBe(70);
    expect(e.message).not.toMatch(/\n/);
    expect(e.message).toMatch(/await createMachine\(/);
    expect(e.message).toMatch(/await loadFastExecutor\(\)/);
    expect(e.message).toMatch(/run\.executor=reference/);
    expect(fresh.loadedAfterError).toBe(false);
  });

  it('reference and interpret-only machines build synchronously without loading binaryen', () => {
    expect(fresh.reference.executor).toBe('reference');
    expect(fresh.interpExecutor).toBe('reference');
    expect(fresh.loadedBeforeCreate).toBe(false);
  });

  it('createMachine loads binaryen and runs on the fast executor, with the reference executor\'s results', () => {
    const { stats, ...created } = fresh.created;
    expect(created.executor).toBe('fast');
    expect(created.instret).toBeGreaterThan(100_000);
    expect(created).toEqual({ ...fresh.reference, executor: 'fast' });
    expect(stats).toEqual(fresh.referenceStats);
    // Once loaded, the synchronous constructor builds fast machines too.
    expect(fresh.syncAfterLoad).toBe('fast');
  });
});

describe('morphsim run loads binaryen only for translations on the fast executor', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'morphsim-default-exec-')); ensureBuilt(); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The shipped CLI in a child process, with a hook that reports when binaryen is resolved. */
  const spawnProbed = (name: string, flags: string[]) => {
    const json = join(dir, `${name}.json`);
    const probe = join(dir, `${name}.probe`);
    const r = spawnSync(process.execPath, ['--import', repoPath('test/helpers/binaryen-probe.mjs'), repoPath('bin/morphsim.mjs'),
      'run', '-q', '--json', json, ...flags, CRC32, '--', '8'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BINARYEN_PROBE: probe } });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as { config: Record<string, unknown>; cycles: number; breakdown: unknown; stats: unknown };
    return { stdout: r.stdout, summary, loadedBinaryen: existsSync(probe) };
  };

  it('by default (fast), and not with --executor reference: same output, cycles and statistics', () => {
    const fast = spawnProbed('default', []);
    const ref = spawnProbed('reference', ['--executor', 'reference']);
    expect(fast.summary.config['run.executor']).toBe('fast');
    expect(ref.summary.config['run.executor']).toBe('reference');
    expect(fast.loadedBinaryen).toBe(true);
    expect(ref.loadedBinaryen).toBe(false);
    expect(fast.stdout).toBe(ref.stdout);
    expect(fast.summary.cycles).toBe(ref.summary.cycles);
    expect(fast.summary.breakdown).toEqual(ref.summary.breakdown);
    expect(fast.summary.stats).toEqual(ref.summary.stats);
  }, 60_000);

  it('not for an interpret-only run or the in-order core', () => {
    const interp = spawnProbed('interp', ['--mode', 'interp']);
    const inorder = spawnProbed('inorder', ['--core', 'inorder']);
    expect(interp.summary.config['run.executor']).toBe('fast');
    expect(interp.loadedBinaryen).toBe(false);
    expect(inorder.loadedBinaryen).toBe(false);
    expect(interp.stdout).toMatch(/OK\n$/);
    expect(inorder.stdout).toBe(interp.stdout);
  }, 60_000);
});
