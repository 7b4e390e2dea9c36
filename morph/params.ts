/**
 * Parameters of the code-morphing software: its cost model (the CMS runs on the host, so its
 * work costs host cycles) and its tiering policy. Defaults are order-of-magnitude figures from
 * the published Transmeta CMS descriptions (Dehnert et al., "The Transmeta Code Morphing
 * Software", CGO 2003; Klaiber 2000): interpretation costs tens of host cycles per guest
 * instruction, translation on the order of a thousand, optimized retranslation several times
 * more; a translation is made after some tens of executions.
 */
import { defineParams, int, oneOf } from '../core/params.ts';

export const cmsParams = defineParams('cms', {
  interpretCost: int(30, 'cycles/insn', 1, 10000, 'host cycles to interpret one guest instruction (decode dispatch, operand fetch, profiling counters)',
    'CMS interprets at tens of host cycles per guest instruction'),
  translateCost: int(1200, 'cycles/insn', 0, 1000000, 'host cycles to translate one guest instruction at tier 1 (decode, lift, lower, schedule, emit)',
    'CMS translation costs on the order of a thousand cycles per instruction'),
  optimizeCost: int(4000, 'cycles/insn', 0, 10000000, 'host cycles per guest instruction to re-translate a hot region at tier 2'),
  dispatchCost: int(20, 'cycles', 0, 10000, 'dispatcher: look up the guest pc in the translation cache and jump to it'),
  chainCost: int(60, 'cycles', 0, 10000, 'patch one exit to jump directly to its target translation'),
  rollbackCost: int(12, 'cycles', 0, 10000, 'restore working registers from shadows and discard the store buffer'),
  invalidateCost: int(40, 'cycles', 0, 100000, 'drop one translation (self-modifying code or fence.i) and unlink its chains'),
  flushCost: int(2000, 'cycles', 0, 10000000, 'flush the whole translation cache when it is full'),
});

export const tierParams = defineParams('tier', {
  threshold: int(50, 'executions', 1, 1000000000, 'executions of a block before it is translated (tier 0 → tier 1); 1 translates on first execution',
    'Crusoe translates a region after some tens of interpreted executions'),
  hotThreshold: int(2000, 'executions', 1, 1000000000, 'executions of a tier-1 translation before it is re-translated as an optimized trace (tier 2)'),
  maxRegionInsns: int(64, 'insns', 1, 4096, 'longest guest region (basic block) translated at tier 1'),
  maxChain: int(64, 'translations', 1, 1000000, 'translations run back to back through chained exits before control returns to the dispatcher'),
  tcacheBytes: int(4 << 20, 'bytes', 4096, 1 << 30, 'translation cache capacity in bytes of host code; full ⇒ flush', 'Crusoe reserves several MiB of memory for CMS'),
  tcacheBase: int(0x40000000, 'address', 0, 0xfffff000, 'host address of the translation cache (only its I-cache footprint matters)'),
});

export const runParams = defineParams('run', {
  mode: oneOf<'interp' | 'translate' | 'optimize'>('optimize', ['interp', 'translate', 'optimize'],
    'interp: interpret only; translate: tier 0 + tier 1; optimize: the full pipeline'),
  core: oneOf<'cms' | 'inorder'>('cms', ['cms', 'inorder'], 'cms: the co-designed VLIW machine; inorder: the baseline 5-stage scalar RV32 core'),
  executor: oneOf<'reference' | 'fast'>('reference', ['reference', 'fast'],
    'how translations run: reference: atom by atom in JS (the specification); fast: compiled to WebAssembly with binaryen, same results and cycles'),
  fastCompileAfter: int(8, 'executions', 1, 1000000000,
    'fast executor: executions of a translation (run by the reference executor meanwhile) before it is compiled to wasm; results do not depend on it',
    'cold code never pays compilation, hot code is compiled in batches'),
});
