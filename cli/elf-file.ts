/** Reading an ELF named on the command line: missing or unreadable files are usage errors. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import { parseElf, type ElfImage } from '../isa-guest/elf.ts';

/** A file-system error in words a user reads ("no such file"), not an errno name. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? e);
}

export function readElf(path: string): { bytes: Uint8Array; image: ElfImage } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${fsReason(e)}`);
  }
  return { bytes, image: parseElf(bytes, path) };
}
