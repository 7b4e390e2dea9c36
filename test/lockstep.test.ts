// Lockstep verification: every workload and every ISA test, translated at threshold 1, is
// compared with the reference interpreter at every commit (DESIGN.md invariants 1 and 2),
// and a deliberately broken translation is caught and reported precisely.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MorphsimError } from '../core/errors.ts';
import { atom, hostCode, molecule } from '../isa-host-vliw/code.ts';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { GuestMachine } from '../morph/machine.ts';
import { golden, image, ROOT, runElf, runWorkload, WORKLOADS } from './helpers/workloads.ts';

describe.each([1])('lockstep: workloads at --threshold %i report no divergence', (threshold) => {
  for (const w of WORKLOADS) {
    it(w.name, () => {
      const { stdout, result, checks } = runWorkload(w, { 'run.mode': 'translate', 'tier.threshold': threshold }, true);
      expect(stdout).toBe(golden(w.name).out);
      expect(checks).toBeGreaterThan(0);
      expect(result.exitCode).toBe(w.expectedExitCode);
    });
  }
});

const ISA_TESTS = readdirSync(join(ROOT, 'test/isa/bin')).filter((f) => f.endsWith('.elf')).sort();

describe('ISA tests (riscv-tests conventions)', () => {
  for (const f of ISA_TESTS) {
    it(`${f}: passes interpreted, translated at threshold 1, and in lockstep`, () => {
      const path = `test/isa/bin/${f}`;
      expect(runElf(path, [], { 'run.mode': 'interp' }).result.exitCode).toBe(0);
      const t = runElf(path, [], { 'run.mode': 'translate', 'tier.threshold': 1 }, true);
      expect(t.result.exitCode).toBe(0);
      expect(t.checks).toBeGreaterThan(0);
    });
  }
});

describe('lockstep catches a wrong translation', () => {
  it('names the translation, its guest range, its code and the first differing register', () => {
    const machine = new GuestMachine(image('workloads/bin/crc32.elf'), {
      config: paramRegistry.resolve({ 'run.mode': 'translate', 'tier.threshold': 1 }),
    });
    attachLockstep(machine);
    // Sabotage: the first translation that contains an `addi` adds one too many.
    const tcache = machine.runtime!.tcache;
    const insert = tcache.insert.bind(tcache);
    let done = false;
    tcache.insert = (t) => {
      if (done) return insert(t);
      const molecules = t.code.molecules.map((m) => molecule(...m.atoms.map((a) => {
        if (done || a.op !== 'addi' || a.rd >= 32) return a;
        done = true;
        return atom('addi', { rd: a.rd, rs1: a.rs1, imm: a.imm + 1 });
      })));
      return insert({ ...t, code: hostCode(molecules, 0, t.code.tag) });
    };
    let err: unknown;
    try {
      machine.run();
    } catch (e) {
      err = e;
    }
    expect(done).toBe(true);
    expect(err).toBeInstanceOf(MorphsimError);
    const e = err as MorphsimError;
    expect(e.exitCode).toBe(4);
    expect(e.message).toMatch(/lockstep divergence after \d+ instructions: register x\d+ \(\w+\): translated 0x[0-9a-f]{8}, reference 0x[0-9a-f]{8}/);
    expect(e.message).toMatch(/translation #\d+, guest 0x[0-9a-f]+\.\.0x[0-9a-f]+/);
    expect(e.message).toMatch(/addi r\d+, r\d+, -?\d+/); // the host code is printed
    expect(e.message).toMatch(/: addi /); // and the guest code
  });
});
