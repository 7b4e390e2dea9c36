/**
 * morphsim as a library: everything a processor-design experiment needs to load a guest,
 * configure a machine from the parameter registry, run it on any engine, check it against
 * the reference interpreter, and read its statistics from the registry.
 *
 *   import { createMachine, paramRegistry, parseElf } from 'morphsim';
 *   const m = await createMachine(parseElf(bytes, 'prog.elf'), { config: paramRegistry.resolve({ 'vliw.width': 8 }) });
 *   const r = m.run();  // { exitCode, instret, cycles, breakdown, stats }
 *
 * Translations run on the fast (wasm) executor by default, which needs binaryen: createMachine
 * loads it when the configuration needs it. `new GuestMachine(...)` is synchronous and works
 * once binaryen is loaded (`await loadFastExecutor()`), or with `'run.executor': 'reference'`.
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
export { WasmExecutor } from './sim-microarch/wasm-executor.ts';
export { loadFastExecutor } from './sim-microarch/wasm-binaryen.ts';
export { HostState } from './sim-microarch/host-state.ts';
export { IndirectPredictor, PREDICTION_OFF } from './sim-microarch/indirect.ts';
export { MemoryHierarchy, Cache } from './sim-microarch/cache.ts';
export { InorderCore } from './sim-microarch/inorder.ts';
export { CycleAccount, CYCLE_CATEGORIES, type CycleCategory } from './sim-microarch/cycles.ts';

// The code-morphing runtime.
export { GuestMachine, createMachine, needsFastExecutor, provenance, type MachineOptions, type RunResult } from './morph/machine.ts';
export { runSummary, summaryLines, RUN_SCHEMA, type RunSummary } from './reports/summary.ts';
export { Runtime } from './morph/runtime.ts';
export { attachLockstep } from './morph/lockstep.ts';
export { liftRegion } from './morph/lift.ts';
export { translateRegion } from './morph/translate.ts';
export { schedule } from './morph/optimizer/schedule.ts';
export { IR_OPS, printRegion, type IrInst, type IrRegion } from './morph/optimizer/ir.ts';
export { translationStats } from './morph/translation-stats.ts';

// Sweeps and reports.
export { sweep, expandSpec, runPoints, pointKey, readResults, readResultsFiles, ResultsWriter, parseSweepSpec, readSweepSpec, POINT_SCHEMA, type SweepPoint, type SweepProgress, type PointRecord, type SweepSpec } from './reports/sweep.ts';
export { runPoint } from './reports/run-point.ts';
export { sweepReportHtml } from './reports/sweep-report.ts';
export { runReportData, runReportHtml } from './reports/run-report.ts';
export { runWithTimeline } from './reports/timeline.ts';
export { resultsCsv } from './reports/csv.ts';
// Sweeps beyond one machine: shards, their merge, Slurm job arrays (docs/slurm.md).
export { preparePlan, runShard, mergeShards, readPlan, type SweepPlan, type PlannedPoint, type MergeReport } from './reports/sharded-sweep.ts';
export { parseShard, selectShard, type Shard } from './reports/shard.ts';
export { submitSlurmSweep, type SlurmSweepOptions } from './reports/slurm-sweep.ts';
export { sbatchScript, slurmUnreachable, queuedTasks, taskOutcomes } from './reports/slurm.ts';

// The optimizer: IR text, verifier, interpreter, passes, pipelines and peephole rules.
export { parseRegion, parseInst, IrParseError } from './morph/optimizer/parse.ts';
export { verifyRegion, formatIrProblems, type IrProblem } from './morph/optimizer/verify.ts';
export { interpretRegion, type IrMemoryView, type IrOutcome } from './morph/optimizer/ir-interp.ts';
export { PassRegistry, DEFAULT_PASSES, DEFAULT_PIPELINES, type Pass, type PipelineDecl } from './morph/optimizer/passes.ts';
export { optimizeRegion, runPipeline, PassVerifyError, type OptimizeOptions } from './morph/optimizer/pipeline.ts';
export { RuleSet, applyRules, type Rule } from './morph/optimizer/rules.ts';
export { DEFAULT_RULES, peepholePassWith } from './morph/optimizer/passes/peephole.ts';
export { printInst, TEMP_BASE, type Loc } from './morph/optimizer/ir.ts';

// Tier 2: trace formation, trace scheduling with speculation, retranslation policies.
export { type RuntimeOptions } from './morph/runtime.ts';
export { formTrace, type Trace, type TraceBranch, type TraceSource, type TraceLimits } from './morph/optimizer/trace.ts';
export { scheduleTrace, type ScheduledTrace, type SpecFlags, type RenameMode } from './morph/optimizer/trace-schedule.ts';
export { translateTrace, type Tier2Code } from './morph/optimizer/tier2.ts';
export {
  PolicyRegistry, defaultPolicy, neverPolicy, REASONS,
  type RetranslationPolicy, type Retranslation, type TranslationReport,
} from './morph/optimizer/policy.ts';
export type { Translation, HistoryEntry, Speculation } from './morph/tcache.ts';
