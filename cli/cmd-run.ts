/** `morphsim run`: run a guest program and report what the machine did. */
import { closeSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ExitCode, MorphsimError, UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/fsutil.ts';
import type { Config } from '../core/params.ts';
import type { ElfImage } from '../isa-guest/elf.ts';
import { paramRegistry } from '../morph/config.ts';
import { attachLockstep } from '../morph/lockstep.ts';
import { createMachine, GuestMachine } from '../morph/machine.ts';
import { runReportData, runReportHtml } from '../reports/run-report.ts';
import { runSummary, summaryLines, type RunSummary } from '../reports/summary.ts';
import { runWithTimeline } from '../reports/timeline.ts';
import { translationStats } from '../morph/translation-stats.ts';
import { resolveConfig } from './config-args.ts';
import { fsReason, readElf } from './elf-file.ts';
import { VERSION } from './version.ts';

export interface RunFlags {
  mode?: string;
  core?: string;
  executor?: string;
  threshold?: number;
  platform?: 'user' | 'machine';
  maxInstret?: number;
  verify?: 'lockstep';
  json?: string;
  statsJson?: string;
  report?: string;
  compareInorder?: boolean;
  logCommits?: string;
  quiet?: boolean;
  config?: string;
  set?: string[];
}

/** A line-buffered file written under a temporary name and renamed when complete. */
class LogFile {
  private readonly fd: number;
  private readonly tmp: string;
  private buf: string[] = [];
  private size = 0;
  private done = false;
  constructor(readonly path: string) {
    this.tmp = `${path}.${process.pid}.tmp`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new UsageError(`cannot write ${path}: ${fsReason(e)}`);
    }
  }
  line = (s: string): void => {
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size > 1 << 16) this.flush();
  };
  private flush(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    this.done = true;
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }
  /** The run failed before the log was complete: leave no partial log behind. */
  discard(): void {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
    unlinkSync(this.tmp);
  }
}

/**
 * Fail before the run, not after minutes of simulation, when an output file cannot be
 * created: its directory must exist and the path must not be a directory.
 */
function checkOutputPath(flag: string, path: string): void {
  const dir = dirname(path);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : fsReason(e);
    throw new UsageError(`${flag} ${path}: cannot write into ${dir}: ${why}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory`);
}

/** Runs the guest (its input from `stdin`); returns the process exit code (the guest's). */
export async function runCommand(elfPath: string, args: string[], flags: RunFlags, stdin: InputSource = processInput): Promise<number> {
  const cfg = resolveConfig(paramRegistry, {
    configFile: flags.config,
    sets: flags.set,
    shorthands: { 'run.mode': flags.mode, 'run.core': flags.core, 'run.executor': flags.executor, 'tier.threshold': flags.threshold },
  });
  if (flags.logCommits && cfg['run.mode'] !== 'interp' && cfg['run.core'] !== 'inorder') {
    throw new UsageError('--log-commits needs an engine that retires one instruction at a time: --mode interp or --core inorder');
  }
  if (flags.statsJson && (cfg['run.mode'] === 'interp' || cfg['run.core'] === 'inorder')) {
    throw new UsageError('--stats-json lists translations, and this engine makes none: use --mode translate or optimize');
  }
  if (flags.verify === 'lockstep' && (cfg['run.mode'] === 'interp' || cfg['run.core'] === 'inorder')) {
    throw new UsageError('--verify lockstep checks translated code against the interpreter: use --mode translate or optimize');
  }
  if (flags.compareInorder && cfg['run.core'] === 'inorder') {
    throw new UsageError('--compare-inorder compares the co-designed machine with the in-order core: this run already is on the in-order core');
  }
  const { bytes, image } = readElf(elfPath);
  if (flags.json) checkOutputPath('--json', flags.json);
  if (flags.report) checkOutputPath('--report', flags.report);
  if (flags.statsJson) checkOutputPath('--stats-json', flags.statsJson);
  if (flags.logCommits) checkOutputPath('--log-commits', flags.logCommits);
  const log = flags.logCommits ? new LogFile(flags.logCommits) : undefined;
  try {
    return await runMachine(image, bytes, args, flags, cfg, log, replayable(stdin));
  } catch (e) {
    log?.discard();
    throw e;
  }
}

/** Where a guest's input comes from: the next chunk, or null at the end. */
export type InputSource = () => Uint8Array | null;

/**
 * The process's standard input as the guest's (read(0, …); the machine platform's UART
 * receiver), as qemu-riscv32 passes it on: read only when the guest asks for input, a chunk
 * at a time, blocking.
 */
export function processInput(): Uint8Array | null {
  const buf = Buffer.alloc(65536);
  for (;;) {
    try {
      const n = readSync(0, buf, 0, buf.length, null);
      return n > 0 ? buf.subarray(0, n) : null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking descriptor with nothing yet: wait a little and read again.
      if (code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; }
      // A closed standard input (\`<&-\`) is an empty one; anything else is reported.
      if (code === 'EOF' || code === 'EBADF') return null;
      throw new MorphsimError(`reading standard input for the guest: ${(e as Error).message}`, ExitCode.usage);
    }
  }
}

/** `source`, keeping every chunk it gave, so a second run of the program (--compare-inorder)
 * reads the same bytes in the same pieces (`again`). */
function replayable(source: InputSource): { read: InputSource; again: () => InputSource } {
  const chunks: Uint8Array[] = [];
  let ended = false;
  const read = (): Uint8Array | null => {
    if (ended) return null;
    const c = source();
    if (c === null || c.length === 0) ended = true;
    else chunks.push(c);
    return ended ? null : c;
  };
  const again = (): InputSource => { let i = 0; return () => (i < chunks.length ? chunks[i++]! : null); };
  return { read, again };
}

/** The same program on the baseline in-order core, for comparison (its output is not shown again).
 * The in-order core runs no host code, so its machine never needs binaryen. */
function runInorder(image: ElfImage, bytes: Uint8Array, args: string[], flags: RunFlags, cfg: Config, max: number, stdin: InputSource): RunSummary {
  const config = paramRegistry.resolve(cfg, { 'run.core': 'inorder' });
  const machine = new GuestMachine(image, { config, args, platform: flags.platform, stdin });
  const t0 = performance.now();
  const result = machine.run(max);
  return runSummary({ machine, result, elfBytes: bytes, config, version: VERSION, wallSeconds: (performance.now() - t0) / 1000 });
}

async function runMachine(image: ElfImage, bytes: Uint8Array, args: string[], flags: RunFlags, cfg: Config, log: LogFile | undefined,
  input: ReturnType<typeof replayable>): Promise<number> {
  const write = (stream: NodeJS.WriteStream) => (b: Uint8Array): void => { stream.write(Buffer.from(b)); };
  // binaryen loads (about half a second) only when translations will run on the fast executor.
  const machine = await createMachine(image, {
    config: cfg,
    args,
    platform: flags.platform,
    stdin: input.read,
    stdout: write(process.stdout),
    stderr: write(process.stderr),
    warn: (msg) => process.stderr.write(`morphsim: warning: ${msg}\n`),
    commitLog: log?.line,
  });
  const checker = flags.verify === 'lockstep' ? attachLockstep(machine) : undefined;

  const t0 = performance.now();
  const max = flags.maxInstret ?? Number.MAX_SAFE_INTEGER;
  const { result, timeline } = flags.report ? runWithTimeline(machine, max) : { result: machine.run(max), timeline: [] };
  const wallSeconds = (performance.now() - t0) / 1000;
  log?.close();

  const summary = runSummary({
    machine, result, elfBytes: bytes, config: cfg, version: VERSION, wallSeconds, lockstepChecks: checker?.checks,
  });
  if (flags.json) writeFileAtomic(flags.json, JSON.stringify(summary, null, 2) + '\n');
  const inorder = flags.compareInorder ? runInorder(image, bytes, args, flags, cfg, max, input.again()) : null;
  if (flags.report) writeFileAtomic(flags.report, runReportHtml(runReportData({ machine, summary, timeline, inorder })));
  if (flags.statsJson && machine.runtime) {
    writeFileAtomic(flags.statsJson, JSON.stringify(translationStats(machine.runtime, image), null, 2) + '\n');
  }
  if (!flags.quiet) process.stderr.write(summaryLines(summary));
  if (inorder && !flags.quiet) {
    process.stderr.write(`morphsim: in-order baseline: ${inorder.cycles} cycles, IPC ${inorder.ipc.toFixed(3)}; ` +
      `the co-designed machine is ${(inorder.cycles / Math.max(1, summary.cycles)).toFixed(3)}x as fast\n`);
  }
  if (result.stop === 'limit') {
    throw new MorphsimError(`stopped after ${result.instret} instructions (--max-instret ${max}); the guest did not exit`, ExitCode.limit);
  }
  return result.exitCode ?? 0;
}
