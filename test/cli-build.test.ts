// The shipped CLI: `npm run build` bundles the TypeScript into dist/, and bin/morphsim.mjs runs
// that bundle only while it is fresh — built from the sources exactly as they are now — and
// otherwise the sources through tsx. Checked on the real build, and on a miniature checkout
// whose bundle and sources say which of them ran.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../cli/version.ts';
import { buildAll, ENTRIES } from '../scripts/build.mjs';
import { freshBundle, stamp } from '../scripts/dist.mjs';
import { ensureBuilt, repoPath, spawnCli } from './helpers/run-cli.ts';

let tmp = '';
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'morphsim-build-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run build', () => {
  it('bundles every entry with our sources only: npm packages (binaryen among them) stay imports', () => {
    const out = join(tmp, 'dist');
    const m = buildAll({ outdir: out });
    expect(m.entries).toEqual(Object.keys(ENTRIES));
    const inputs = Object.keys(m.inputs);
    expect(inputs).toContain('cli/main.ts');
    expect(inputs).toContain('sim-microarch/inorder.ts');
    expect(inputs.filter((f) => f.includes('node_modules'))).toEqual([]);
    for (const [f, s] of Object.entries(m.inputs)) expect(s, f).toEqual(stamp(repoPath(f)));
    const bundle = readFileSync(join(out, 'cli.mjs'), 'utf8');
    expect(bundle).toMatch(/from "commander"/);
    expect(bundle).not.toMatch(/tsx/);
  });

  it('the built CLI runs without tsx and reports the package version', () => {
    const bundle = ensureBuilt();
    expect(bundle).toBe(repoPath('dist/cli.mjs'));
    const r = spawnCli(['--version']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `${VERSION}\n`, '']);
    // The bundle on its own, with no loader at all.
    const direct = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const { main } = await import(${JSON.stringify(bundle)}); process.exitCode = await main(['config', '--json']);`], { encoding: 'utf8' });
    expect(direct.status, direct.stderr).toBe(0);
    const params = (JSON.parse(direct.stdout) as { params: { name: string }[] }).params.map((p) => p.name);
    expect(params).toContain('inorder.engine');
  });
});

describe('bin/morphsim.mjs chooses the bundle only while it is fresh', () => {
  // A miniature checkout: the real bin/ and scripts/dist.mjs, a "bundle" and a "source" that
  // each print their name, and a build.json made from the source's stamp.
  let root = '';
  const source = () => join(root, 'cli/main.ts');
  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(root, 'bin/morphsim.mjs')], { encoding: 'utf8', env: { ...process.env, MORPHSIM_FROM_SOURCE: '', ...env } });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  beforeAll(() => {
    root = join(tmp, 'mini');
    for (const d of ['bin', 'scripts', 'cli', 'dist']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(repoPath('bin/morphsim.mjs'), join(root, 'bin/morphsim.mjs'));
    copyFileSync(repoPath('scripts/dist.mjs'), join(root, 'scripts/dist.mjs'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    symlinkSync(repoPath('node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(source(), 'export async function main(): Promise<number> { console.log("source"); return 0; }\n');
    writeFileSync(join(root, 'dist/cli.mjs'), 'export async function main() { console.log("bundle"); return 0; }\n');
    writeFileSync(join(root, 'dist/build.json'), JSON.stringify({ schema: 1, entries: ['cli'], inputs: { 'cli/main.ts': stamp(source()) } }));
  });

  it('fresh: the bundle; MORPHSIM_FROM_SOURCE=1: the sources', () => {
    expect(freshBundle('cli', root)).toBe(join(root, 'dist/cli.mjs'));
    expect(freshBundle('worker', root)).toBeUndefined(); // not an entry of this build
    expect(run()).toBe('bundle\n');
    expect(run({ MORPHSIM_FROM_SOURCE: '1' })).toBe('source\n');
  });

  it('a source touched (same bytes, new mtime) or edited (same mtime, other size): the sources', () => {
    const s = stamp(source())!;
    utimesSync(source(), new Date(), new Date(s.mtimeMs + 5000));
    expect(freshBundle('cli', root)).toBeUndefined();
    expect(run()).toBe('source\n');
    // Recorded again, as a rebuild would: fresh.
    const manifest = (): string => JSON.stringify({ schema: 1, entries: ['cli'], inputs: { 'cli/main.ts': stamp(source()) } });
    writeFileSync(join(root, 'dist/build.json'), manifest());
    expect(run()).toBe('bundle\n');
    // Same mtime as recorded but another size: edited.
    const now = stamp(source())!;
    writeFileSync(join(root, 'dist/build.json'), JSON.stringify({ schema: 1, entries: ['cli'], inputs: { 'cli/main.ts': { size: now.size + 1, mtimeMs: now.mtimeMs } } }));
    expect(freshBundle('cli', root)).toBeUndefined();
    writeFileSync(join(root, 'dist/build.json'), manifest());
    expect(freshBundle('cli', root)).toBe(join(root, 'dist/cli.mjs'));
  });

  it('no build.json, or a bundle missing: the sources', () => {
    rmSync(join(root, 'dist/cli.mjs'));
    expect(freshBundle('cli', root)).toBeUndefined();
    rmSync(join(root, 'dist/build.json'));
    expect(freshBundle('cli', root)).toBeUndefined();
    expect(run()).toMatch(/source\n$/);
  });
});
