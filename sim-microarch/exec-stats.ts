/**
 * Statistics of the VLIW executors (reference and fast report the same ones, with the same
 * values). Counters are plain numbers on the executor's hot path; molecule fill is a formula.
 */
import { counter, defineStats, formula, ratio } from '../core/stats.ts';

export const execStats = defineStats('exec', {
  molecules: counter('molecules', 'molecules issued (including those of runs later rolled back)'),
  atoms: counter('atoms', 'atoms issued'),
  issueSlots: counter('slots', 'atom slots offered by the molecules issued (molecules × vliw.width)'),
  fill: formula('ratio', 'molecule fill: atoms issued per slot offered', (g) => ratio(g('exec.atoms'), g('exec.issueSlots'))),
  commitWait: counter('cycles', 'cycles commits and taken exits waited for results still in flight'),
  commits: counter('commits', 'commit points reached: commit atoms and taken exits'),
  sbStores: counter('stores', 'stores entered into the gated store buffer'),
  sbDrained: counter('stores', 'buffered stores written to memory by commits'),
  sbForwards: counter('loads', 'loads that took at least one byte from a buffered store'),
  sbPeak: counter('entries', 'peak store-buffer occupancy'),
  aliasRecords: counter('ranges', 'address ranges recorded by protected loads'),
  aliasChecks: counter('stores', 'checked stores compared against the alias table'),
  ioAccesses: counter('accesses', 'device (non-speculative) loads and stores performed'),
  rollbackAccess: counter('rollbacks', 'rollbacks after an access to unmapped memory'),
  rollbackMisaligned: counter('rollbacks', 'rollbacks after a misaligned load or store'),
  rollbackAlias: counter('rollbacks', 'rollbacks after an alias fault (checked store overlapping a protected load)'),
  rollbackOverflow: counter('rollbacks', 'rollbacks after a store-buffer or alias-table overflow'),
  rollbackDevice: counter('rollbacks', 'rollbacks after a plain load or store reached a non-RAM address'),
  rollbackInterrupt: counter('rollbacks', 'rollbacks because an interrupt became pending inside a translation'),
  rollbackSmc: counter('rollbacks', 'rollbacks because a store would rewrite the running translation\'s own guest code'),
  rollbacks: formula('rollbacks', 'rollbacks of every cause', (g) =>
    g('exec.rollbackAccess') + g('exec.rollbackMisaligned') + g('exec.rollbackAlias') +
    g('exec.rollbackOverflow') + g('exec.rollbackDevice') + g('exec.rollbackInterrupt') + g('exec.rollbackSmc')),
  exitFallthrough: counter('exits', 'translations left by their final unconditional exit'),
  exitSide: counter('exits', 'taken side exits (exit.if)'),
  exitIndirect: counter('exits', 'register-indirect exits (exit.ind, exit.icall, exit.ret)'),
  chained: counter('transfers', 'exits that jumped directly to a chained translation (predicted indirect transfers: ibtc.hits, ras.hits)'),
  toDispatcher: counter('transfers', 'exits that returned to the dispatcher'),
});
