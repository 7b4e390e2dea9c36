/** File output that never leaves a half-written result: write a sibling temp file, then rename. */
import { readFileSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { UsageError } from './errors.ts';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : fsReason(e)}`);
  }
}

/** A file-system error in words a user reads ("no such file"), not an errno name. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? e);
}

/** Read a file named by the user; failure is a UsageError "cannot read <what> <path>: <reason>". */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what}${what ? ' ' : ''}${path}: ${fsReason(e)}`);
  }
}
