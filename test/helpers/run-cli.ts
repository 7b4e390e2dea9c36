/**
 * Running the `morphsim` CLI from tests, and the workload manifest with its golden outputs.
 *
 * `runCli` calls `main(argv)` in this process and captures what it writes to stdout and
 * stderr; the end-to-end checks use `spawnCli`, which runs the real entry point and sees exit
 * codes as a shell does. It runs the shipped CLI — the bundle dist/cli.mjs, rebuilt first if
 * the sources changed since `npm run build` — as `npm ci` leaves it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.ts';
import { buildAll } from '../../scripts/build.mjs';
import { freshBundle } from '../../scripts/dist.mjs';
import { golden, WORKLOADS } from './workloads.ts';

/** The repository root (this file is test/helpers/run-cli.ts). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An absolute path to a file of the repository. */
export const repoPath = (rel: string): string => join(ROOT, rel);

export interface CliResult {
  /** The process exit code main() returns (or the spawned process's status). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Write = typeof process.stdout.write;

/** Collects every chunk written through `stream.write` until restored. */
function capture(stream: NodeJS.WriteStream): { restore: () => string } {
  const chunks: Buffer[] = [];
  const original = stream.write;
  const write = (chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void): boolean => {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk));
    const done = typeof encoding === 'function' ? encoding : cb;
    done?.();
    return true;
  };
  stream.write = write as Write;
  return {
    restore: () => {
      stream.write = original;
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** Runs `morphsim <argv>` in this process (pass absolute paths: see `repoPath`). The guest's
 * input is empty: this process's own standard input is the test runner's. */
export async function runCli(argv: readonly string[]): Promise<CliResult> {
  const out = capture(process.stdout);
  const err = capture(process.stderr);
  let stdout = '';
  let stderr = '';
  let code: number;
  try {
    code = await main(argv, { stdin: () => null });
  } finally {
    stdout = out.restore();
    stderr = err.restore();
  }
  return { code, stdout, stderr };
}

/** Builds dist/ unless it is fresh; returns the bundle bin/morphsim.mjs will run. */
export function ensureBuilt(): string {
  if (freshBundle('cli') === undefined) buildAll();
  const bundle = freshBundle('cli');
  if (bundle === undefined) throw new Error('dist/cli.mjs is not fresh right after a build (are sources being edited?)');
  return bundle;
}

/** Runs `node bin/morphsim.mjs <argv>` (the built CLI) as a child process, as a shell would. */
export function spawnCli(argv: readonly string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): CliResult {
  ensureBuilt();
  const r = spawnSync(process.execPath, [repoPath('bin/morphsim.mjs'), ...argv], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    input: opts.input ?? '',
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

export interface Workload {
  readonly name: string;
  readonly platform: 'user' | 'machine';
  readonly args: readonly string[];
  readonly expectedExitCode: number;
  /** Absolute path of workloads/bin/<name>.elf. */
  readonly elf: string;
  /** Golden stdout (user) or UART output (machine), from workloads/expected/<name>.out. */
  readonly expectedOut: string;
  /** Golden exit code, from workloads/expected/<name>.code. */
  readonly expectedCode: number;
}

/** Every workload of workloads/manifest.json with its golden files (one manifest reader: helpers/workloads.ts). */
export function loadWorkloads(): Workload[] {
  return WORKLOADS.map((w) => {
    const g = golden(w.name);
    return { ...w, args: [...w.args], elf: repoPath(`workloads/bin/${w.name}.elf`), expectedOut: g.out, expectedCode: g.code };
  });
}
