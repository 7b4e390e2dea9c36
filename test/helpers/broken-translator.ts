/** A translator bug on purpose, for tests that check the harness catches one: the first `xor`
 * atom of every translation computes `or`. */
import { atom, hostCode, molecule } from '../../isa-host-vliw/code.ts';
import type { GuestMachine } from '../../morph/machine.ts';

export function breakXor(m: GuestMachine): void {
  const tcache = m.runtime!.tcache;
  const insert = tcache.insert.bind(tcache);
  tcache.insert = (t) => {
    let done = false;
    const molecules = t.code.molecules.map((mol) => molecule(...mol.atoms.map((a) => {
      if (done || a.op !== 'xor') return a;
      done = true;
      return atom('or', { rd: a.rd, rs1: a.rs1, rs2: a.rs2 });
    })));
    return insert({ ...t, code: hostCode(molecules, 0, t.code.tag) });
  };
}
