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
    translations: rt.tcache.history.summaries().map((t) => {
      const rb = rt.profile.rollbacks.get(t.entryPc);
      return {
        id: t.id,
        tier: t.tier,
        guestStart: hex(t.entryPc),
        guestEnd: hex(t.endPc),
        symbol: image.symbolize(t.entryPc) ?? null,
        guestInsns: t.guestInsns,
        molecules: t.molecules,
        atoms: t.atoms,
        bytes: t.bytes,
        hostAddr: hex(t.hostAddr),
        executions: t.executions,
        cycles: t.cycles,
        rollbacks: t.rollbacks,
        rollbacksByCause: rb ? Object.fromEntries(ROLLBACK_CAUSES.map((c) => [c, rb[c]])) : {},
        sideExitsTaken: rt.profile.sideExitsOf(t.entryPc),
        live: t.live,
        speculation: t.speculation,
        blocks: t.blocks.map(hex),
        history: t.history,
      };
    }),
  };
}
