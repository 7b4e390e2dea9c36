/**
 * `morphsim sweep SPEC.json --out DIR`: run a parameter grid (reports/sweep.ts) into
 * DIR/results.jsonl, then write DIR/report.html (and the validated spec as DIR/spec.json). Progress is a bar on a terminal and one
 * plain line per point otherwise (logs, CI). Ctrl-C stops the sweep with every finished point
 * already on disk; `--resume` continues it.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { UsageError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/fsutil.ts';
import { expandSpec, readSweepSpec, runPoints, type SweepProgress } from '../reports/sweep.ts';
import { sweepReportHtml } from '../reports/sweep-report.ts';
import { absoluteElfPaths } from '../reports/sweep-spec.ts';
import { describePoint } from '../reports/point-label.ts';
import { fsReason } from './elf-file.ts';

export interface SweepFlags {
  out: string;
  jobs?: number;
  resume?: boolean;
  report?: boolean;
  quiet?: boolean;
}

export function prepareOutDir(dir: string): void {
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new UsageError(`--out ${dir}: exists and is not a directory`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`--out ${dir}: cannot create the directory: ${fsReason(e)}`);
  }
}

/** A progress display: a bar on a terminal, one line per finished point elsewhere. */
export function progressReporter(stream: NodeJS.WriteStream, quiet: boolean): { update: (p: SweepProgress) => void; stop: () => void } {
  if (quiet) return { update: () => {}, stop: () => {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: 'morphsim: sweep [{bar}] {value}/{total} points | {failed} failed | ETA {eta_formatted} | {last}',
      hideCursor: true,
      etaBuffer: 8,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update: (p) => {
        const payload = { failed: p.failed, last: p.record ? `${describePoint(p.record)}: ${p.record.status}` : '' };
        if (!started) { bar.start(p.total, p.done, payload); started = true; } else bar.update(p.done, payload);
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  return {
    update: (p) => {
      if (!p.record) {
        stream.write(`morphsim: sweep: ${p.total} points${p.resumed ? `, ${p.resumed} already done` : ''}\n`);
        return;
      }
      const r = p.record;
      const what = r.status === 'ok' ? `ok, ${r.summary!.cycles} cycles, IPC ${r.summary!.ipc.toFixed(3)}` : `failed (${r.error!.kind}): ${r.error!.message}`;
      stream.write(`morphsim: sweep [${p.done}/${p.total}] ${describePoint(r)}: ${what}\n`);
    },
    stop: () => {},
  };
}

/**
 * Runs `work` with progress on stderr; SIGINT and SIGTERM abort it, keeping the finished
 * points (on disk already), so the caller can say how to resume.
 */
export async function withProgress<T>(
  quiet: boolean, work: (onProgress: (p: SweepProgress) => void, signal: AbortSignal) => Promise<T>,
): Promise<{ result: T; aborted: boolean }> {
  const progress = progressReporter(process.stderr, quiet);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return { result: await work(progress.update, abort.signal), aborted: abort.signal.aborted };
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Returns the exit code: 0 once every point has a record (failed points are results too). */
export async function sweepCommand(specPath: string, flags: SweepFlags): Promise<number> {
  const spec = readSweepSpec(specPath);
  const baseDir = dirname(resolve(specPath));
  const points = expandSpec(spec, { baseDir });
  prepareOutDir(flags.out);
  // The spec next to its results (ELF paths made absolute, so the copy runs from there too).
  writeFileAtomic(join(flags.out, 'spec.json'), JSON.stringify(absoluteElfPaths(spec, baseDir), null, 2) + '\n');
  const outFile = join(flags.out, 'results.jsonl');
  const { result: records, aborted } = await withProgress(flags.quiet === true, (onProgress, signal) =>
    runPoints(points, { jobs: flags.jobs, outFile, resume: flags.resume, onProgress, signal }));
  if (aborted) {
    process.stderr.write(`morphsim: sweep interrupted: ${records.length} of ${points.length} points in ${outFile}; --resume continues it\n`);
    return 130;
  }
  const failed = records.filter((r) => r.status === 'failed').length;
  if (flags.report !== false) {
    writeFileAtomic(join(flags.out, 'report.html'), sweepReportHtml(records, { title: spec.name ?? specPath }));
  }
  if (!flags.quiet) {
    process.stderr.write(`morphsim: sweep: ${records.length} points (${failed} failed) in ${outFile}` +
      `${flags.report !== false ? `; report in ${join(flags.out, 'report.html')}` : ''}\n`);
  }
  return 0;
}
