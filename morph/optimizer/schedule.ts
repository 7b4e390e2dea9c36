/**
 * The molecule scheduler: packs a translation's atoms (in guest program order) into
 * molecules for a given machine description. Greedy list scheduling, atom by atom in
 * program order, each at the earliest cycle its dependences and the slot limits allow —
 * so independent guest instructions share molecules (the VLIW's instruction-level
 * parallelism) while every constraint of the molecule contract (isa-host-vliw/code.ts) holds:
 *
 * - true dependence: a read issues no earlier than the producer's issue + latency;
 * - anti dependence: a write issues no earlier than an earlier read of the register (same
 *   molecule is fine: reads happen at issue);
 * - output dependence: a second write issues after the first has landed;
 * - memory atoms keep program order (same molecule allowed: they act in slot order);
 * - commits and exits see nothing in flight, and nothing that follows an exit in program
 *   order and touches guest-visible state is placed before it (taking an exit commits).
 *
 * The validator (isa-host-vliw/validator.ts) checks the result independently.
 */
import { ATOMS, writesRd } from '../../isa-host-vliw/atoms.ts';
import { molecule, type Atom, type Molecule } from '../../isa-host-vliw/code.ts';
import type { MachineDesc, UnitClass } from '../../isa-host-vliw/machine.ts';
import { atomReads } from '../../isa-host-vliw/validator.ts';

interface Placed { readonly cycle: number; readonly lat: number }

export function schedule(atoms: readonly Atom[], m: MachineDesc, shadowed: number): Molecule[] {
  const cycleOf: number[] = [];
  /** Per register: last write (cycle + latency) and the latest cycle it was read since. */
  const lastWrite = new Map<number, Placed>();
  const lastRead = new Map<number, number>();
  const usage: Record<UnitClass, number>[] = [];
  const total: number[] = [];
  let lastMem = 0; // cycle of the latest memory atom
  let lastBarrier = -1; // cycle of the latest exit/commit
  let maxLanding = 0; // latest cycle at which an in-flight result lands

  const fits = (c: number, unit: UnitClass): boolean =>
    (total[c] ?? 0) < m.width && (usage[c]?.[unit] ?? 0) < m.slots[unit];

  for (const a of atoms) {
    const s = ATOMS[a.op];
    const lat = m.latency[s.latency];
    const reads = atomReads(a);
    const w = writesRd(s.kind) ? a.rd : -1;
    const effects = s.effects;
    let earliest = 0;
    for (const r of reads) {
      const p = lastWrite.get(r);
      if (p) earliest = Math.max(earliest, p.cycle + p.lat);
    }
    if (w > 0) {
      const p = lastWrite.get(w);
      if (p) earliest = Math.max(earliest, p.cycle + p.lat);
      earliest = Math.max(earliest, lastRead.get(w) ?? 0);
    }
    if (effects.readsMem || effects.writesMem) earliest = Math.max(earliest, lastMem);
    if (effects.exit || effects.commits) {
      // Everything issued so far has landed by the end of this molecule.
      earliest = Math.max(earliest, maxLanding - 1, lastBarrier);
    } else if (lastBarrier >= 0 && (effects.readsMem || effects.writesMem || effects.mayFault || (w >= 0 && w < shadowed))) {
      // Guest-visible work after an exit stays after it (a temporary may be computed early).
      earliest = Math.max(earliest, lastBarrier + 1);
    }
    let c = earliest;
    while (!fits(c, s.unit)) c++;
    (usage[c] ??= { alu: 0, mem: 0, mul: 0, br: 0 })[s.unit]++;
    total[c] = (total[c] ?? 0) + 1;
    cycleOf.push(c);
    for (const r of reads) lastRead.set(r, Math.max(lastRead.get(r) ?? 0, c));
    if (w > 0) lastWrite.set(w, { cycle: c, lat });
    if (effects.readsMem || effects.writesMem) lastMem = c;
    if (effects.exit || effects.commits) lastBarrier = Math.max(lastBarrier, c);
    maxLanding = Math.max(maxLanding, c + lat);
  }

  const n = Math.max(0, ...cycleOf) + 1;
  const buckets: Atom[][] = Array.from({ length: n }, () => []);
  atoms.forEach((a, i) => buckets[cycleOf[i]!]!.push(a)); // program order within a molecule = slot order
  // Empty molecules (waiting out a latency) stay: they are the cycles the machine idles.
  return buckets.map((b) => molecule(...b));
}
