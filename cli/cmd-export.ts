/** `morphsim export RESULTS.jsonl… --csv FILE`: sweep results as one flat CSV table. */
import { writeFileAtomic } from '../core/fsutil.ts';
import { resultsCsv } from '../reports/csv.ts';
import { readResultsFiles } from '../reports/results.ts';

export function exportCommand(files: string[], flags: { csv: string }): void {
  writeFileAtomic(flags.csv, resultsCsv(readResultsFiles(files)));
}
