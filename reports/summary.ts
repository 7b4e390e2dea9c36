/**
 * The run summary: what one simulation produced, as a schema-versioned JSON object
 * (`morphsim.run/1`) and as the two human lines the CLI prints on stderr. Sweeps, reports and
 * library users build on the same object, so its shape lives here, once.
 */
import type { Config } from '../core/params.ts';
import { provenance, type GuestMachine, type RunResult } from '../morph/machine.ts';

export const RUN_SCHEMA = 'morphsim.run/1';

export interface RunSummaryInput {
  readonly machine: GuestMachine;
  readonly result: RunResult;
  readonly elfBytes: Uint8Array;
  readonly config: Config;
  readonly version: string;
  readonly wallSeconds: number;
  /** Commits compared by --verify lockstep, if it ran. */
  readonly lockstepChecks?: number;
}

export function runSummary(i: RunSummaryInput) {
  const { machine, result, wallSeconds } = i;
  return {
    schema: RUN_SCHEMA,
    exitCode: result.exitCode ?? null,
    stop: result.stop,
    instret: result.instret,
    cycles: result.cycles,
    ipc: result.cycles === 0 ? 0 : result.instret / result.cycles,
    breakdown: result.breakdown,
    mode: machine.core === 'inorder' ? 'inorder' : machine.mode,
    core: machine.core,
    platform: machine.program.env.name,
    wallSeconds,
    mips: wallSeconds === 0 ? 0 : result.instret / wallSeconds / 1e6,
    verify: i.lockstepChecks === undefined ? null : { kind: 'lockstep', commitsChecked: i.lockstepChecks },
    stats: result.stats,
    config: i.config,
    provenance: provenance(machine.image, i.elfBytes, i.config, i.version),
  };
}

export type RunSummary = ReturnType<typeof runSummary>;

/** A summary without its wall-clock fields: what determinism promises to repeat bit for bit. */
export function deterministicSummary(s: RunSummary): Omit<RunSummary, 'wallSeconds' | 'mips'> {
  const { wallSeconds: _w, mips: _m, ...rest } = s;
  return rest;
}

/** Two lines for a terminal: totals, then the cycle breakdown in percent. */
export function summaryLines(s: RunSummary): string {
  const pct = (c: number) => (s.cycles ? ((100 * c) / s.cycles).toFixed(1) : '0.0');
  const parts = Object.entries(s.breakdown).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${pct(v)}%`);
  return (
    `morphsim: ${s.mode} on ${s.platform}: ${s.instret} insns, ${s.cycles} cycles, IPC ${s.ipc.toFixed(3)}, ` +
    `${s.mips.toFixed(1)} MIPS (${s.wallSeconds.toFixed(2)} s)\n` +
    `morphsim: cycles: ${parts.join(', ')}\n`
  );
}
