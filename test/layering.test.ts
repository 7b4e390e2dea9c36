// Layers import downward only (DESIGN.md "Layering"). Checked from the source text so a
// violation fails here, not in review.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
/** Each layer and the layers it may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  'isa-guest': ['core'],
  // The host ISA shares the integer ALU with the guest through core/alu.ts, never isa-guest/.
  'isa-host-vliw': ['core'],
  'sim-microarch': ['core', 'isa-guest', 'isa-host-vliw'],
  morph: ['core', 'isa-guest', 'isa-host-vliw', 'sim-microarch'],
  reports: ['core', 'isa-guest', 'isa-host-vliw', 'sim-microarch', 'morph'],
  cli: ['core', 'isa-guest', 'isa-host-vliw', 'sim-microarch', 'morph', 'reports'],
  // The verification harness sees every layer, and reuses the tests' assembler and ELF writer.
  verify: ['core', 'isa-guest', 'isa-host-vliw', 'sim-microarch', 'morph', 'reports', 'test'],
};

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const re = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  const out: string[] = [];
  for (let m = re.exec(src); m; m = re.exec(src)) out.push((m[1] ?? m[2])!);
  return out;
}

describe('layering', () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only ${allowed.length ? allowed.join(', ') : 'nothing of ours'}`, () => {
      const bad: string[] = [];
      for (const file of tsFiles(join(ROOT, layer))) {
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.')) continue;
          const target = relative(ROOT, resolve(dirname(file), spec)).split('/')[0]!;
          if (target !== layer && !allowed.includes(target)) bad.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('the checker sees imports (self-test)', () => {
    expect(importsOf(join(ROOT, 'morph/config.ts'))).toContain('../sim-microarch/params.ts');
  });
});
