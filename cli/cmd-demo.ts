/**
 * `morphsim demo`: the main job in one command. Runs the bundled sweep
 * (workloads/sweeps/demo.json: molecule width × hotness threshold over three bundled
 * programs) and writes its report, so a new user sees sweep → report working. Finished
 * points are kept: running it again only redraws the report.
 */
import { fileURLToPath } from 'node:url';
import { sweepCommand } from './cmd-sweep.ts';

export const DEMO_SPEC = fileURLToPath(new URL('../workloads/sweeps/demo.json', import.meta.url));

export async function demoCommand(flags: { out: string; jobs?: number; quiet?: boolean }): Promise<number> {
  return sweepCommand(DEMO_SPEC, { out: flags.out, jobs: flags.jobs, resume: true, quiet: flags.quiet });
}
