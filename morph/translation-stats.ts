/** Per-translation statistics (`--stats-json`): where the translated code came from and what it did. */
import { hex32 } from '../isa-guest/disasm.ts';
import type { ElfImage } from '../isa-guest/elf.ts';
import { ROLLBACK_CAUSES } from './profiler/profile.ts';
import type { Runtime } from './runtime.ts';

export function translationStats(rt: Runtime, image: ElfImage) {
  const hex = hex32;
  return {
    schema: 'morphsim.translations/1',
    hotBlocks: rt.profile.hottestBlocks(20).map((b) => ({ pc: hex(b.pc), symbol: image.symbolize(b.pc) ?? null, interpreted: b.count })),
    dispatchEdges: rt.profile.edgeCounts.size,
    translations: rt.tcache.history.map((t) => {
      const rb = rt.profile.rollbacks.get(t.entryPc);
      return {
        id: t.id,
        tier: t.tier,
        guestStart: hex(t.entryPc),
        guestEnd: hex(t.endPc),
        symbol: image.symbolize(t.entryPc) ?? null,
        guestInsns: t.guestInsns,
        molecules: t.code.molecules.length,
        atoms: t.code.molecules.reduce((s, m) => s + m.atoms.length, 0),
        bytes: t.bytes,
        hostAddr: hex(t.code.hostAddr),
        executions: t.code.execCount,
        cycles: t.code.cycles,
        rollbacks: t.rollbacks,
        rollbacksByCause: rb ? Object.fromEntries(ROLLBACK_CAUSES.map((c) => [c, rb[c]])) : {},
        sideExitsTaken: rt.profile.sideExitsOf(t.entryPc),
        live: t.valid,
        speculation: t.speculation,
        blocks: t.blocks.map(hex),
        history: t.history,
      };
    }),
  };
}
