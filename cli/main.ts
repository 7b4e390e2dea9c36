/**
 * The `morphsim` command line. Every user error ends as one line on stderr and a defined
 * exit code (core/errors.ts); internal errors print a short message and exit 70, with the
 * stack only under MORPHSIM_DEBUG=1.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, MorphsimError, UsageError } from '../core/errors.ts';
import { paramRegistry } from '../morph/config.ts';
import { configCommand } from './cmd-config.ts';
import { runCommand, type InputSource, type RunFlags } from './cmd-run.ts';
import { demoCommand } from './cmd-demo.ts';
import { disasmCommand } from './cmd-disasm.ts';
import { exportCommand } from './cmd-export.ts';
import { reportCommand } from './cmd-report.ts';
import { parsePointTimeout, type SweepFlags } from './cmd-sweep.ts';
import { sweepDispatch, type ShardFlags } from './cmd-sweep-shards.ts';
import { parseShardCount } from '../reports/shard.ts';
import { VERSION } from './version.ts';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function parseIntArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} expects a non-negative integer, got '${v}'`);
    return n;
  };
}

function parsePositiveArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} expects a positive integer, got '${v}'`);
    return n;
  };
}

/** Commander's message ("error: unknown option '--mdoe'\n(Did you mean --mode?)") as one line. */
const oneLine = (s: string): string => s.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');

/** The command tree; `status.exitCode` receives the guest's exit code after `run`. */
export function buildProgram(status: { exitCode: number } = { exitCode: 0 }, io: CliIo = {}): Command {
  const program = new Command('morphsim')
    .description('co-designed virtual machine simulator: RV32IM guest, code morphing, cycle-counted VLIW host')
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (s) => process.stderr.write(`morphsim: ${oneLine(s)}\n`),
      // Commander writes to stderr only errors (above) and the full help when the command is
      // missing; main() reports that as one line instead.
      writeErr: () => {},
    });

  const addConfigOptions = (cmd: Command): Command =>
    cmd
      .option('--config <file>', 'JSON file of parameter overrides ({"vliw.width": 8} or nested)')
      .option('--set <key=value>', 'override one parameter (repeatable); see `morphsim config`', collect, [] as string[]);

  addConfigOptions(
    program
      .command('run')
      .description('run a guest ELF; guest output on stdout, morphsim summary on stderr')
      .argument('<elf>', 'static RV32 ELF executable')
      .argument('[args...]', 'guest program arguments (after --)')
      .addOption(new Option('--mode <mode>', 'execution mode (run.mode)').choices(['interp', 'translate', 'optimize']))
      .addOption(new Option('--core <core>', 'machine model (run.core)').choices(['cms', 'inorder']))
      .addOption(new Option('--executor <executor>', `how translations run (run.executor): fast (WebAssembly) or reference (JS, the specification); default ${String(paramRegistry.spec('run.executor')?.default)}`).choices(['fast', 'reference']))
      .option('--threshold <n>', 'hotness threshold in executions (tier.threshold)', parseIntArg('--threshold'))
      .addOption(new Option('--platform <platform>', 'guest platform (default: from the ELF)').choices(['user', 'machine']))
      .option('--max-instret <n>', 'stop a runaway guest after N retired instructions', parseIntArg('--max-instret'))
      .addOption(new Option('--verify <how>', 'check against the reference interpreter').choices(['lockstep']))
      .option('--json <file>', 'write the run summary as JSON')
      .option('--stats-json <file>', 'write per-translation statistics as JSON')
      .option('--report <file>', 'write a self-contained HTML report of the run (charts, translations, molecule schedules)')
      .option('--compare-inorder', 'also run the program on the in-order baseline core and compare (report and summary line)')
      .option('--log-commits <file>', 'write a Spike-style commit log (one line per retired instruction)')
      .option('-q, --quiet', 'do not print the summary on stderr'),
  ).action(async (elf: string, args: string[], flags: RunFlags) => { status.exitCode = await runCommand(elf, args, flags, io.stdin); });

  program
    .command('disasm')
    .description('disassemble the executable segments of an ELF, with symbols')
    .argument('<elf>', 'RV32 ELF file')
    .action(disasmCommand);

  addConfigOptions(
    program
      .command('config')
      .description('print every parameter with its default (or resolved value), unit, range and doc')
      .option('--json', 'print the registry as JSON for scripts'),
  ).action(configCommand);

  program
    .command('sweep')
    .description('run a parameter sweep (workloads × grid) in parallel into DIR/results.jsonl and DIR/report.html')
    .argument('[spec]', 'sweep spec (JSON): workloads, mode, base, axes, points; docs/schemas.md')
    .option('--out <dir>', 'output directory (created if missing)')
    .option('-j, --jobs <n>', 'worker threads (default: the number of cores)', parsePositiveArg('--jobs'))
    .option('--resume', 'keep the points already in DIR/results.jsonl and run only the others (and those whose worker crashed)')
    .option('--retry-failed', 'like --resume, and also run the points recorded as failed (timeouts included) again')
    .option('--point-timeout <seconds>', 'stop a point after this much wall-clock time and record it as failed (timeout); overrides the spec\'s pointTimeout', parsePointTimeout)
    .option('--no-report', 'do not write DIR/report.html')
    .option('-q, --quiet', 'no progress output')
    // Beyond one machine (cli/cmd-sweep-shards.ts, docs/slurm.md).
    .option('--shard <i/K>', 'run only shard i of K (0 ≤ i < K) into DIR/shard-i.jsonl, for any scheduler')
    .option('--merge <dir>', 'gather the shard files of DIR into DIR/results.jsonl; exit 1 while points are missing')
    .option('--slurm', 'submit the sweep to Slurm as a job array (one task per shard); re-submitting runs only unfinished shards')
    .option('--shards <k>', 'with --slurm: number of array tasks (default: points, at most 16)', parseShardCount)
    .option('--partition <name>', 'with --slurm: partition (default: the cluster\'s)')
    .option('--time <limit>', 'with --slurm: time limit per task, as sbatch --time takes it')
    .option('--cpus-per-task <n>', 'with --slurm: CPUs per task, used as --jobs (default 1)', parsePositiveArg('--cpus-per-task'))
    .option('--dry-run', 'with --slurm: write DIR and print the job script, do not submit')
    .action(async (spec: string | undefined, flags: SweepFlags & ShardFlags) => { status.exitCode = await sweepDispatch(spec, flags); });

  program
    .command('demo')
    .description('run the bundled demo sweep (3 programs × 6 configurations) and write its HTML report')
    .option('--out <dir>', 'output directory', 'morphsim-demo')
    .option('-j, --jobs <n>', 'worker threads (default: the number of cores)', parsePositiveArg('--jobs'))
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: { out: string; jobs?: number; quiet?: boolean }) => { status.exitCode = await demoCommand(flags); });

  program
    .command('report')
    .description('write the HTML report of sweep results (self-contained: opens offline)')
    .argument('<results...>', 'results files (JSON Lines) of one sweep, or of its shards')
    .requiredOption('-o, --output <file>', 'HTML file to write')
    .option('--title <text>', 'title of the report')
    .action(reportCommand);

  program
    .command('export')
    .description('write sweep results as one flat CSV table (for pandas, R, spreadsheets)')
    .argument('<results...>', 'results files (JSON Lines)')
    .requiredOption('--csv <file>', 'CSV file to write')
    .action(exportCommand);

  return program;
}

/** What the command reads besides its arguments: the guest's input (`morphsim run`; default
 * the process's standard input). */
export interface CliIo { readonly stdin?: InputSource }

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const status = { exitCode: 0 };
  const program = buildProgram(status, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help') {
        if (e.exitCode === 0) return 0; // `morphsim help`
        const names = program.commands.map((c) => c.name()).join(', ');
        process.stderr.write(`morphsim: missing command (one of ${names}); 'morphsim --help' describes them\n`);
      }
      return ExitCode.usage;
    }
    if (e instanceof MorphsimError) {
      process.stderr.write(`morphsim: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`morphsim: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env['MORPHSIM_DEBUG']) process.stderr.write(`${(e as Error)?.stack}\n`);
    return ExitCode.internal;
  }
}

export { paramRegistry };
