/**
 * Parameters of the simulated hardware: the VLIW host, its exits, the cache hierarchy and
 * the baseline in-order RV32 core. Declared once here; CLI flags, `morphsim config`,
 * validation and report labels derive from them. Defaults follow the published Transmeta
 * parts where one exists (Crusoe TM5x00: 4-atom 128-bit molecules, 64 GPRs with shadows,
 * 64 KiB L1 I and D, 256-512 KiB L2; Klaiber, "The Technology Behind Crusoe Processors",
 * 2000) and a classic 5-stage pipeline (Hennessy & Patterson) for the baseline core.
 */
import { defineParams, int, oneOf, type Config } from '../core/params.ts';
import type { MachineDesc } from '../isa-host-vliw/machine.ts';

export const vliwParams = defineParams('vliw', {
  width: int(4, 'atoms', 1, 16, 'maximum atoms per molecule', 'Crusoe TM5x00 issues 128-bit molecules of up to 4 atoms'),
  aluSlots: int(2, 'atoms', 1, 16, 'integer ALU atoms per molecule', 'Crusoe has two integer units'),
  memSlots: int(1, 'atoms', 1, 8, 'load/store atoms per molecule', 'Crusoe has one load/store unit'),
  mulSlots: int(1, 'atoms', 1, 8, 'multiply/divide atoms per molecule', 'one multiplier, shared with an ALU in Crusoe; kept separate here'),
  brSlots: int(1, 'atoms', 1, 4, 'branch/exit/commit atoms per molecule', 'Crusoe has one branch unit'),
  latAlu: int(1, 'cycles', 1, 8, 'latency of ALU atoms (add, logic, shifts, compares, select, immediates)'),
  latMul: int(3, 'cycles', 1, 32, 'latency of mul/mulh* atoms', 'pipelined multiplier of a ~2000 design'),
  latDiv: int(18, 'cycles', 1, 128, 'latency of div/rem atoms', 'radix-4 iterative divider for 32-bit operands'),
  latLoad: int(2, 'cycles', 1, 16, 'load-to-use latency on an L1 data cache hit'),
  latStore: int(1, 'cycles', 1, 8, 'store issue latency into the gated store buffer'),
  latBr: int(1, 'cycles', 1, 8, 'latency of branch-unit atoms'),
  regs: int(64, 'registers', 64, 256, 'integer registers in the host register file', 'Crusoe has 64 integer registers'),
  shadowed: int(32, 'registers', 32, 64, 'registers with shadow copies (r0..r(n-1)); guest x0..x31 live in r0..r31'),
  storeBuffer: int(32, 'entries', 1, 1024, 'gated store buffer capacity; more uncommitted stores overflow and roll back'),
  aliasEntries: int(8, 'entries', 0, 256, 'alias table entries for protected (speculatively hoisted) loads'),
  moleculeBytes: int(16, 'bytes', 4, 64, 'size of one molecule in the translation cache (I-cache footprint)', '128-bit molecules'),
});

export const exitParams = defineParams('exit', {
  fallthrough: int(0, 'cycles', 0, 64, 'extra cycles when a translation ends by falling through its last molecule'),
  sideExit: int(1, 'cycles', 0, 64, 'extra cycles for a taken conditional exit (redirect bubble)'),
  chained: int(1, 'cycles', 0, 64, 'extra cycles for an exit that jumps directly to another translation'),
  toDispatcher: int(3, 'cycles', 0, 256, 'extra cycles for an exit that returns to the dispatcher (before the lookup itself)'),
  indirect: int(2, 'cycles', 0, 256, 'extra cycles for a register-indirect exit'),
});

export const cacheParams = defineParams('cache', {
  l1iSize: int(65536, 'bytes', 1024, 16777216, 'L1 instruction cache size', 'Crusoe TM5x00: 64 KiB'),
  l1iAssoc: int(8, 'ways', 1, 64, 'L1 instruction cache associativity'),
  l1iLine: int(64, 'bytes', 16, 512, 'L1 instruction cache line size'),
  l1dSize: int(65536, 'bytes', 1024, 16777216, 'L1 data cache size', 'Crusoe TM5x00: 64 KiB'),
  l1dAssoc: int(16, 'ways', 1, 64, 'L1 data cache associativity', 'Crusoe TM5x00: 16-way'),
  l1dLine: int(64, 'bytes', 16, 512, 'L1 data cache line size'),
  l2Size: int(524288, 'bytes', 4096, 268435456, 'unified L2 cache size', 'Crusoe TM5800: 512 KiB'),
  l2Assoc: int(4, 'ways', 1, 64, 'L2 associativity'),
  l2Line: int(64, 'bytes', 16, 512, 'L2 line size'),
  l2Latency: int(10, 'cycles', 1, 200, 'extra cycles for an L1 miss that hits in L2'),
  memLatency: int(80, 'cycles', 1, 2000, 'extra cycles for an L2 miss served by memory', '~100 ns SDRAM at ~800 MHz'),
});

export const inorderParams = defineParams('inorder', {
  branchPenalty: int(2, 'cycles', 0, 32, 'bubble for a taken branch or jump (resolved in EX, predict not-taken)'),
  loadUse: int(1, 'cycles', 0, 16, 'stall when an instruction uses the result of the load just before it'),
  mulLatency: int(3, 'cycles', 1, 32, 'multiply result latency (dependent instructions stall for the rest)'),
  divLatency: int(18, 'cycles', 1, 128, 'divide/remainder latency (unpipelined; stalls the pipeline)'),
  systemCost: int(4, 'cycles', 0, 256, 'extra cycles for CSR access, ecall/ebreak/mret and fence.i (pipeline drain)'),
  engine: oneOf<'reference' | 'fast'>('fast', ['reference', 'fast'], 'how the core drives the interpreter: fast (its own loop runs, timed a basic block at a time) or reference (one timed step at a time); same cycles', 'fast is about 5x quicker in CPU time (geomean of the compute workloads, 3-6x by workload: npm run bench:inorder, figures in the README); reference is the oracle it is tested against'),
});

/**
 * Indirect-branch prediction for translated code (sim-microarch/indirect.ts): a global
 * indirect-branch target cache (IBTC) consulted by register-indirect exits, and a
 * dual-address return-address stack (RAS) for returns. Both cost cycles in the `exit`
 * category; 0 entries (0 depth) turns one off, and both off gives plain dispatcher exits.
 */
export const ibtcParams = defineParams('ibtc', {
  entries: int(512, 'entries', 0, 1 << 20, 'indirect-branch target cache entries (guest pc → translation), shared by all indirect exits; 0 = off; a multiple of ibtc.ways',
    '512 entries of (guest pc, host address) are 4 KiB, small next to the translation cache, and hold the hot indirect targets of every bundled workload'),
  ways: int(4, 'ways', 1, 64, 'IBTC associativity (sets = entries / ways, indexed by guest pc / 4, true LRU within a set)',
    'a few ways avoid the conflict misses of a direct-mapped table at little probe cost'),
  hitCost: int(4, 'cycles', 0, 1000, 'extra cycles for an indirect exit that finds its target in the IBTC and jumps there',
    'an inline probe in host code: index (1 molecule), load tag and host address (2-cycle load), compare-and-branch (1)'),
  missCost: int(5, 'cycles', 0, 1000, 'extra cycles for a probe that misses, before the exit goes on to the dispatcher (whose lookup then fills the entry; the fill is included)',
    'the same probe as a hit, plus one store when the dispatcher fills the entry'),
});

export const rasParams = defineParams('ras', {
  depth: int(16, 'entries', 0, 1024, 'return-address stack entries; calls (jal/jalr with rd = x1/x5) push, returns (jalr rs1 = x1/x5, rd = x0) pop; full ⇒ the oldest is overwritten; 0 = off',
    'the depth of the return stacks of contemporary cores (Pentium 4: 16 entries)'),
  pushCost: int(0, 'cycles', 0, 1000, 'extra cycles for a call exit to push its return address',
    'the push is a side effect of the call\'s exit atom, issued with it (Kim & Smith\'s dual-address RAS push, MICRO 2003)'),
  hitCost: int(1, 'cycles', 0, 1000, 'extra cycles for a return whose predicted address is right and whose return point\'s translation is known: it jumps there like a chained exit',
    'the same as exit.chained: the host address comes from the stack, no probe'),
  missCost: int(2, 'cycles', 0, 1000, 'extra cycles for a mispredicted return (wrong or no prediction) before it probes the IBTC',
    'the compare with the computed target fails: a redirect bubble, like a taken side exit plus one'),
});

export const simParamGroups = [vliwParams, exitParams, ibtcParams, rasParams, cacheParams, inorderParams] as const;

/** The VLIW machine description a configuration selects. */
export function machineDescFromConfig(cfg: Config): MachineDesc {
  const v = vliwParams.read(cfg);
  return {
    width: v.width,
    slots: { alu: v.aluSlots, mem: v.memSlots, mul: v.mulSlots, br: v.brSlots },
    latency: { alu: v.latAlu, mul: v.latMul, div: v.latDiv, load: v.latLoad, store: v.latStore, br: v.latBr },
    numRegs: v.regs,
    numShadowed: v.shadowed,
    storeBufferEntries: v.storeBuffer,
    aliasEntries: v.aliasEntries,
  };
}
