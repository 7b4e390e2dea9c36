// Extension point: a library user supplies a retranslation policy through the public entry
// point alone (this file imports nothing else of morphsim): registered by name in a
// PolicyRegistry and selected in MachineOptions, it decides when tier-2 translations are
// re-made; the run's statistics and each translation's history show that it took effect,
// and the guest's output stays exact.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuestMachine, paramRegistry, parseElf, PolicyRegistry, type RetranslationPolicy } from '../index.ts';

const ROOT = join(import.meta.dirname, '..');

/** Re-make every speculating tier-2 translation once, after 500 executions, speculating nothing. */
const remakeOnce: RetranslationPolicy = {
  name: 'remake-once',
  description: 're-make each tier-2 translation once, without speculation',
  decide: (t) => (t.tier === 2 && t.executions >= 500 && (t.speculation.memory || t.speculation.control)
    ? { reason: 'user: remake once', speculation: { memory: false, control: false } }
    : undefined),
};

function run(policies: PolicyRegistry | undefined, policy: string | undefined) {
  const elf = 'crc32';
  const out: Uint8Array[] = [];
  const m = new GuestMachine(parseElf(readFileSync(join(ROOT, `workloads/bin/${elf}.elf`)), `${elf}.elf`), {
    config: paramRegistry.resolve({ 'run.mode': 'optimize' }),
    stdout: (b) => out.push(b.slice()),
    runtime: { policies, policy },
  });
  const result = m.run();
  expect(Buffer.concat(out).toString('utf8')).toBe(readFileSync(join(ROOT, `workloads/expected/${elf}.out`), 'utf8'));
  return { result, history: m.runtime!.tcache.history.summaries() };
}

describe('a retranslation policy supplied from outside', () => {
  it('is used when selected by name, and its decisions show in the statistics and the histories', () => {
    const policies = PolicyRegistry.withBuiltins().register(remakeOnce);
    expect(policies.names()).toContain('remake-once');
    const user = run(policies, 'remake-once');
    expect(user.result.stats['morph.retranslateOther']).toBeGreaterThan(0);
    const remade = user.history.filter((t) => t.history.at(-1)?.reason === 'user: remake once');
    expect(remade.length).toBe(user.result.stats['morph.retranslateOther']);
    for (const t of remade) expect(t.speculation).toEqual({ memory: false, control: false });

    const builtin = run(undefined, undefined);
    expect(builtin.result.stats['morph.retranslateOther']).toBe(0);
    expect(builtin.history.some((t) => t.history.some((h) => h.reason.startsWith('user:')))).toBe(false);
  });

  it('an unknown policy name is refused at construction, naming the registered ones', () => {
    expect(() => run(PolicyRegistry.withBuiltins(), 'nope')).toThrow(/unknown retranslation policy 'nope' \(registered: default, never\)/);
  });
});
