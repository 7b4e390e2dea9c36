/**
 * Hostile inputs: files and guests that try to break morphsim rather than run on it. Each
 * must end with a clear one-line message and a defined exit code (2 bad input, 3 a guest
 * that cannot finish, the guest's own code, 128+signal for a user process Linux would kill),
 * never an internal error (70), a stack trace or a hang — in every engine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { parseElf } from '../isa-guest/elf.ts';
import { Rng } from '../verify/rng.ts';
import { buildMatrix, diffSubject, subjectOf } from '../verify/diff.ts';
import { loadFastExecutor } from '../sim-microarch/wasm-binaryen.ts';
import { assemble, exitWith, TOHOST } from './helpers/guest-asm-program.ts';
import { repoPath, runCli, type CliResult } from './helpers/run-cli.ts';

// The engine matrix has fast-executor configurations: binaryen loads once, before any machine.
beforeAll(async () => { await loadFastExecutor(); });

let tmp = '';
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'morphsim-hostile-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

let fileNo = 0;
function file(bytes: Uint8Array | string, ext = 'elf'): string {
  const p = join(tmp, `f${fileNo++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

/** What every hostile run must look like: a defined ending, no crash, no trace. */
function expectClean(r: CliResult, what: string): void {
  expect(r.code, `${what}: internal error\n${r.stderr}`).not.toBe(70);
  expect(r.stderr, what).not.toMatch(/\n\s+at /);
  expect(r.stderr, what).not.toMatch(/internal error/);
}

/** One line on stderr, starting `morphsim: `. */
function expectOneLine(r: CliResult, re: RegExp): void {
  expect(r.stderr).toMatch(/^morphsim: [^\n]*\n$/);
  expect(r.stderr.trimEnd()).toMatch(re);
}

const ENGINES: readonly (readonly string[])[] = [
  ['--mode', 'interp'], ['--mode', 'translate', '--threshold', '1', '--verify', 'lockstep'], ['--mode', 'optimize'], ['--core', 'inorder'],
];

/** A user-platform program (Linux syscalls) at 0x10000. */
const userElf = (src: string): string => file(assemble(src, 0x10000).bytes);
/** A machine-platform program with the HTIF exit port. */
const machineElf = (lines: readonly string[]): string => file(assemble([...lines, ...TOHOST]).bytes);

describe('corrupted and truncated ELFs, mutated from the committed workloads', () => {
  const names = ['crc32', 'mhello', 'mtraps', 'smc'];

  it('every truncation parses or is one UsageError', () => {
    for (const n of names) {
      const bytes = readFileSync(repoPath(`workloads/bin/${n}.elf`));
      for (let len = 0; len < bytes.length; len += len < 600 ? 1 : 61) {
        try { parseElf(bytes.subarray(0, len), 'x'); } catch (e) {
          expect(e, `${n} truncated to ${len}`).toBeInstanceOf(UsageError);
          expect((e as Error).message).not.toContain('\n');
        }
      }
    }
  });

  it('mutated files run to a defined end in every engine, or are refused in one line', async () => {
    const rng = new Rng(99);
    let ran = 0;
    let refused = 0;
    for (let k = 0; k < 48; k++) {
      const name = names[k % names.length]!;
      const bytes = Buffer.from(readFileSync(repoPath(`workloads/bin/${name}.elf`)));
      // Headers, program headers, and anywhere (code and data included), a few bytes each.
      const phEnd = 52 + 32 * bytes.readUInt16LE(44);
      for (let m = rng.int(1, 4); m > 0; m--) {
        const at = rng.weighted<number>([[2, rng.int(0, 51)], [2, rng.int(52, phEnd - 1)], [3, rng.int(0, bytes.length - 1)]]);
        bytes[at] = rng.chance(0.3) ? 0xff : rng.int(0, 255);
      }
      const path = file(bytes);
      const engine = ENGINES[k % ENGINES.length]!;
      const r = await runCli(['run', path, '-q', '--max-instret', '300000', ...engine]);
      expectClean(r, `${name} mutation ${k} (${engine.join(' ')})`);
      expect(r.code, `${name} mutation ${k}: lockstep divergence\n${r.stderr}`).not.toBe(4);
      if (r.code === 2) {
        expectOneLine(r, /^morphsim: /);
        refused++;
      } else ran++;
    }
    expect(ran).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});

describe('guests that jump where nothing can be executed', () => {
  it('machine platform without a trap handler: stuck at mtvec, exit 3, in every engine', async () => {
    const elf = machineElf(['_start:', 'li t0, 0x1000', 'jalr zero, 0(t0)']);
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.code, e.join(' ')).toBe(3);
      expectOneLine(r, /the guest is stuck: it trapped \(mcause 1\) to mtvec 0x00000000, where no instruction can be fetched/);
    }
  });

  it('machine platform whose handler traps on its first instruction: stuck, exit 3, in every engine', async () => {
    const elf = machineElf(['_start:', 'la t0, handler', 'csrw mtvec, t0', 'ebreak', '.align 4', 'handler: .word 0']);
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.code, e.join(' ')).toBe(3);
      expectOneLine(r, /the guest is stuck: the first instruction of its trap handler at mtvec 0x800000[0-9a-f]{2} raises mcause 2 every time$/);
    }
  });

  it('machine platform with a handler: an instruction access fault at the unmapped or device address', async () => {
    for (const target of ['0x1000', '0x10000000', '0x02000000']) {
      const elf = machineElf([
        '_start:', 'la t0, handler', 'csrw mtvec, t0', `li t0, ${target}`, 'jalr zero, 0(t0)',
        '.align 4', 'handler:', 'csrr a0, mcause', 'csrr a1, mtval', `li a2, ${target}`, 'bne a1, a2, bad', ...exitWith('a0'),
        'bad:', 'li a0, 99', ...exitWith('a0'),
      ]);
      for (const e of ENGINES) {
        const r = await runCli(['run', elf, '-q', ...e]);
        expectClean(r, `${target} ${e.join(' ')}`);
        expect(r.code, `${target} ${e.join(' ')}`).toBe(1); // mcause 1, mtval = the target
      }
    }
  });

  it('user platform: SIGSEGV (exit 139) with one line naming the fault', async () => {
    const elf = userElf('_start:\nli t0, 0x1000\njalr ra, 0(t0)');
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.code, e.join(' ')).toBe(139);
      expectOneLine(r, /^morphsim: warning: guest killed by SIGSEGV: jump to unmapped memory \(address 0x1000\) at pc 0x1000$/m);
    }
  });

  it('user platform: load from unmapped memory, illegal instruction and ebreak are signals too', async () => {
    const cases: [string, number, RegExp][] = [
      ['li t0, 0x20\nlw a0, 0(t0)', 139, /SIGSEGV: load from unmapped memory \(address 0x20\)/],
      ['li t0, 0x20\nsw a0, 0(t0)', 139, /SIGSEGV: store to unmapped memory \(address 0x20\)/],
      ['.word 0xffffffff', 132, /SIGILL: illegal instruction/],
      ['ebreak', 133, /SIGTRAP: ebreak/],
      ['li t0, 0x10006\njalr zero, 0(t0)', 135, /SIGBUS: misaligned jump target/],
    ];
    for (const [body, code, re] of cases) {
      for (const e of ENGINES) {
        const r = await runCli(['run', userElf(`_start:\n${body}\nli a7, 93\necall`), '-q', ...e]);
        expect(r.code, `${body} ${e.join(' ')}`).toBe(code);
        expectOneLine(r, re);
      }
    }
  });
});

describe('guests that write over their own code while running from it', () => {
  // A loop whose store rewrites the addi after it (same basic block, so the same
  // translation), with and without fence.i; the trip count makes it hot at threshold 1..50.
  const patchLoop = (fence: boolean): string[] => [
    '_start:', 'li s0, 120', 'li a0, 0', 'la t0, patched', 'li t1, 0x00050513', // addi a0, a0, 0
    'loop:', 'slli t2, s0, 20', 'add t2, t2, t1', 'sw t2, 0(t0)', ...(fence ? ['fence.i'] : []),
    'patched: addi a0, a0, 0', 'addi s0, s0, -1', 'bne s0, zero, loop',
    // a0 = sum of the immediates written: 120 + 119 + ... + 1 = 7260
    'li t3, 7260', 'sub a0, a0, t3', 'sltiu a0, a0, 1', 'xori a0, a0, 1', ...exitWith('a0'),
  ];

  for (const fence of [true, false]) {
    it(`every engine sees each new instruction${fence ? ' (fence.i)' : ' (no fence.i)'}: the reference's result, exit 0`, () => {
      const s = subjectOf([...patchLoop(fence), ...TOHOST], false);
      const r = diffSubject(s, buildMatrix());
      expect(r.invalid).toBeUndefined();
      expect(r.reference.exitCode).toBe(0);
      expect(r.divergences.map((d) => `${d.config.name}: ${d.what}`)).toEqual([]);
    });
  }

  it('code overwritten with an illegal word: illegal-instruction trap (machine), SIGILL (user)', async () => {
    const machine = machineElf([
      '_start:', 'la t0, handler', 'csrw mtvec, t0', 'la t0, victim', 'li t1, -1', 'sw t1, 0(t0)', 'victim: nop',
      'li a0, 0', ...exitWith('a0'), '.align 4', 'handler:', 'csrr a0, mcause', 'addi a0, a0, 40', ...exitWith('a0'),
    ]);
    const user = userElf('_start:\nla t0, victim\nli t1, -1\nsw t1, 0(t0)\nvictim: nop\nli a0, 0\nli a7, 93\necall');
    for (const e of ENGINES) {
      expect((await runCli(['run', machine, '-q', ...e])).code, e.join(' ')).toBe(42); // mcause 2 + 40
      const r = await runCli(['run', user, '-q', ...e]);
      expect(r.code, e.join(' ')).toBe(132);
      expectOneLine(r, /SIGILL: illegal instruction \(address 0xffffffff\)/);
    }
  });
});

describe('guests that exhaust memory', () => {
  it('mmap2 until it fails: -ENOMEM after platform.mmapMiB MiB, then a normal exit', async () => {
    // count = number of 1 MiB anonymous mappings that succeed (each is touched).
    const elf = userElf([
      '_start:', 'li s0, 0',
      'more:', 'li a0, 0', 'li a1, 0x100000', 'li a2, 3', 'li a3, 0x22', 'li a4, -1', 'li a5, 0', 'li a7, 222', 'ecall',
      'li t0, -4096', 'bgeu a0, t0, done', 'sw s0, 0(a0)', 'addi s0, s0, 1', 'j more',
      'done:', 'li t0, -12', 'bne a0, t0, wrong', 'mv a0, s0', 'li a7, 93', 'ecall',
      'wrong:', 'li a0, 255', 'li a7, 93', 'ecall',
    ].join('\n'));
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', '--set', 'platform.mmapMiB=8', ...e]);
      expect(r.code, e.join(' ')).toBe(8);
    }
  });

  it('brk until it stops growing: the break stays at its limit', async () => {
    const elf = userElf([
      '_start:', 'li a0, 0', 'li a7, 214', 'ecall', 'mv s1, a0', 'li s0, 0',
      'more:', 'li t0, 0x100000', 'add a0, s1, t0', 'mv s2, a0', 'li a7, 214', 'ecall', 'bne a0, s2, done',
      'sw s0, -4(a0)', 'mv s1, a0', 'addi s0, s0, 1', 'j more',
      'done:', 'bne a0, s1, wrong', 'mv a0, s0', 'li a7, 93', 'ecall',
      'wrong:', 'li a0, 255', 'li a7, 93', 'ecall',
    ].join('\n'));
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', '--set', 'platform.mmapMiB=8', ...e]);
      expect(r.code, e.join(' ')).toBe(8);
    }
  });
});

describe('guests that overflow their stack', () => {
  it('user platform: the guard below the stack faults, SIGSEGV (exit 139), in every engine', async () => {
    const elf = userElf('_start:\nf: addi sp, sp, -16\nsw ra, 12(sp)\njal ra, f');
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', '--set', 'platform.stackKiB=64', ...e]);
      expect(r.code, e.join(' ')).toBe(139);
      expectOneLine(r, /guest killed by SIGSEGV: store to unmapped memory \(address 0x7feefffc\) at pc 0x10004$/);
    }
  });
});

describe('guests that never stop', () => {
  for (const [platform, elf] of [
    ['machine', () => machineElf(['_start:', 'loop: addi a0, a0, 1', 'j loop'])],
    ['user', () => userElf('_start:\nloop: addi a0, a0, 1\nj loop')],
  ] as const) {
    it(`${platform}: --max-instret stops them with exit 3 in every engine`, async () => {
      const path = elf();
      for (const e of ENGINES) {
        const r = await runCli(['run', path, '-q', '--max-instret', '20000', ...e]);
        expect(r.code, e.join(' ')).toBe(3);
        expectOneLine(r, /^morphsim: stopped after 2\d{4} instructions \(--max-instret 20000\); the guest did not exit$/);
      }
    });
  }
});

describe('guests that issue unknown system calls', () => {
  it('get -ENOSYS and one warning per call number, and run on', async () => {
    const elf = userElf('_start:\nli a7, 999\necall\nli a7, 999\necall\nli a7, 4242\necall\nandi a0, a0, 255\nli a7, 93\necall');
    for (const e of ENGINES) {
      const r = await runCli(['run', elf, '-q', ...e]);
      expect(r.code, e.join(' ')).toBe(218); // -ENOSYS (-38) & 0xff
      expect(r.stderr).toBe(
        'morphsim: warning: user platform: unsupported system call 999 (a7); returning -ENOSYS\n'
        + 'morphsim: warning: user platform: unsupported system call 4242 (a7); returning -ENOSYS\n');
    }
  });
});

describe('malformed configuration files', () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '', /is not valid JSON: Unexpected end of JSON input$/],
    ['truncated', '{"vliw.width": 4,', /is not valid JSON/],
    ['multi-line garbage', 'xx\nyy\nzz', /is not valid JSON: .*"xx\\nyy\\nzz"/],
    ['byte-order mark then garbage', '\uFEFFnope', /is not valid JSON/],
    ['array', '[1, 2]', /must hold a JSON object/],
    ['number', '42', /must hold a JSON object/],
    ['null', 'null', /must hold a JSON object/],
    ['unknown key', '{"vliw.widht": 4}', /unknown parameter 'vliw\.widht' \(did you mean 'vliw\.width'\?\)/],
    ['nested unknown', '{"vliw": {"width": {"x": 1}}}', /parameter vliw\.width: expected a number .*got \{"x":1\}/],
    ['wrong type', '{"vliw.width": "wide"}', /parameter vliw\.width: expected a number in \[1, 16\] atoms, got "wide"/],
    ['not an integer', '{"vliw.width": 2.5}', /expected an integer in \[1, 16\] atoms, got 2\.5/],
    ['out of range', '{"vliw.width": 1000}', /1000 is outside the valid range \[1, 16\] atoms/],
    ['too large for a double', '{"tier.threshold": 1e400}', /got Infinity$/],
    ['null value', '{"tier.threshold": null}', /got null$/],
    ['bad enum', '{"run.mode": "fast"}', /expected one of interp, translate, optimize, got "fast"/],
    ['bad bool-ish', '{"run.mode": true}', /expected one of/],
    ['prototype key', '{"__proto__": {"x": 1}}', /unknown parameter '__proto__\.x'/],
  ];
  for (const [what, text, re] of cases) {
    it(`${what}: one line, exit 2`, async () => {
      const r = await runCli(['run', '--config', file(text, 'json'), repoPath('workloads/bin/mhello.elf')]);
      expect(r.code).toBe(2);
      expectOneLine(r, re);
      expect(r.stdout).toBe('');
    });
  }

  it('a byte-order mark before valid JSON is accepted', async () => {
    const r = await runCli(['run', '-q', '--config', file('\uFEFF{"vliw.width": 2}', 'json'), repoPath('workloads/bin/mhello.elf')]);
    expect(r.code).toBe(0);
  });

  it('a directory, or no file at all', async () => {
    expectOneLine(await runCli(['run', '--config', tmp, repoPath('workloads/bin/mhello.elf')]), /cannot read config file .*: is a directory/);
    expectOneLine(await runCli(['run', '--config', join(tmp, 'nope.json'), repoPath('workloads/bin/mhello.elf')]), /no such file/);
  });
});

describe('malformed sweep specs (morphsim sweep)', () => {
  const MHELLO = repoPath('workloads/bin/mhello.elf');
  const cases: [string, string, RegExp][] = [
    ['empty', '', /sweep spec .* is not valid JSON: Unexpected end of JSON input$/],
    ['multi-line garbage', 'xx\nyy', /sweep spec .* is not valid JSON: .*"xx\\nyy"/],
    ['an array', '[1]', /\(top level\): Invalid input: expected object, received array/],
    ['no workloads', '{"workloads": [], "axes": {"vliw.width": [2]}}', /workloads: needs at least one workload/],
    ['no axes, no points', `{"workloads": ["${MHELLO}"]}`, /the sweep has no axes and no points/],
    ['a typo in an axis', `{"workloads": ["${MHELLO}"], "axes": {"vliw.widht": [2]}}`, /axes\."vliw\.widht"\[0\]: unknown parameter 'vliw\.widht' \(did you mean 'vliw\.width'\?\)/],
    ['an empty axis', `{"workloads": ["${MHELLO}"], "axes": {"vliw.width": []}}`, /an axis needs at least one value/],
    ['a scalar axis', `{"workloads": ["${MHELLO}"], "axes": {"vliw.width": 4}}`, /expected array, received number/],
    ['a point out of range', `{"workloads": ["${MHELLO}"], "points": [{"vliw.width": 99}]}`, /points\[0\]\."vliw\.width": 99 is outside the valid range/],
    ['a bad mode', `{"workloads": ["${MHELLO}"], "axes": {"vliw.width": [2]}, "mode": "fast"}`, /mode: Invalid option/],
    ['a negative limit', `{"workloads": ["${MHELLO}"], "axes": {"vliw.width": [2]}, "maxInstret": -5}`, /maxInstret: Too small/],
    ['an unknown key', `{"workloads": ["${MHELLO}"], "axes": {"vliw.width": [2]}, "extra": 1}`, /Unrecognized key: "extra"/],
    ['a missing program', '{"workloads": ["nope.elf"], "axes": {"vliw.width": [2]}}', /sweep workload nope\.elf: cannot read .*nope\.elf: no such file/],
  ];
  for (const [what, text, re] of cases) {
    it(`${what}: one line, exit 2, nothing run`, async () => {
      const out = join(tmp, `sweep-${fileNo}`);
      const r = await runCli(['sweep', file(text, 'json'), '--out', out, '--jobs', '1', '-q', '--no-report']);
      expect(r.code).toBe(2);
      expectOneLine(r, re);
    });
  }

  it('a program that never stops and one that is not an ELF are recorded as failed points; the sweep finishes', async () => {
    const loop = machineElf(['_start:', 'loop: addi a0, a0, 1', 'j loop']);
    const notElf = file('not an ELF at all');
    const out = join(tmp, 'sweep-hostile');
    const spec = file(JSON.stringify({ workloads: [loop, notElf, MHELLO], axes: { 'vliw.width': [2, 4] }, maxInstret: 20000 }), 'json');
    const r = await runCli(['sweep', spec, '--out', out, '--jobs', '1', '-q', '--no-report']);
    expectClean(r, 'sweep');
    const points = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
      workload: { elf: string }; status: string; error?: { kind: string; message: string };
    });
    expect(points).toHaveLength(6);
    const of = (elf: string) => points.filter((p) => p.workload.elf === elf);
    for (const p of of(loop)) expect([p.status, p.error?.kind, p.error?.message]).toEqual(['failed', 'limit', 'stopped after 20000 instructions (maxInstret 20000); the guest did not exit']);
    for (const p of of(notElf)) expect(p.error?.message).toMatch(/not an ELF file \(bad magic number\)$/);
    for (const p of of(MHELLO)) expect(p.status).toBe('ok');
  }, 60_000);
});
