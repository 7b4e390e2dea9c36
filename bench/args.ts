/**
 * What every benchmark script shares: its command-line options and the list of compute
 * workloads (user-mode programs that measure the machine, not one mechanism: `smc` exercises
 * self-modifying code, `alias` the alias hardware, the machine-mode ones devices and traps).
 */
import { availableParallelism, loadavg } from 'node:os';

export const COMPUTE: readonly string[] = ['loops', 'crc32', 'muldiv', 'recursion', 'ptrchase', 'bytecode', 'strings', 'sort', 'matmul', 'malloc'];

export const argv = process.argv.slice(2);

/** The value after `--name`, if given. */
export function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The 1-minute load average, and a warning when other processes compete for the cores: on
 * a shared machine the figures of a loaded run swing by tens of per cent. The benchmark
 * itself keeps about one core busy; more than half the other cores busy on top is "busy". */
export function loadNote(): string {
  const load = loadavg()[0]!;
  const cores = availableParallelism();
  const busy = load > 1 + (cores - 1) / 2;
  return `load average ${load.toFixed(2)} on ${cores} cores, this benchmark included${busy ? ' (busy: the figures are unreliable)' : ''}`;
}

/** CPU seconds this process has used (every thread: V8's background compilers too). */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** `--only a,b`: the workloads to run (all when absent). */
export const only: readonly string[] | undefined = opt('only')?.split(',');
