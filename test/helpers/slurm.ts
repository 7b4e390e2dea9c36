/**
 * A real Slurm for the tests that submit jobs (Debian's slurm-wlm and munge, one node,
 * partition `debug`; .ci/slurm-up.sh starts it). Run by hand as root with Slurm installed
 * but not started, `bringUpSlurm` starts it; under CI=true a test must fail rather than skip
 * when no controller answers.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { queuedTasks, slurmUnreachable } from '../../reports/slurm.ts';
import { ROOT } from './run-cli.ts';

export const inCI = process.env['CI'] === 'true';

/** Why Slurm cannot be used, after starting it ourselves where we may; undefined when it answers. */
export function bringUpSlurm(): string | undefined {
  const why = slurmUnreachable();
  if (why === undefined) return undefined;
  const haveDaemons = spawnSync('sh', ['-c', 'command -v slurmctld && command -v munged']).status === 0;
  if (process.getuid?.() !== 0 || !haveDaemons) return why;
  const up = spawnSync(join(ROOT, '.ci/slurm-up.sh'), { encoding: 'utf8', timeout: 120_000 });
  if (up.status !== 0) return `${why}; .ci/slurm-up.sh failed: ${(up.stderr || up.stdout).trim().split('\n').pop()}`;
  return slurmUnreachable();
}

const POLL_MS = 250;

/** Waits until no task of these jobs is queued (squeue), within a bound. */
export async function waitForJobs(jobIds: readonly string[], timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = queuedTasks(jobIds);
    if (left.length === 0) return;
    if (Date.now() > end) throw new Error(`jobs ${jobIds.join(',')} still queued after ${timeoutMs} ms: ${left.map((t) => `${t.id} ${t.state}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Runs a Slurm client command; its stdout, or an Error with its stderr. */
export function slurm(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
