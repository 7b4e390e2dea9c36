// Extension point: a library user registers their own pass and peephole rule, through the
// public entry point only (examples/custom-pass.ts imports nothing but ../index.ts), builds
// a pipeline with them and runs it — and morphsim's default registry stays untouched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PassRegistry } from '../index.ts';
import { runExample } from '../examples/custom-pass.ts';
import { ROOT } from './helpers/workloads.ts';

describe('user passes through the public entry point', () => {
  it('the example imports only the public entry point', () => {
    const src = readFileSync(join(ROOT, 'examples/custom-pass.ts'), 'utf8');
    expect([...src.matchAll(/from '([^']+)'/g)].map((m) => m[1])).toEqual(['../index.ts']);
  });

  it('runs the user pass and rule in a user pipeline, with the same behaviour', () => {
    const r = runExample();
    // const-fold removed the never-taken side exit and its li stays for DCE: the user pass
    // ran after it and saw the 5 instructions left.
    expect(r.seen).toBe(5);
    expect(r.rewritten).toBe(1);
    expect(r.after).toBe([
      'region 0x10000..0x10010 (4 insns)',
      '  x10 = add x11, x11',
      '  x13 = and x12, -8',
      '  exit 0x10010 [4]',
    ].join('\n'));
    expect(r.same).toBe(true);
    expect(r.pipelines).toContain('mine');
  });

  it('leaves other registries alone', () => {
    runExample();
    const fresh = PassRegistry.withDefaults();
    expect(fresh.passNames()).not.toContain('shift-to-add');
    expect(fresh.hasPipeline('mine')).toBe(false);
  });
});
