/** Statistics of the code-morphing runtime, declared once (units, docs, formulas). */
import { counter, defineStats, formula, ratio } from '../core/stats.ts';

export const morphStats = defineStats('morph', {
  instret: counter('insns', 'guest instructions retired (interpreted + committed by translations)'),
  interpretedInsns: counter('insns', 'guest instructions retired by the interpreter (cold code, recovery, system instructions)'),
  translatedInsns: counter('insns', 'guest instructions retired by translated code'),
  blocksInterpreted: counter('blocks', 'basic blocks run by the interpreter'),
  translationsMade: counter('translations', 'translations created (all tiers)'),
  translationsExecuted: counter('runs', 'translation runs started by the dispatcher (transfers through chained exits: exec.chained)'),
  chainsMade: counter('links', 'exits patched to jump directly to their target translation'),
  dispatches: counter('lookups', 'dispatcher lookups of a guest pc in the translation cache'),
  invalidations: counter('translations', 'translations dropped because their guest code was written (SMC) or fence.i'),
  evictions: counter('translations', 'translations dropped by flushing a full translation cache'),
  flushes: counter('flushes', 'whole-cache flushes (capacity)'),
  interrupts: counter('interrupts', 'interrupts delivered to the guest'),
  exceptions: counter('traps', 'synchronous exceptions delivered to the guest'),
  ipc: formula('insns/cycle', 'guest instructions retired per host cycle',
    (g) => ratio(g('morph.instret'), g('cycles.total'))),
  translatedFraction: formula('ratio', 'share of retired instructions executed by translated code',
    (g) => ratio(g('morph.translatedInsns'), g('morph.instret'))),
});
