/** `morphsim report RESULTS.jsonl… -o FILE.html`: the sweep report of one or more results files. */
import { writeFileAtomic } from '../core/fsutil.ts';
import { UsageError } from '../core/errors.ts';
import { readResults, type PointRecord } from '../reports/results.ts';
import { sweepReportHtml } from '../reports/sweep-report.ts';

/** Records of several results files, each key once (the first file that has it wins). */
export function readAllResults(paths: readonly string[]): PointRecord[] {
  const byKey = new Map<string, PointRecord>();
  for (const p of paths) for (const r of readResults(p).records) if (!byKey.has(r.key)) byKey.set(r.key, r);
  if (byKey.size === 0) throw new UsageError(`no results in ${paths.join(', ')}`);
  return [...byKey.values()];
}

export function reportCommand(files: string[], flags: { output: string; title?: string }): void {
  const records = readAllResults(files);
  writeFileAtomic(flags.output, sweepReportHtml(records, { title: flags.title ?? `morphsim sweep: ${files.join(', ')}` }));
}
