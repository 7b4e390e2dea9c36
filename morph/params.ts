/**
 * Parameters of the code-morphing software: its cost model (the CMS runs on the host, so its
 * work costs host cycles) and its tiering policy. Defaults are order-of-magnitude figures from
 * the published Transmeta CMS descriptions (Dehnert et al., "The Transmeta Code Morphing
 * Software", CGO 2003; Klaiber 2000): interpretation costs tens of host cycles per guest
 * instruction, translation on the order of a thousand, optimized retranslation several times
 * more; a translation is made after some tens of executions.
 */
import { bool, defineParams, float, int, oneOf } from '../core/params.ts';

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
  hotThreshold: int(3000, 'executions', 1, 1000000000, 'executions of a tier-1 translation before it is re-translated as an optimized trace (tier 2)',
    'a trace costs cms.optimizeCost per guest instruction; measured with bench/ipc.ts: 3000 balances translated-code IPC (more traces) against optimization cost (2000 lost cycles on recursion and strings, 5000 lost IPC)'),
  maxRegionInsns: int(64, 'insns', 1, 4096, 'longest guest region (basic block) translated at tier 1'),
  maxChain: int(64, 'translations', 1, 1000000, 'translations run back to back through chained exits before control returns to the dispatcher'),
  tcacheBytes: int(4 << 20, 'bytes', 4096, 1 << 30, 'translation cache capacity in bytes of host code; full ⇒ flush', 'Crusoe reserves several MiB of memory for CMS'),
  tcacheBase: int(0x40000000, 'address', 0, 0xfffff000, 'host address of the translation cache (only its I-cache footprint matters)'),
  // ---- tier 2 (run.mode=optimize): trace formation ----
  traceMaxInsns: int(128, 'insns', 1, 4096, 'longest tier-2 trace in guest instructions (unrolled loop copies included)'),
  traceMaxBlocks: int(12, 'blocks', 1, 256, 'most basic blocks strung into one tier-2 trace'),
  traceMinBlocks: int(2, 'blocks', 1, 256, 'fewest blocks a trace needs to be made (a loop trace always qualifies); a shorter one stays at tier 1',
    'rescheduling a single block rarely repays cms.optimizeCost'),
  loopUnroll: int(4, 'copies', 1, 64, 'copies of the loop body in a trace that returns to its own head (1: no unrolling)'),
  traceBias: float(0.7, 'ratio', 0.5, 1, 'a trace follows a conditional branch only when one direction has at least this share of its profiled executions'),
  traceMinSamples: int(16, 'executions', 1, 1000000000, 'profiled executions of a branch before its bias is trusted (fewer: the trace ends at it)'),
  // ---- tier 2: speculation ----
  speculateMemory: bool(true, 'hoist loads above stores that may alias (protected loads ldp, checked stores stc; an overlap is an alias fault and rolls back)'),
  speculateControl: bool(true, 'hoist loads and computations above side exits (results into renamed temporaries; a faulting hoisted load rolls back)'),
  // ---- tier 2: adaptive retranslation (thresholds read by the retranslation policy) ----
  aliasFaultLimit: int(3, 'faults', 1, 1000000000, 'alias faults of one tier-2 translation before it is re-made without memory speculation'),
  rollbackLimit: int(8, 'rollbacks', 1, 1000000000, 'other rollbacks (access, misaligned, overflow) of one tier-2 translation before it is re-made without control speculation'),
  sideExitRatio: float(0.5, 'ratio', 0, 1, 'share of a trace\'s executions leaving through one side exit after which it is re-formed along the path that became hot'),
  sideExitMinExecs: int(2000, 'executions', 1, 1000000000, 'executions of a tier-2 translation before its side-exit frequencies are judged'),
  maxVersions: int(4, 'versions', 1, 1000, 'most tier-2 versions made for one guest entry point (bounds retranslation)'),
});

export const runParams = defineParams('run', {
  mode: oneOf<'interp' | 'translate' | 'optimize'>('optimize', ['interp', 'translate', 'optimize'],
    'interp: interpret only; translate: tier 0 + tier 1; optimize: the full pipeline'),
  core: oneOf<'cms' | 'inorder'>('cms', ['cms', 'inorder'], 'cms: the co-designed VLIW machine; inorder: the baseline 5-stage scalar RV32 core'),
  executor: oneOf<'reference' | 'fast'>('fast', ['reference', 'fast'],
    'how translations run: fast: compiled to WebAssembly with binaryen, same results and cycles; reference: atom by atom in JS (the specification)',
    'fast gives exactly the reference results (test/fast-executor.test.ts) and runs hot code several times quicker (npm run bench:speed); reference is the oracle it is tested against'),
  fastCompileAfter: int(8, 'executions', 1, 1000000000,
    'fast executor: executions of a translation (run by the reference executor meanwhile) before it is compiled to wasm; results do not depend on it',
    'cold code never pays compilation, hot code is compiled in batches'),
  fastGroups: bool(true,
    'fast executor: compile each loop of several chained translations (found in a compile batch) as one wasm function, so their transfers are branches; results do not depend on it',
    'a transfer between translations otherwise leaves one function for another and stores and reloads the registers; off is for comparison'),
});
