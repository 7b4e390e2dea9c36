/**
 * morphsim as a library: everything a processor-design experiment needs to load a guest,
 * configure a machine from the parameter registry, run it on any engine, check it against
 * the reference interpreter, and read its statistics from the registry.
 *
 *   import { GuestMachine, paramRegistry, parseElf } from 'morphsim';
 *   const m = new GuestMachine(parseElf(bytes, 'prog.elf'), { config: paramRegistry.resolve({ 'vliw.width': 8 }) });
 *   const r = m.run();  // { exitCode, instret, cycles, breakdown, stats }
 */
// Configuration and statistics, declared once.
export { paramRegistry } from './morph/config.ts';
export { statRegistry } from './morph/stats-registry.ts';
export { ParamRegistry, configHash, defineParams, int, float, bool, oneOf, type Config, type ParamSpec } from './core/params.ts';
export { StatRegistry, defineStats, counter, formula, ratio } from './core/stats.ts';
export { MorphsimError, UsageError, ExitCode } from './core/errors.ts';

// The guest.
export { parseElf, type ElfImage } from './isa-guest/elf.ts';
export { ISA, type InsnSpec, type Sem } from './isa-guest/isa.ts';
export { decode, endsBlock, type Decoded } from './isa-guest/decode.ts';
export { disasm } from './isa-guest/disasm.ts';
export { asm, encode } from './isa-guest/encode.ts';
export { Hart } from './isa-guest/hart.ts';
export { Interpreter } from './isa-guest/interp.ts';
export { Memory } from './isa-guest/memory.ts';
export { loadProgram } from './isa-guest/program.ts';

// The host and its simulator.
export * as host from './isa-host-vliw/index.ts';
export { machineDescFromConfig } from './sim-microarch/params.ts';
export { ReferenceExecutor, type Executor, type ExecResult } from './sim-microarch/executor.ts';
export { HostState } from './sim-microarch/host-state.ts';
export { IndirectPredictor, PREDICTION_OFF } from './sim-microarch/indirect.ts';
export { MemoryHierarchy, Cache } from './sim-microarch/cache.ts';
export { InorderCore } from './sim-microarch/inorder.ts';
export { CycleAccount, CYCLE_CATEGORIES, type CycleCategory } from './sim-microarch/cycles.ts';

// The code-morphing runtime.
export { GuestMachine, provenance, type MachineOptions, type RunResult } from './morph/machine.ts';
export { runSummary, summaryLines, RUN_SCHEMA, type RunSummary } from './reports/summary.ts';
export { Runtime } from './morph/runtime.ts';
export { attachLockstep } from './morph/lockstep.ts';
export { liftRegion } from './morph/lift.ts';
export { translateRegion } from './morph/translate.ts';
export { schedule } from './morph/optimizer/schedule.ts';
export { IR_OPS, printRegion, type IrInst, type IrRegion } from './morph/optimizer/ir.ts';
export { translationStats } from './morph/translation-stats.ts';
