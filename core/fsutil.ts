/** File output that never leaves a half-written result: write a sibling temp file, then rename. */
import { renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { UsageError } from './errors.ts';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`cannot write ${path}: ${err.code ?? err.message}`);
  }
}
