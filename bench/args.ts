/**
 * What every benchmark script shares: its command-line options and the list of compute
 * workloads (user-mode programs that measure the machine, not one mechanism: `smc` exercises
 * self-modifying code, `alias` the alias hardware, the machine-mode ones devices and traps).
 */
export const COMPUTE: readonly string[] = ['loops', 'crc32', 'muldiv', 'recursion', 'ptrchase', 'bytecode', 'strings', 'sort', 'matmul', 'malloc'];

export const argv = process.argv.slice(2);

/** The value after `--name`, if given. */
export function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `--only a,b`: the workloads to run (all when absent). */
export const only: readonly string[] | undefined = opt('only')?.split(',');
