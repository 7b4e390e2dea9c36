/** `morphsim report RESULTS.jsonl… -o FILE.html`: the sweep report of one or more results files. */
import { writeFileAtomic } from '../core/fsutil.ts';
import { readResultsFiles } from '../reports/results.ts';
import { sweepReportHtml } from '../reports/sweep-report.ts';

export function reportCommand(files: string[], flags: { output: string; title?: string }): void {
  const records = readResultsFiles(files);
  writeFileAtomic(flags.output, sweepReportHtml(records, { title: flags.title ?? `morphsim sweep: ${files.join(', ')}` }));
}
