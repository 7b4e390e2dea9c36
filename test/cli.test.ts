// The `morphsim` command line as users and scripts see it: every bad input is one line on
// stderr and exit code 2; a run prints the guest's output and returns its exit code; the
// result files (--json, --stats-json, --log-commits) hold what they promise and are never
// half-written; `config` and `disasm` print what they document; runs are deterministic.
// Most checks call main() in-process (fast); a few spawn bin/morphsim.mjs to see what a shell sees.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { buildElf, words } from './helpers/elf-builder.ts';
import { ROOT, loadWorkloads, repoPath, runCli, spawnCli, type CliResult } from './helpers/run-cli.ts';

const MHELLO = repoPath('workloads/bin/mhello.elf');
const LOOPS = repoPath('workloads/bin/loops.elf');
const SMC = repoPath('workloads/bin/smc.elf');
const workloads = loadWorkloads();
const golden = (name: string) => workloads.find((w) => w.name === name)!;

let tmp = '';
const at = (name: string) => join(tmp, name);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'morphsim-cli-'));
  const elf = readFileSync(MHELLO);
  writeFileSync(at('truncated.elf'), elf.subarray(0, 100));
  const elf64 = Buffer.from(elf);
  elf64[4] = 2; // EI_CLASS = ELFCLASS64
  writeFileSync(at('elf64.elf'), elf64);
  writeFileSync(at('invalid.json'), '{"vliw.width": 4,');
  writeFileSync(at('array.json'), '[["vliw.width", 4]]');
  // A user program that exits with status 42, encoded by hand (RV32I base formats):
  writeFileSync(at('exit42.elf'), buildElf({
    entry: 0x10000,
    segments: [{
      vaddr: 0x10000,
      data: words(
        0x02a00513, // addi a0, zero, 42
        0x05d00893, // addi a7, zero, 93   (Linux exit)
        0x00000073, // ecall
      ),
    }],
    symbols: [{ name: '_start', value: 0x10000, size: 12 }],
  }).bytes);
});
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

/** One line on stderr, prefixed, no stack trace, nothing on stdout, exit 2. */
function expectUsageError(r: CliResult, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^morphsim: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
}

/** A run summary without its wall-clock fields: what determinism promises to repeat. */
function deterministicPart(summary: Record<string, unknown>): Record<string, unknown> {
  const { wallSeconds: _w, mips: _m, ...rest } = summary;
  return rest;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;

describe('bad input: one line on stderr and exit code 2', () => {
  const width = paramRegistry.spec('vliw.width');
  if (width?.type !== 'int') throw new Error('vliw.width is expected to be an int parameter');

  const cases: [string, () => string[], RegExp][] = [
    ['unknown option', () => ['run', '--frobnicate', MHELLO], /unknown option '--frobnicate'/],
    ['misspelled option (with the suggestion)', () => ['run', '--mdoe', 'interp', MHELLO], /unknown option '--mdoe'.*--mode/],
    ['unknown command (with the suggestion)', () => ['rnu', MHELLO], /unknown command 'rnu'.*\brun\b/],
    ['no command at all', () => [], /missing command.*run/],
    ['missing ELF argument', () => ['run'], /missing required argument 'elf'/],
    ['missing ELF argument to disasm', () => ['disasm'], /missing required argument 'elf'/],
    ['nonexistent file', () => ['run', at('nope.elf')], /nope\.elf: no such file/],
    ['a directory', () => ['run', tmp], /is a directory/],
    ['not an ELF (package.json)', () => ['run', repoPath('package.json')], /package\.json: not an ELF/],
    ['not an ELF, to disasm', () => ['disasm', repoPath('package.json')], /not an ELF/],
    ['truncated ELF (first 100 bytes)', () => ['run', at('truncated.elf')], /truncated\.elf: truncated/],
    ['64-bit ELF', () => ['run', at('elf64.elf')], /64-bit/],
    ['--set with a typo names the closest key', () => ['run', '--set', 'vliw.widht=4', MHELLO], /unknown parameter 'vliw\.widht'.*'vliw\.width'/],
    ['--set typo to config', () => ['config', '--set', 'tier.treshold=3'], /unknown parameter 'tier\.treshold'.*'tier\.threshold'/],
    ['--set out of range names the range', () => ['run', '--set', 'vliw.width=0', MHELLO],
      new RegExp(`vliw\\.width.*\\[${width.min}, ${width.max}\\]`)],
    ['--set not a number', () => ['run', '--set', 'vliw.width=wide', MHELLO], /vliw\.width: expected a number.*"wide"/],
    ['--set without =', () => ['run', '--set', 'vliw.width', MHELLO], /--set expects key=value, got 'vliw\.width'/],
    ['--config missing file', () => ['run', '--config', at('none.json'), MHELLO], /none\.json: no such file/],
    ['--config invalid JSON', () => ['run', '--config', at('invalid.json'), MHELLO], /invalid\.json is not valid JSON/],
    ['--config not an object', () => ['run', '--config', at('array.json'), MHELLO], /array\.json must hold a JSON object/],
    ['--config with foreign keys (package.json)', () => ['run', '--config', repoPath('package.json'), MHELLO], /unknown parameter 'name'/],
    ['--threshold abc', () => ['run', '--threshold', 'abc', MHELLO], /--threshold expects a non-negative integer, got 'abc'/],
    ['--threshold 0 is below the parameter range', () => ['run', '--threshold', '0', MHELLO], /tier\.threshold: 0 is outside/],
    ['--max-instret -1', () => ['run', '--max-instret', '-1', MHELLO], /--max-instret expects a non-negative integer/],
    ['--mode fast', () => ['run', '--mode', 'fast', MHELLO], /'fast' is invalid.*interp, translate, optimize/],
    ['--log-commits with translate mode', () => ['run', '--mode', 'translate', '--log-commits', at('c.log'), MHELLO], /--log-commits needs.*--mode interp/],
    ['--set ibtc.entries not a multiple of ibtc.ways', () => ['run', '--set', 'ibtc.entries=10', MHELLO], /parameter ibtc\.entries: 10 is not a multiple of ibtc\.ways \(4\)/],
    ['--stats-json with interp mode', () => ['run', '--mode', 'interp', '--stats-json', at('s.json'), MHELLO], /--stats-json.*--mode translate/],
    ['--verify lockstep with interp mode', () => ['run', '--mode', 'interp', '--verify', 'lockstep', MHELLO], /--verify lockstep/],
    ['--json to a directory', () => ['run', '--json', tmp, MHELLO], /--json .*: is a directory/],
    ['a machine ELF on the user platform', () => ['run', '--platform', 'user', MHELLO], /mhello\.elf: the image reaches/],
  ];

  it.each(cases)('%s', async (_label, argv, message) => {
    expectUsageError(await runCli(argv()), message);
  });

  it('refused runs leave no output files behind', () => {
    // Every case above ran against `tmp`; none may have created c.log, s.json or a temp file.
    expect(readdirSync(tmp).sort()).toEqual(['array.json', 'elf64.elf', 'exit42.elf', 'invalid.json', 'truncated.elf']);
  });

  it('--json into a nonexistent directory fails before the run and writes nothing', async () => {
    const r = await runCli(['run', '--json', at('no-such-dir/out.json'), MHELLO]);
    expectUsageError(r, /--json .*no-such-dir\/out\.json: cannot write into .*: no such directory/);
    expect(existsSync(at('no-such-dir'))).toBe(false); // and the guest did not run: stdout is empty (checked above)
  });

  it('a run that fails after opening the commit log leaves no partial log', async () => {
    // The ELF loads only after the log is opened; a user ELF on the machine platform fails there.
    const r = await runCli(['run', '--mode', 'interp', '--platform', 'machine', '--log-commits', at('partial.log'), LOOPS]);
    expectUsageError(r, /lies outside the machine's RAM/);
    expect(readdirSync(tmp).filter((f) => f.startsWith('partial'))).toEqual([]);
  });

  it('--max-instret stops a long workload with exit code 3 and says so', async () => {
    const json = at('limit.json');
    const r = await runCli(['run', '-q', '--mode', 'interp', '--max-instret', '1000', '--json', json, LOOPS]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('morphsim: stopped after 1000 instructions (--max-instret 1000); the guest did not exit\n');
    const s = readJson(json);
    expect([s['stop'], s['instret'], s['exitCode']]).toEqual(['limit', 1000, null]);
    rmSync(json);

    // Translated code stops at a block boundary, at or after the limit.
    const t = await runCli(['run', '-q', '--max-instret', '1000', LOOPS]);
    expect(t.code).toBe(3);
    expect(t.stderr).toMatch(/^morphsim: stopped after \d+ instructions \(--max-instret 1000\); the guest did not exit\n$/);
  });
});

describe('run: the guest output and exit code', () => {
  it.each(workloads)('$name (interpreter)', async (w) => {
    const r = await runCli(['run', '-q', '--mode', 'interp', w.elf, ...w.args]);
    expect(r.stdout).toBe(w.expectedOut);
    expect(r.code).toBe(w.expectedCode);
    expect(r.code).toBe(w.expectedExitCode);
    expect(r.stderr).toBe(''); // -q, and no workload writes to stderr
  });

  // mtimer runs in the default mode under 'determinism' below.
  it.each(workloads.filter((w) => w.platform === 'machine' && w.name !== 'mtimer'))('$name (default mode: the full pipeline)', async (w) => {
    const r = await runCli(['run', '-q', w.elf, ...w.args]);
    expect(r.stdout).toBe(w.expectedOut);
    expect(r.code).toBe(w.expectedCode);
  });

  it('passes a non-zero guest exit status through (hand-made ELF exiting 42)', async () => {
    for (const mode of ['interp', 'translate']) {
      const r = await runCli(['run', '-q', '--mode', mode, '--threshold', '1', at('exit42.elf')]);
      expect(r.code).toBe(42);
      expect(r.stdout).toBe('');
    }
  });

  it('prints a two-line summary on stderr unless -q', async () => {
    const r = await runCli(['run', '--mode', 'interp', MHELLO]);
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^morphsim: interp on machine: 1604 insns, \d+ cycles, IPC [\d.]+, [\d.]+ MIPS/);
    expect(lines[1]).toMatch(/^morphsim: cycles: interpret 100\.0%$/);
  });
});

describe('run --json: the summary', () => {
  let summary: Record<string, any>;
  let interpInstret = 0;
  let stats: Record<string, any>;
  let configNames: string[];

  beforeAll(async () => {
    const ref = await runCli(['run', '-q', '--mode', 'interp', '--json', at('smc-interp.json'), SMC]);
    expect(ref.code).toBe(0);
    interpInstret = readJson(at('smc-interp.json'))['instret'];
    // An existing result file is replaced, not overwritten in place: a second name for its
    // old inode keeps the old content when the writer renames a new file over it.
    writeFileSync(at('smc.json'), 'old');
    linkSync(at('smc.json'), at('smc-old-link.json'));
    const r = await runCli(['run', '-q', '--json', at('smc.json'), '--stats-json', at('smc-stats.json'), SMC]);
    expect(r.code).toBe(0);
    summary = readJson(at('smc.json'));
    stats = readJson(at('smc-stats.json'));
    configNames = (JSON.parse((await runCli(['config', '--json'])).stdout) as { params: { name: string }[] }).params.map((p) => p.name);
  });

  it('is written whole, by rename, with no temporary left behind', () => {
    expect(readFileSync(at('smc-old-link.json'), 'utf8')).toBe('old');
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('has the schema, the guest result and the engine', () => {
    expect(summary['schema']).toBe('morphsim.run/1');
    expect(summary['exitCode']).toBe(golden('smc').expectedCode);
    expect(summary['stop']).toBe('exit');
    expect(summary['mode']).toBe('optimize');
    expect(summary['platform']).toBe('user');
    // The reference interpreter is the specification: the same number of retired instructions.
    expect(summary['instret']).toBe(interpInstret);
  });

  it('has cycles, IPC and a breakdown whose categories sum exactly to the cycles', () => {
    const cycles = summary['cycles'] as number;
    expect(Number.isSafeInteger(cycles) && cycles > 0).toBe(true);
    expect(summary['ipc']).toBe(summary['instret'] / cycles);
    const parts = Object.values(summary['breakdown'] as Record<string, number>);
    expect(parts.length).toBeGreaterThan(3);
    for (const v of parts) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(cycles);
    expect(summary['breakdown']['translate']).toBeGreaterThan(0); // the default mode did translate
  });

  it('has wall-clock time and MIPS', () => {
    const wall = summary['wallSeconds'] as number;
    expect(wall).toBeGreaterThan(0);
    expect(summary['mips']).toBeCloseTo(summary['instret'] / wall / 1e6, 6);
  });

  it('holds the whole resolved configuration: every `morphsim config --json` name', () => {
    expect(Object.keys(summary['config']).sort()).toEqual([...configNames].sort());
    for (const { name, spec } of paramRegistry.entries) expect(summary['config'][name], name).toBe(spec.default);
  });

  it('has provenance: version, ELF hash, configuration hash', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
    const p = summary['provenance'];
    expect(p['version']).toBe(pkg.version);
    expect(p['elfSha256']).toBe(createHash('sha256').update(readFileSync(SMC)).digest('hex'));
    expect(p['configHash']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('the configuration hash follows the configuration, and --set lands in config', async () => {
    const run = async (extra: string[], name: string) => {
      expect((await runCli(['run', '-q', '--mode', 'interp', ...extra, '--json', at(name), MHELLO])).code).toBe(0);
      return readJson(at(name));
    };
    const a = await run([], 'h1.json');
    const b = await run([], 'h2.json');
    const c = await run(['--set', 'cms.interpretCost=31'], 'h3.json');
    expect(b['provenance']['configHash']).toBe(a['provenance']['configHash']);
    expect(c['provenance']['configHash']).not.toBe(a['provenance']['configHash']);
    expect(c['config']['cms.interpretCost']).toBe(31);
    expect(c['cycles']).toBeGreaterThan(a['cycles']);
  });

  it('reports the indirect-branch predictor (ibtc.*, ras.*), which predicted smc\'s calls and returns', () => {
    const s = summary['stats'] as Record<string, number>;
    for (const name of ['ibtc.hits', 'ibtc.misses', 'ibtc.fills', 'ibtc.hitRate', 'ras.pushes', 'ras.hits', 'ras.mispredicts', 'ras.overflows', 'ras.accuracy']) {
      expect(typeof s[name], name).toBe('number');
    }
    expect(s['ras.hits']).toBeGreaterThan(0);
    expect(s['ibtc.hits']).toBeGreaterThan(0);
    expect(s['ibtc.hitRate']).toBe(s['ibtc.hits']! / (s['ibtc.hits']! + s['ibtc.misses']!));
  });

  it('--stats-json lists translations with guest pc ranges and symbols', () => {
    expect(stats['schema']).toBe('morphsim.translations/1');
    const ts = stats['translations'] as Record<string, any>[];
    expect(ts.length).toBeGreaterThan(0);
    expect(ts.length).toBe(summary['stats']['morph.translationsMade']);
    const hex = /^0x[0-9a-f]{8}$/;
    for (const t of ts) {
      expect(t['guestStart']).toMatch(hex);
      expect(t['guestEnd']).toMatch(hex);
      expect(parseInt(t['guestEnd'], 16)).toBeGreaterThan(parseInt(t['guestStart'], 16));
      expect(t['guestInsns']).toBeGreaterThan(0);
    }
    // smc's hot code is in main and in the functions it patches; at least main was translated.
    const symbols = new Set(ts.map((t) => String(t['symbol']).replace(/\+0x[0-9a-f]+$/, '')));
    expect(symbols.has('main')).toBe(true);
  });
});

describe('run --log-commits', () => {
  /** e_entry and the instruction word there, read from the file's headers (gABI ELF32 layout). */
  function entryWord(path: string): { entry: number; word: number } {
    const b = readFileSync(path);
    const entry = b.readUInt32LE(24);
    const phoff = b.readUInt32LE(28);
    for (let i = 0; i < b.readUInt16LE(44); i++) {
      const ph = phoff + i * b.readUInt16LE(42);
      const [offset, vaddr, filesz] = [b.readUInt32LE(ph + 4), b.readUInt32LE(ph + 8), b.readUInt32LE(ph + 16)];
      if (b.readUInt32LE(ph) === 1 && entry >= vaddr && entry < vaddr + filesz) return { entry, word: b.readUInt32LE(offset + entry - vaddr) };
    }
    throw new Error(`${path}: entry point outside every PT_LOAD segment`);
  }

  it.each([['interp'], ['inorder']])('writes one Spike-style line per retired instruction (%s)', async (engine) => {
    const log = at(`commits-${engine}.log`);
    const json = at(`commits-${engine}.json`);
    const engineFlags = engine === 'inorder' ? ['--core', 'inorder'] : ['--mode', 'interp'];
    const r = await runCli(['run', '-q', ...engineFlags, '--log-commits', log, '--json', json, MHELLO]);
    expect(r.code).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(readJson(json)['instret']);
    for (const l of lines) expect(l).toMatch(/^core {3}0: 3 0x[0-9a-f]{8} \(0x[0-9a-f]{8}\)/);
    const { entry, word } = entryWord(MHELLO);
    const hex8 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
    expect(lines[0]!.startsWith(`core   0: 3 ${hex8(entry)} (${hex8(word)})`)).toBe(true);
  });
});

describe('config and disasm', () => {
  it('config prints every parameter', async () => {
    const r = await runCli(['config']);
    expect(r.code).toBe(0);
    for (const { name } of paramRegistry.entries) expect(r.stdout).toMatch(new RegExp(`^  ${name.replace(/\./g, '\\.')} `, 'm'));
  });

  it('config --json parses and matches the registry', async () => {
    const r = await runCli(['config', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { schema: string; params: { name: string; type: string; default: unknown; value: unknown; unit: string; doc: string }[] };
    expect(j.schema).toBe('morphsim.config/1');
    expect(j.params.map((p) => p.name)).toEqual(paramRegistry.entries.map((e) => e.name));
    for (const [i, { spec }] of paramRegistry.entries.entries()) {
      const p = j.params[i]!;
      expect([p.type, p.default, p.value, p.unit, p.doc]).toEqual([spec.type, spec.default, spec.default, spec.unit, spec.doc]);
    }
  });

  it('config shows a --set value next to its default', async () => {
    const width = paramRegistry.spec('vliw.width')!;
    const other = width.default === 8 ? 4 : 8;
    const r = await runCli(['config', '--set', `vliw.width=${other}`]);
    expect(r.stdout).toMatch(new RegExp(`^  vliw\\.width +${other} \\(default ${String(width.default)}\\)`, 'm'));
    const j = JSON.parse((await runCli(['config', '--json', '--set', `vliw.width=${other}`])).stdout) as { params: { name: string; value: unknown }[] };
    expect(j.params.find((p) => p.name === 'vliw.width')!.value).toBe(other);
  });

  it('disasm prints symbols and decodes known instructions', async () => {
    const r = await runCli(['disasm', MHELLO]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^80000000 <_start>:$/m);
    expect(r.stdout).toMatch(/^[0-9a-f]{8} <main>:$/m);
    // 0x00005197: opcode 0x17 AUIPC, rd = bits 11:7 = 3 (gp), imm[31:12] = 5.
    expect(r.stdout).toMatch(/^80000000:\t00005197\tauipc gp, 0x5$/m);
    // 0x02a00513 in the hand-made ELF: addi a0, zero, 42; then ecall.
    const e = await runCli(['disasm', at('exit42.elf')]);
    expect(e.stdout).toBe('00010000 <_start>:\n   10000:\t02a00513\taddi a0, zero, 42\n   10004:\t05d00893\taddi a7, zero, 93\n   10008:\t00000073\tecall\n');
  });
});

describe('determinism', () => {
  /** Two runs of the default mode (the full pipeline), each checked against the golden output. */
  async function twice(name: string): Promise<[Record<string, any>, Record<string, any>]> {
    const w = golden(name);
    const out: Record<string, any>[] = [];
    for (const k of [1, 2]) {
      const [json, statsJson] = [at(`det-${name}-${k}.json`), at(`det-${name}-${k}-stats.json`)];
      const r = await runCli(['run', '-q', '--json', json, '--stats-json', statsJson, w.elf, ...w.args]);
      expect([r.code, r.stdout]).toEqual([w.expectedCode, w.expectedOut]);
      out.push({ summary: deterministicPart(readJson(json)), translations: readJson(statsJson) });
    }
    return [out[0]!, out[1]!];
  }

  it('self-modifying code: the same cycles, breakdown, stats and translations', async () => {
    const [a, b] = await twice('smc');
    expect(a['summary']['stats']['morph.invalidations']).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('timer interrupts: the same cycles, breakdown, stats and translations', async () => {
    const [a, b] = await twice('mtimer');
    expect(a['summary']['stats']['morph.interrupts']).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});

describe('end to end: bin/morphsim.mjs as a shell runs it', () => {
  it('runs a workload: guest output on stdout, summary on stderr, exit 0', () => {
    const r = spawnCli(['run', MHELLO]);
    expect(r.stdout).toBe(golden('mhello').expectedOut);
    expect(r.stderr).toMatch(/^morphsim: optimize on machine: 1604 insns/);
    expect(r.code).toBe(0);
  });

  it('exit codes: the guest status, 2 for bad input, 3 for the instruction limit', () => {
    expect(spawnCli(['run', '-q', at('exit42.elf')]).code).toBe(42);
    const bad = spawnCli(['run', '--set', 'vliw.widht=4', MHELLO]);
    expect([bad.code, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr).toMatch(/^morphsim: unknown parameter 'vliw\.widht' \(did you mean 'vliw\.width'\?\)[^\n]*\n$/);
    const limit = spawnCli(['run', '-q', '--mode', 'interp', '--max-instret', '1000', LOOPS]);
    expect([limit.code, limit.stderr]).toEqual([3, 'morphsim: stopped after 1000 instructions (--max-instret 1000); the guest did not exit\n']);
  });

  it('a reader that closes the pipe early ends the command quietly (SIGPIPE convention, 141)', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; node bin/morphsim.mjs disasm workloads/bin/malloc.elf | head -n 1`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/^[0-9a-f]{8} <\w+>:\n$/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(141);
  });

  it('a fresh checkout runs `npx morphsim` with no build step', (ctx) => {
    const git = (args: string[], cwd = ROOT) => spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 60_000 });
    if (git(['rev-parse', '--is-inside-work-tree']).stdout.trim() !== 'true') ctx.skip('not a git checkout');
    const clone = at('checkout');
    const c = git(['clone', '--quiet', '--no-checkout', ROOT, clone]);
    expect(c.status, c.stderr).toBe(0);
    // Exactly the committed tree; dependencies as `npm ci` would install them.
    expect(git(['checkout', '--quiet', 'HEAD'], clone).status).toBe(0);
    symlinkSync(repoPath('node_modules'), join(clone, 'node_modules'), 'dir');
    const r = spawnSync('npx', ['--no-install', 'morphsim', 'run', 'workloads/bin/mhello.elf'], { cwd: clone, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toMatch(/^morphsim: optimize on machine/);
    expect(r.stdout).toBe(golden('mhello').expectedOut);
    expect(r.status).toBe(0);
  });
});
